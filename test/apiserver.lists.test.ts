// Chunked lists as kube-apiserver serves them (limit, continue,
// remainingItemCount, etcd key order, 410 Expired after compaction, 400 for
// a token that does not decode), judged by the real kubectl where it shows
// them (`--chunk-size`, `-v=6`, `--raw`) and by direct requests elsewhere.

import { beforeAll, describe, expect, it } from 'vitest';
import { decodeContinue } from './apiserver/api/continuetoken.ts';
import { request } from './apiserver/client.ts';
import type { Fixture } from './apiserver/cluster/fixture.ts';
import { canMakeNamespaces, faultsOf, identicalPodsFixture, namespacesUnavailableReason } from './apiserver/harness.ts';
import type { ApiServerHandle } from './apiserver/harness.ts';
import { hasKubectl } from './apiserver/kubectl.ts';
import { ownServer } from './helpers/ownserver.ts';
import type { KubectlResult } from './apiserver/kubectl.ts';

const skipReason = !hasKubectl ? 'kubectl is not installed' : namespacesUnavailableReason();
if (skipReason) console.warn(`skipping chunked list tests: ${skipReason}`);

// Namespaces `a` and `a-b` sort as etcd keys do: "a-b/..." before "a/..." ('-' < '/').
const fixture = (): Fixture => {
  const set = (prefix: string, namespace: string, count: number, labels?: Record<string, string>) =>
    identicalPodsFixture({ count, prefix, namespace, trees: 1, processes: 1, labels }).pods ?? [];
  return {
    namespaces: ['a', 'a-b', 'default'],
    nodes: [{ metadata: { name: 'node-1' } }, { metadata: { name: 'node-2' } }, { metadata: { name: 'node-3' } }],
    pods: [...set('p', 'a', 3), ...set('q', 'a-b', 3), ...set('web', 'default', 4, { tier: 'front' }), ...set('db', 'default', 3)],
    workloads: ['one', 'two', 'three'].map((name) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'default' },
      spec: { selector: { matchLabels: { app: name } } },
    })),
  };
};

const ALL_PODS = ['a-b/q-0', 'a-b/q-1', 'a-b/q-2', 'a/p-0', 'a/p-1', 'a/p-2', 'default/db-0', 'default/db-1', 'default/db-2', 'default/web-0', 'default/web-1', 'default/web-2', 'default/web-3'];

/** The request lines of `kubectl -v=6` for this path prefix (discovery left out). */
const requests = (r: KubectlResult, path: string): string[] =>
  r.stderr
    .split('\n')
    .map((l) => /"Response" verb="GET" url="https:\/\/[^/]+([^"]+)" status="([^"]*)"/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && m[1].startsWith(path))
    .map((m) => `${m[1]} ${m[2]}`);

describe.skipIf(!hasKubectl || !canMakeNamespaces())('chunked lists', () => {
  const own = ownServer(fixture);
  let api: ApiServerHandle;
  const kubectl = (...args: string[]): KubectlResult => own.kubectl(args);
  const page = async (path: string): Promise<any> => {
    const r = await request(api, 'GET', path);
    expect(r.status, r.text).toBe(200);
    return r.body;
  };

  beforeAll(() => {
    api = own.api();
  });

  it('kubectl --chunk-size pages through every pod with limit and continue, in etcd key order', () => {
    const r = kubectl('get', 'pods', '-A', '--chunk-size=4', '-o', 'name', '-v=6');
    expect(r.code, r.stderr).toBe(0);
    const lines = requests(r, '/api/v1/pods');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('/api/v1/pods?limit=4 200 OK');
    for (const l of lines.slice(1)) expect(l).toMatch(/^\/api\/v1\/pods\?continue=[A-Za-z0-9_-]+&limit=4 200 OK$/);
    const whole = kubectl('get', 'pods', '-A', '--chunk-size=0', '-o', 'name');
    expect(r.stdout).toBe(whole.stdout);
    // -o name prints no namespace; the order is namespace then name, byte by byte.
    expect(r.stdout.trim().split('\n')).toEqual(ALL_PODS.map((k) => `pod/${k.split('/')[1]}`));
  });

  it('kubectl prints the server-side table of every chunk (the Table carries continue)', () => {
    const r = kubectl('get', 'pods', '-n', 'default', '--chunk-size=2', '-v=6');
    expect(r.code, r.stderr).toBe(0);
    expect(requests(r, '/api/v1/namespaces/default/pods')).toHaveLength(4);
    const names = r.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]);
    expect(names).toEqual(['db-0', 'db-1', 'db-2', 'web-0', 'web-1', 'web-2', 'web-3']);
  });

  it('tokens name the last key plus NUL and the first chunk resourceVersion, which every chunk reports', async () => {
    const first = await page('/api/v1/pods?limit=5');
    const rv = first.metadata.resourceVersion;
    expect(first.items.map((p: any) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(ALL_PODS.slice(0, 5));
    expect(first.metadata.remainingItemCount).toBe(ALL_PODS.length - 5);
    expect(Buffer.from(first.metadata.continue, 'base64url').toString()).toBe(`{"v":"meta.k8s.io/v1","rv":${rv},"start":"a/p-1\\u0000"}`);

    const second = await page(`/api/v1/pods?limit=5&continue=${first.metadata.continue}`);
    expect(second.metadata.resourceVersion).toBe(rv);
    expect(second.metadata.remainingItemCount).toBe(ALL_PODS.length - 10);
    const last = await page(`/api/v1/pods?limit=5&continue=${second.metadata.continue}`);
    expect(last.items.map((p: any) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(ALL_PODS.slice(10));
    expect(last.metadata).toEqual({ resourceVersion: rv });

    // In a namespace the key is the name alone.
    const ns = await page('/api/v1/namespaces/default/pods?limit=2');
    expect(decodeContinue(ns.metadata.continue).start).toBe('db-1\u0000');
  });

  it('with a selector, limit counts matches, remainingItemCount is left out, and a last chunk can come back empty', async () => {
    const one = await page('/api/v1/namespaces/default/pods?labelSelector=tier%3Dfront&limit=2');
    expect(one.items.map((p: any) => p.metadata.name)).toEqual(['web-0', 'web-1']);
    expect(one.metadata.remainingItemCount).toBeUndefined();
    const two = await page(`/api/v1/namespaces/default/pods?labelSelector=tier%3Dfront&limit=2&continue=${one.metadata.continue}`);
    expect(two.items.map((p: any) => p.metadata.name)).toEqual(['web-2', 'web-3']);
    // web-3 is the last key: nothing follows, so no token.
    expect(two.metadata.continue).toBeUndefined();
    // db-2 matches `app=db` and keys follow it (the web pods), so a token comes back; its chunk is empty.
    const db = await page('/api/v1/namespaces/default/pods?labelSelector=app%3Ddb&limit=3');
    expect(db.items).toHaveLength(3);
    const empty = await page(`/api/v1/namespaces/default/pods?labelSelector=app%3Ddb&limit=3&continue=${db.metadata.continue}`);
    expect(empty).toMatchObject({ kind: 'PodList', items: [], metadata: { resourceVersion: db.metadata.resourceVersion } });
    expect(empty.metadata.continue).toBeUndefined();
  });

  it('nodes, namespaces and deployments come in chunks too', () => {
    for (const [resource, path, names] of [
      ['nodes', '/api/v1/nodes', ['node/node-1', 'node/node-2', 'node/node-3']],
      ['namespaces', '/api/v1/namespaces', ['namespace/a', 'namespace/a-b', 'namespace/default']],
      ['deployments', '/apis/apps/v1/namespaces/default/deployments', ['deployment.apps/one', 'deployment.apps/three', 'deployment.apps/two']],
    ] as const) {
      const r = kubectl('get', resource, '--chunk-size=1', '-o', 'name', '-v=6');
      expect(r.code, r.stderr).toBe(0);
      expect(requests(r, path)).toHaveLength(3);
      expect(r.stdout.trim().split('\n')).toEqual(names);
    }
  });

  it('after compaction a token is 410 Expired, with a token that continues the list inconsistently', async () => {
    const first = await page('/api/v1/pods?limit=4');
    await faultsOf(api).compact();
    const r = await request(api, 'GET', `/api/v1/pods?limit=4&continue=${first.metadata.continue}`);
    expect(r.status).toBe(410);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: { continue: expect.any(String) },
      status: 'Failure',
      message:
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
      reason: 'Expired',
      code: 410,
    });
    expect(decodeContinue(r.body.metadata.continue)).toEqual({ rv: -1, start: 'a/p-0\u0000' });

    const rest = await page(`/api/v1/pods?limit=20&continue=${r.body.metadata.continue}`);
    expect(rest.items.map((p: any) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(ALL_PODS.slice(4));
    expect(Number(rest.metadata.resourceVersion)).toBeGreaterThan(Number(first.metadata.resourceVersion));
  });

  it('kubectl stops at a 410 on its second chunk with the server message', async () => {
    await faultsOf(api).add({ path: '/api/v1/pods', page: 2, fault: 'expired' });
    const r = kubectl('get', 'pods', '-A', '--chunk-size=4', '-o', 'name', '-v=6');
    expect(r.code).toBe(1);
    expect(requests(r, '/api/v1/pods').map((l) => l.replace(/continue=[^&]+/, 'continue=T'))).toEqual([
      '/api/v1/pods?limit=4 200 OK',
      '/api/v1/pods?continue=T&limit=4 410 Gone',
    ]);
    expect(r.stderr).toContain('Error from server (Expired): The provided continue parameter is too old to display a consistent list result.');
  });

  it('a token that does not decode is a 400, as kube-apiserver answers it', async () => {
    const raw = (query: string): KubectlResult => kubectl('get', '--raw', `/api/v1/pods?limit=1&${query}`);
    expect(raw('continue=abc!').stderr.trim()).toBe('Error from server (BadRequest): invalid continue token: continue key is not valid: illegal base64 data at input byte 3');
    const rv0 = Buffer.from('{"v":"meta.k8s.io/v1","rv":0,"start":"a/p-0\\u0000"}').toString('base64url');
    expect(raw(`continue=${rv0}`).stderr.trim()).toBe(
      'Error from server (BadRequest): invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
    const token = (await page('/api/v1/pods?limit=1')).metadata.continue;
    expect(raw(`continue=${token}&resourceVersion=5`).stderr.trim()).toBe(
      'Error from server (BadRequest): specifying resource version is not allowed when using continue',
    );
    expect(raw(`continue=${token}&resourceVersion=0`).code).toBe(0);
  });
});

// Malformed objects on demand (fixture `rawPods`): items served verbatim in
// pod lists and GETs, for clients' robustness tests. The server's own logic
// (selectors, paging, tables, exec) must go on around them.

import { beforeAll, describe, expect, it } from 'vitest';
import { exec, request } from './apiserver/client.ts';
import type { Fixture, RawPod } from './apiserver/cluster/fixture.ts';
import { canMakeNamespaces, identicalPodsFixture, namespacesUnavailableReason } from './apiserver/harness.ts';
import type { ApiServerHandle } from './apiserver/harness.ts';
import { hasKubectl } from './apiserver/kubectl.ts';
import { ownServer } from './helpers/ownserver.ts';
import type { KubectlResult } from './apiserver/kubectl.ts';

const skipReason = !hasKubectl ? 'kubectl is not installed' : namespacesUnavailableReason();
if (skipReason) console.warn(`skipping malformed object tests: ${skipReason}`);

const RAW: RawPod[] = [
  { name: 'b-null', item: null },
  { name: 'b-nospec', labels: { app: 'broken' }, item: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'b-nospec', namespace: 'default' }, status: { phase: 'Running' } } },
  { name: 'b-noname', item: { metadata: { name: 'b-noname', namespace: 'default' }, spec: { containers: [{ image: 'x' }, { name: 'y', image: 'y' }] } } },
  { name: 'b-meta', item: { metadata: 'not an object', spec: { containers: [{ name: 'a' }] } } },
];

const fixture = (): Fixture => ({
  pods: identicalPodsFixture({ count: 2, prefix: 'a', trees: 1, processes: 1 }).pods,
  rawPods: RAW,
});

describe.skipIf(!hasKubectl || !canMakeNamespaces())('malformed objects', () => {
  const own = ownServer(fixture);
  let api: ApiServerHandle;
  const kubectl = (...args: string[]): KubectlResult => own.kubectl(args);

  beforeAll(() => {
    api = own.api();
  });

  it('lists carry them verbatim, in key order among the real pods', async () => {
    const r = await request(api, 'GET', '/api/v1/namespaces/default/pods');
    expect(r.status).toBe(200);
    const items = r.body.items as unknown[];
    expect(items).toHaveLength(6);
    expect(items[0]).toMatchObject({ metadata: { name: 'a-0' } });
    expect(items[1]).toMatchObject({ metadata: { name: 'a-1' } });
    // b-meta, b-noname, b-nospec, b-null: exactly as the fixture wrote them.
    expect(items.slice(2)).toEqual([RAW[3].item, RAW[2].item, RAW[1].item, null]);
    expect(r.text).toContain(',null]}');
  });

  it('GET answers the item itself, `null` included', async () => {
    const n = await request(api, 'GET', '/api/v1/namespaces/default/pods/b-null');
    expect(n.status).toBe(200);
    expect(n.text).toBe('null');
    expect((await request(api, 'GET', '/api/v1/namespaces/default/pods/b-meta')).body).toEqual(RAW[3].item);
  });

  it('selectors and paging work around them; labels are the fixture entry\'s', async () => {
    const broken = await request(api, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dbroken');
    expect(broken.body.items).toEqual([RAW[1].item]);
    const byName = await request(api, 'GET', '/api/v1/pods?fieldSelector=metadata.name%3Db-null');
    expect(byName.body.items).toEqual([null]);
    const first = await request(api, 'GET', '/api/v1/namespaces/default/pods?limit=3');
    const rest = await request(api, 'GET', `/api/v1/namespaces/default/pods?limit=3&continue=${first.body.metadata.continue}`);
    expect([...first.body.items, ...rest.body.items]).toHaveLength(6);
  });

  it('kubectl lists them (`<unknown>` in the table) and fails on them one by one as client-go does', () => {
    const table = kubectl('get', 'pods');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^b-null\s+<unknown>\s+<unknown>/m);
    expect(table.stdout).toMatch(/^a-0\s+1\/1\s+Running/m);
    const json = kubectl('get', 'pods', '-o', 'json');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).items).toHaveLength(6);
    const one = kubectl('get', 'pod', 'b-null', '-o', 'json');
    expect(one.code).toBe(1);
    expect(one.stderr.trim()).toBe("error: Object 'Kind' is missing in 'null'");
  });

  it('exec into one is refused as for a pod without a node, and real pods still exec', async () => {
    const r = await exec(api, 'b-nospec', ['true']);
    expect(r.httpStatus).toBe(400);
    expect(r.httpBody).toMatchObject({ reason: 'BadRequest', message: 'pod b-nospec does not have a host assigned' });
    expect((await exec(api, 'a-1', ['true'])).exitCode).toBe(0);
  });
});

// Request faults on demand (server/faults.ts): what each answer is on the
// wire, and what the real kubectl (client-go) makes of it: 429s it waits out
// (Retry-After) and retries ten times at most, 410 and 500 it reports, a
// dropped connection Go's transport resends once and client-go retries after.

import { beforeAll, describe, expect, it } from 'vitest';
import { exec, request, tokenOf } from './apiserver/client.ts';
import type { Fixture } from './apiserver/cluster/fixture.ts';
import { canMakeNamespaces, faultsOf, identicalPodsFixture, namespacesUnavailableReason, THROTTLE_ANNOTATION } from './apiserver/harness.ts';
import type { ApiServerHandle } from './apiserver/harness.ts';
import { hasKubectl } from './apiserver/kubectl.ts';
import { ownServer } from './helpers/ownserver.ts';
import type { KubectlResult } from './apiserver/kubectl.ts';

const skipReason = !hasKubectl ? 'kubectl is not installed' : namespacesUnavailableReason();
if (skipReason) console.warn(`skipping request fault tests: ${skipReason}`);

const PODS = '/api/v1/namespaces/default/pods';

const fixture = (): Fixture => {
  const pods = identicalPodsFixture({ count: 3, prefix: 'p', trees: 1, processes: 1 }).pods ?? [];
  const throttled = (name: string, annotation: string) => ({
    metadata: { name, annotations: { [annotation]: '2', [THROTTLE_ANNOTATION.retryAfter]: '0' } },
    spec: { containers: [{ name: 'app', run: { sharesProcessesOf: 'p-0/app' } }] },
  });
  return {
    pods: [...pods, throttled('slow-get', THROTTLE_ANNOTATION.get), throttled('slow-exec', THROTTLE_ANNOTATION.exec)],
    faults: [{ path: `${PODS}/p-2`, fault: 'internal-error', message: 'armed by the fixture' }],
  };
};

/** `kubectl -v=6` response lines for paths under `path`: "<path> <status>", continue tokens shortened to T. */
const responses = (r: KubectlResult, path: string): string[] =>
  r.stderr
    .split('\n')
    .map((l) => /"Response" verb="(GET|POST)" url="https:\/\/[^/]+([^"]+)" status="([^"]*)"/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && m[2].startsWith(path))
    .map((m) => `${m[1]} ${m[2].replace(/continue=[^&]+/, 'continue=T')} ${m[3]}`.trim());

describe.skipIf(!hasKubectl || !canMakeNamespaces())('request faults', () => {
  const own = ownServer(fixture);
  let api: ApiServerHandle;
  const kubectl = (...args: string[]): KubectlResult => own.kubectl(args);
  const faults = () => faultsOf(api);

  beforeAll(() => {
    api = own.api();
  });

  it('a fault armed by the fixture answers once, then the request is served', async () => {
    const first = await request(api, 'GET', `${PODS}/p-2`);
    expect(first.status).toBe(500);
    expect(first.body).toMatchObject({ reason: 'InternalError', message: 'Internal error occurred: armed by the fixture', code: 500 });
    expect((await request(api, 'GET', `${PODS}/p-2`)).status).toBe(200);
    expect((await faults().list()).find((f) => f.path === `${PODS}/p-2`)).toMatchObject({ hits: 1, times: 1 });
  });

  it('an APF 429 on the second chunk: kubectl waits Retry-After and goes on', async () => {
    await faults().add({ path: PODS, page: 2, fault: 'throttle', times: 2, retryAfterSeconds: 0 });
    const r = kubectl('get', 'pods', '--chunk-size=2', '-o', 'name', '-v=6');
    expect(r.code, r.stderr).toBe(0);
    expect(responses(r, PODS)).toEqual([
      `GET ${PODS}?limit=2 200 OK`,
      `GET ${PODS}?continue=T&limit=2 429 Too Many Requests`,
      `GET ${PODS}?continue=T&limit=2 429 Too Many Requests`,
      `GET ${PODS}?continue=T&limit=2 200 OK`,
      `GET ${PODS}?continue=T&limit=2 200 OK`,
    ]);
    expect(r.stderr.match(/Got a Retry-After response/g)).toHaveLength(2);
    expect(r.stdout.trim().split('\n')).toEqual(['pod/p-0', 'pod/p-1', 'pod/p-2', 'pod/slow-exec', 'pod/slow-get']);
  });

  it('the APF 429 is plain text with Retry-After and the flow-control headers, no Status', async () => {
    await faults().add({ path: PODS, fault: 'throttle', retryAfterSeconds: 3 });
    const r = await request(api, 'GET', PODS);
    expect(r.status).toBe(429);
    expect(r.text).toBe('Too many requests, please try again later.\n');
    expect(r.headers).toMatchObject({
      'content-type': 'text/plain; charset=utf-8',
      'retry-after': '3',
      'x-content-type-options': 'nosniff',
      'x-kubernetes-pf-flowschema-uid': expect.stringMatching(/^[0-9a-f-]{36}$/),
      'x-kubernetes-pf-prioritylevel-uid': expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('kubectl gives up after ten retries of a 429', async () => {
    const [rule] = await faults().add({ path: PODS, fault: 'throttle', times: 20, retryAfterSeconds: 0 });
    const r = kubectl('get', 'pods', '-o', 'name');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Error from server (TooManyRequests): the server has received too many requests and has asked us to try again later (get pods)');
    expect((await faults().list()).find((f) => f.id === rule.id)?.hits).toBe(11);
    await faults().clear();
  });

  it('a 429 Status (apierrors.NewTooManyRequests) carries retryAfterSeconds, and kubectl retries it too', async () => {
    await faults().add({ path: PODS, fault: 'throttle-status', retryAfterSeconds: 2 });
    const direct = await request(api, 'GET', PODS);
    expect(direct.status).toBe(429);
    expect(direct.headers['retry-after']).toBe('2');
    expect(direct.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'storage is (re)initializing',
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 2 },
      code: 429,
    });
    await faults().add({ path: PODS, fault: 'throttle-status', retryAfterSeconds: 1, message: 'slow down' });
    const r = kubectl('get', 'pods', '-o', 'name', '-v=6');
    expect(r.code, r.stderr).toBe(0);
    expect(responses(r, PODS)).toEqual([`GET ${PODS}?limit=500 429 Too Many Requests`, `GET ${PODS}?limit=500 200 OK`]);
  });

  it('a 500 on the first chunk is the error kubectl reports', async () => {
    await faults().add({ path: PODS, page: 1, fault: 'internal-error' });
    const r = kubectl('get', 'pods', '-o', 'name');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Error from server (InternalError): Internal error occurred: etcdserver: request timed out');
  });

  it('a dropped connection: Go resends the GET once, client-go retries the next drop after a second', async () => {
    // With discovery cached, kubectl uses one kept-alive connection: the
    // transport resends on a new one once, and no more.
    expect(kubectl('get', 'pods', '-o', 'name').code).toBe(0);
    const [rule] = await faults().add({ path: PODS, page: 2, fault: 'drop', times: 2 });
    const r = kubectl('get', 'pods', '--chunk-size=2', '-o', 'name', '-v=6');
    expect(r.code, r.stderr).toBe(0);
    // The first drop is invisible (the transport resends on a kept-alive
    // connection); the second reaches client-go as EOF, which retries it.
    expect(responses(r, PODS)).toEqual([
      `GET ${PODS}?limit=2 200 OK`,
      `GET ${PODS}?continue=T&limit=2`,
      `GET ${PODS}?continue=T&limit=2 200 OK`,
      `GET ${PODS}?continue=T&limit=2 200 OK`,
    ]);
    expect(r.stderr).toMatch(/Got a Retry-After response" delay="1s" attempt=1/);
    expect((await faults().list()).find((f) => f.id === rule.id)?.hits).toBe(2);
    await faults().add({ path: PODS, fault: 'drop' });
    await expect(request(api, 'GET', PODS)).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it('a pod annotated throttle-get answers its next GETs 429; kubectl retries them', () => {
    const r = kubectl('get', 'pod', 'slow-get', '-o', 'name', '-v=6');
    expect(r.code, r.stderr).toBe(0);
    expect(responses(r, `${PODS}/slow-get`)).toEqual([
      `GET ${PODS}/slow-get 429 Too Many Requests`,
      `GET ${PODS}/slow-get 429 Too Many Requests`,
      `GET ${PODS}/slow-get 200 OK`,
    ]);
    expect(responses(kubectl('get', 'pod', 'slow-get', '-o', 'name', '-v=6'), `${PODS}/slow-get`)).toEqual([`GET ${PODS}/slow-get 200 OK`]);
  });

  it('a pod annotated throttle-exec refuses its next exec upgrades with 429; kubectl exec does not retry', () => {
    // kubectl tries the websocket, then falls back to SPDY: both get the 429.
    const r = kubectl('exec', 'slow-exec', '-v=6', '--', 'true');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('websocket: bad handshake (429 Too Many Requests): Too many requests, please try again later.');
    expect(responses(r, `${PODS}/slow-exec/exec`).map((l) => l.replace(/\?\S*/, '?…'))).toEqual([
      `GET ${PODS}/slow-exec/exec?…`,
      `POST ${PODS}/slow-exec/exec?… 429 Too Many Requests`,
    ]);
    expect(r.stderr.trim().split('\n').at(-1)).toBe('error: unable to upgrade connection: Too many requests, please try again later.');
    const again = kubectl('exec', 'slow-exec', '--', 'cat', '/proc/1/status');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^Name:\tsleep$/m);
  });

  it('rules on an exec path refuse or drop the upgrade', async () => {
    await faults().add([
      { path: `${PODS}/p-1/exec`, fault: 'throttle', retryAfterSeconds: 5 },
      { path: `${PODS}/p-1/exec`, fault: 'drop' },
    ]);
    const throttled = await exec(api, 'p-1', ['true']);
    expect(throttled.httpStatus).toBe(429);
    expect(throttled.httpBody).toBe('Too many requests, please try again later.\n');
    const dropped = await exec(api, 'p-1', ['true']);
    expect(dropped.httpStatus).toBeUndefined();
    expect(dropped.error).toMatch(/socket hang up|ECONNRESET|closed before/i);
    expect((await exec(api, 'p-1', ['true'])).exitCode).toBe(0);
  });

  it('the fault endpoints are for the admin user only and check what they are given', async () => {
    const readonly = await request(api, 'POST', '/procstatus-test/faults', { body: { path: '/x', fault: 'drop' }, token: tokenOf(api, 'readonly') });
    expect(readonly.status).toBe(403);
    expect(readonly.body.message).toBe('forbidden: User "readonly" cannot create path "/procstatus-test/faults"');
    expect((await request(api, 'GET', '/procstatus-test/faults', { token: '' })).status).toBe(401);
    const bad = await request(api, 'POST', '/procstatus-test/faults', { body: { path: 'x', fault: 'drop' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('fault rule 0: path must start with /');
    await faults().clear();
    expect(await faults().list()).toEqual([]);
  });
});

// `kubectl proxy` in front of the test server (harness startKubectlProxy),
// used by the real kubectl through a kubeconfig whose server is the proxy's
// plain http://127.0.0.1:PORT: what a client sees through it for get, list
// and exec, and what the proxy does to the server's answers and faults
// (k8s.io/kubectl/pkg/proxy/proxy_server.go: a path filter with a plain-text
// 403, and a 500 carrying the error when the upstream answer fails).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fixture } from './apiserver/cluster/fixture.ts';
import { canMakeNamespaces, faultsOf, identicalPodsFixture, namespacesUnavailableReason, startKubectlProxy } from './apiserver/harness.ts';
import type { ApiServerHandle, KubectlProxy } from './apiserver/harness.ts';
import { hasKubectl, kubectl as runKubectl } from './apiserver/kubectl.ts';
import { ownServer } from './helpers/ownserver.ts';
import type { KubectlResult } from './apiserver/kubectl.ts';

const skipReason = !hasKubectl ? 'kubectl is not installed' : namespacesUnavailableReason();
if (skipReason) console.warn(`skipping kubectl proxy tests: ${skipReason}`);

const PODS = '/api/v1/namespaces/default/pods';

const fixture = (): Fixture => ({ pods: identicalPodsFixture({ count: 5, prefix: 'p', trees: 1, processes: 2 }).pods });

describe.skipIf(!hasKubectl || !canMakeNamespaces())('kubectl proxy in front of the test server', () => {
  const own = ownServer(fixture);
  let api: ApiServerHandle;
  let proxy: KubectlProxy;
  let open: KubectlProxy;
  /** kubectl through a proxy's kubeconfig. */
  const via = (p: KubectlProxy, ...args: string[]): KubectlResult => runKubectl({ kubeconfig: p.kubeconfig }, own.home(), args);

  beforeAll(async () => {
    api = own.api();
    proxy = await startKubectlProxy(api, own.home());
    open = await startKubectlProxy(api, own.home(), ['--reject-paths=^$']);
  });

  afterAll(async () => {
    await proxy?.stop();
    await open?.stop();
  });

  it('serves get and chunked lists to kubectl over plain HTTP, with the proxy adding the credentials', () => {
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const list = via(proxy, 'get', 'pods', '--chunk-size=2', '-o', 'name', '-v=6');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.trim().split('\n')).toEqual(['pod/p-0', 'pod/p-1', 'pod/p-2', 'pod/p-3', 'pod/p-4']);
    const urls = list.stderr.match(/url="http:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/default\/pods\?[^"]*" status="200 OK"/g) ?? [];
    expect(urls).toHaveLength(3);
    const one = via(proxy, 'get', 'pod', 'p-3', '-o', 'jsonpath={.metadata.name} {.status.phase}');
    expect(one.stdout).toBe('p-3 Running');
    const missing = via(proxy, 'get', 'pod', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('Error from server (NotFound): pods "nope" not found');
  });

  it('refuses exec by default with a plain-text 403, on the websocket and on the SPDY fallback alike', async () => {
    const r = via(proxy, 'exec', 'p-0', '-v=6', '--', 'true');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('websocket: bad handshake (403 Forbidden): Forbidden');
    expect(r.stderr.trim().split('\n').at(-1)).toBe('error: unable to upgrade connection: Forbidden');
    const direct = await fetch(`${proxy.url}${PODS}/p-0/exec?command=true&stdout=true`);
    expect(direct.status).toBe(403);
    expect(direct.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await direct.text()).toBe('Forbidden\n');
  });

  it('passes exec through with --reject-paths=^$', () => {
    const r = via(open, 'exec', 'p-4', '--', 'cat', '/proc/1/status');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Name:\tsh$/m);
    expect(r.stdout).toMatch(/^NSpid:(\t\d+)*\t1$/m);
    const failing = via(open, 'exec', 'p-4', '--', 'sh', '-c', 'exit 3');
    expect(failing.code).toBe(3);
  });

  it('refuses a Host it does not accept, whatever the path', async () => {
    // fetch cannot set Host; a raw request can.
    const { request } = await import('node:http');
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(`${proxy.url}${PODS}`, { headers: { Host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('passes the server\'s Status answers and 429 headers through unchanged', async () => {
    const faults = faultsOf(api);
    await faults.add({ path: PODS, page: 2, fault: 'expired' });
    const r = via(proxy, 'get', 'pods', '--chunk-size=2', '-o', 'name');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error from server (Expired): The provided continue parameter is too old');

    await faults.add({ path: PODS, fault: 'throttle', retryAfterSeconds: 4 });
    const throttled = await fetch(`${proxy.url}${PODS}`);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('4');
    expect(throttled.headers.get('x-kubernetes-pf-flowschema-uid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await throttled.text()).toBe('Too many requests, please try again later.\n');
  });

  it('turns a connection the server dropped into a 500 with the error text', async () => {
    const faults = faultsOf(api);
    // The proxy is a Go client too: a GET dropped on a kept-alive upstream
    // connection is resent on another, so every attempt is dropped here
    // (however many connections it keeps) until one on a new connection fails.
    await faults.add({ path: PODS, fault: 'drop', times: 50 });
    const dropped = await fetch(`${proxy.url}${PODS}`);
    expect(dropped.status).toBe(500);
    expect(dropped.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await dropped.text()).toBe('EOF\n');
    // kubectl sees an unstructured 500 without Retry-After, and does not retry it.
    const r = via(proxy, 'get', 'pods', '-o', 'name');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Error from server (InternalError): an error on the server ("EOF") has prevented the request from succeeding (get pods)');
    await faults.clear();
    expect(via(proxy, 'get', 'pods', '-o', 'name').code).toBe(0);
  });
});

// The built tool through `kubectl proxy` (harness startKubectlProxy): a
// kubeconfig whose server is the proxy's plain http://127.0.0.1:PORT, with no
// credentials (the proxy adds the server's). With --reject-paths='^$' the exec
// websocket is upgraded through it: one PID of one pod, and a chunked sweep,
// read as directly. The proxy's default refuses exec with a bare 403, which
// the tool says is the proxy's and not RBAC's; a page the API server drops
// comes through as the proxy's 500 "EOF", which is not retried (as kubectl).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fixture } from './apiserver/cluster/fixture.ts';
import { canMakeNamespaces, faultsOf, identicalPodsFixture, namespacesUnavailableReason, startKubectlProxy } from './apiserver/harness.ts';
import type { ApiServerHandle, KubectlProxy } from './apiserver/harness.ts';
import { hasKubectl } from './apiserver/kubectl.ts';
import { ownServer } from './helpers/ownserver.ts';
import { runCliAsync } from './helpers/cli.js';
import { errorLines } from './helpers/errors.js';

const skipReason = !hasKubectl ? 'kubectl is not installed' : namespacesUnavailableReason();
if (skipReason) console.warn(`skipping kubectl proxy tests: ${skipReason}`);

const fixture = (): Fixture => ({ pods: identicalPodsFixture({ count: 5, prefix: 'p', trees: 1, processes: 2 }).pods });

const PODS = ['p-0', 'p-1', 'p-2', 'p-3', 'p-4'];
const CUT_DOC_END = '\n  ]\n}\n';
const refused = (pod: string) => `create pods/exec default/${pod}: the API server answered HTTP 403: Forbidden (no Kubernetes Status: not RBAC)`;
const REFUSED_HINT = "hint: a proxy in front of the API server refused it; kubectl proxy refuses exec and attach unless started with --reject-paths='^$'";

interface Item {
  pod: string;
  pid: number;
  name: string;
  error: string | null;
  uid: number[];
  capabilities: { effective: { mask: string } };
  signals: { caught: { mask: string } };
}

describe.skipIf(!hasKubectl || !canMakeNamespaces())('through kubectl proxy', () => {
  const own = ownServer(fixture);
  let api: ApiServerHandle;
  let open: KubectlProxy;
  let closed: KubectlProxy;
  const cli = (kubeconfig: string, ...args: string[]) => runCliAsync(['--kubeconfig', kubeconfig, ...args]);
  const items = (stdout: string): Item[] => JSON.parse(stdout).items;
  /** What the kernel said, without what changes between two reads (times, memory). */
  const kernel = (i: Item) => [i.pod, i.pid, i.name, i.error, i.uid, i.capabilities.effective.mask, i.signals.caught.mask];

  beforeAll(async () => {
    api = own.api();
    open = await startKubectlProxy(api, own.home(), ['--reject-paths=^$']);
    closed = await startKubectlProxy(api, own.home());
  });
  afterAll(async () => {
    await open?.stop();
    await closed?.stop();
  });

  it('one PID of one pod: the exec websocket goes through the proxy, over plain HTTP, and reads what a direct read does', async () => {
    const r = await cli(open.kubeconfig, 'p-0', '--pid', '1', '-o', 'json', '-v');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`debug: context proxy, server ${open.url}, namespace default\n`);
    expect(r.stderr).toContain('debug: exec connected, subprotocol v5.channel.k8s.io\n');
    const direct = await cli(api.kubeconfig, 'p-0', '--pid', '1', '-o', 'json');
    expect(items(r.stdout).map(kernel)).toEqual(items(direct.stdout).map(kernel));
    expect(items(r.stdout)[0]).toMatchObject({ pod: 'p-0', pid: 1, name: 'sh', error: null });
  });

  it('a sweep, in pages of 2, two PIDs a pod: as read directly', async () => {
    const r = await cli(open.kubeconfig, 'pods', '--pid', '1,2', '--chunk-size', '2', '-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^summary: 5 pods, 5 containers: 5 read;[^\n]*\n$/);
    const direct = await cli(api.kubeconfig, 'pods', '--pid', '1,2', '-o', 'json');
    expect(items(r.stdout).map(kernel)).toEqual(items(direct.stdout).map(kernel));
    expect(items(r.stdout).map((i) => `${i.pod}:${i.pid}:${i.name}`)).toEqual(PODS.flatMap((p) => [`${p}:1:sh`, `${p}:2:sleep`]));
  });

  it('the proxy\'s default refuses exec: said as its refusal, not RBAC\'s, with what to do', async () => {
    const one = await cli(closed.kubeconfig, 'p-0', '--pid', '1');
    expect(errorLines(one)).toEqual([`error: ${refused('p-0')}`, REFUSED_HINT]);

    const sweep = await cli(closed.kubeconfig, 'pods', '--pid', '1');
    expect(sweep.code).toBe(1);
    expect(sweep.stdout).toBe('');
    expect(sweep.stderr.trimEnd().split('\n')).toEqual([
      ...PODS.map((p) => `error: ${refused(p)}`),
      REFUSED_HINT,
      'summary: 5 pods, 5 containers: 0 read, 5 failed (forbidden 5); findings: 0 critical, 0 warning',
    ]);
  });

  it('a page the API server drops comes through as the proxy\'s 500 "EOF": not retried, as kubectl does not; the pods before it are read', async () => {
    // The proxy's Go transport resends a GET dropped on a kept-alive connection once, before it answers 500.
    await faultsOf(api).add({ path: '/api/v1/namespaces/default/pods', page: 2, fault: 'drop', times: 3 });
    try {
      const r = await cli(open.kubeconfig, 'pods', '--pid', '1', '--chunk-size', '2', '-o', 'json');
      expect(r.code).toBe(1);
      expect(items(r.stdout + CUT_DOC_END).map((i) => [i.pod, i.error])).toEqual([['p-0', null], ['p-1', null]]);
      expect(r.stderr).toBe(
        'error: listing pods stopped at page 2, after 2 pods read: list pods default: the API server answered HTTP 500: EOF\n' +
        'error: the output was cut after 2 items: the read failed part way; it is not the whole sweep\n');
    } finally {
      await faultsOf(api).clear();
    }
  });
});

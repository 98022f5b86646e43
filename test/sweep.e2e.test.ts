// Sweeps across pods and the findings they raise, against a small cluster of
// real namespaced pods built to trigger, or not, each finding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canMakeNamespaces, startApiServer, type ApiServerHandle } from './apiserver/harness.ts';
import type { Fixture, FixturePod } from './apiserver/cluster/fixture.ts';
import { has, runCliAsync } from './helpers/cli.js';

const TRAP = ['sh', '-c', 'trap "exit 0" TERM; sleep infinity & wait'];
// What a well-behaved container looks like from inside: non-root, no
// capabilities, no_new_privs, and a PID 1 that handles SIGTERM.
const GOOD = ['setpriv', '--reuid', '1000', '--regid', '1000', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all',
  '--no-new-privs', '--', ...TRAP];
const STRICT = { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
// A PID 1 with a second thread that blocks SIGTERM: only per-thread SigBlk shows it.
const THREADED = ['/usr/bin/python3', '-c', [
  'import signal, threading, time',
  'def hold():',
  '    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})',
  '    time.sleep(1e9)',
  'threading.Thread(target=hold, daemon=True).start()',
  'signal.signal(signal.SIGTERM, lambda *a: None)',
  'time.sleep(1e9)',
].join('\n')];

function pod(name: string, containers: FixturePod['spec']['containers'], extra: Partial<FixturePod> = {}, namespace = 'audit'): FixturePod {
  return { metadata: { name, namespace, labels: { app: 'shop', tier: name === 'good' ? 'web' : 'other' } }, spec: { containers }, ...extra };
}

const fixture: Fixture = {
  namespaces: ['audit', 'audit2'],
  pods: [
    pod('good', [{ name: 'app', securityContext: STRICT, run: { argv: GOOD, readyProcesses: 2 } }]),
    pod('nohandler', [{ name: 'app', run: { argv: ['sleep', 'infinity'] } }]),
    pod('liar', [{ name: 'app', securityContext: STRICT, run: { argv: TRAP, readyProcesses: 2 } }]),
    pod('two', [{ name: 'app', run: { argv: TRAP, readyProcesses: 2 } }, { name: 'sidecar', run: { argv: GOOD, readyProcesses: 2 } }]),
    pod('crashy', [{ name: 'app', run: { state: { waiting: { reason: 'CrashLoopBackOff' } } } }]),
    pod('distroless', [{ name: 'app', run: { argv: ['/app', 'infinity'], rootfs: { '/app': '/usr/bin/sleep' } } }]),
    pod('threaded', [{ name: 'app', run: { argv: THREADED } }], {}, 'audit2'),
  ],
  workloads: [{
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'shop', namespace: 'audit' },
    spec: { selector: { matchLabels: { app: 'shop', tier: 'web' } } },
  }],
};

interface Item { pod: string; namespace: string; container: string; pid: number; tid: number | null; error: string | null;
  findings: { id: string; severity: string; message: string }[]; signals: { blocked: { names: string[] } };
  podSecurity: { level: string } | null }

describe.skipIf(!canMakeNamespaces() || !has('setpriv'))('sweeps and findings', () => {
  let api: ApiServerHandle;
  beforeAll(async () => {
    api = await startApiServer({ fixture });
  });
  afterAll(async () => {
    await api?.stop();
  });
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', api.kubeconfig, ...args]);
  const json = async (...args: string[]) => {
    const r = await cli(...args, '-o', 'json');
    return { ...r, items: (r.stdout ? JSON.parse(r.stdout).items : []) as Item[] };
  };
  const ids = (item: Item | undefined) => (item?.findings ?? []).map((f) => f.id).sort();

  it('-l: every matching pod, one failure each for the broken ones, the sweep goes on, a summary counts them', async () => {
    const r = await json('-n', 'audit', '-l', 'app=shop', '--pid', '1');
    expect(r.code).toBe(1);
    const byPod = new Map(r.items.map((i) => [i.pod, i]));
    expect([...byPod.keys()].sort()).toEqual(['crashy', 'distroless', 'good', 'liar', 'nohandler', 'two']);
    expect(byPod.get('good')!.error).toBeNull();
    expect(byPod.get('crashy')!.error).toMatch(/waiting \(CrashLoopBackOff\)/);
    expect(byPod.get('distroless')!.error).toMatch(/has no "cat"/);
    expect(r.stderr).toMatch(/^summary: 6 pods, 6 containers: 4 read, 2 failed \((not running 1, no cat or sh 1|no cat or sh 1, not running 1)\); findings: \d+ critical, \d+ warning; levels: \d+ privileged, \d+ baseline, \d+ restricted$/m);
  });

  it('a well-behaved pod has no warning or critical findings; the one restricted control it misses (no seccomp filter) is info', async () => {
    const r = await json('good', '-n', 'audit', '--pid', '1');
    expect(r.code).toBe(0);
    expect(r.items[0]).toMatchObject({ error: null, podSecurity: { level: 'baseline' } });
    expect(r.items[0].findings.map((f) => `${f.id}:${f.severity}`)).toEqual(['seccomp-disabled:info']);
  });

  it('PID 1 without a SIGTERM handler', async () => {
    const r = await json('nohandler', '-n', 'audit', '--pid', '1');
    const f = r.items[0].findings.find((x) => x.id === 'pid1-ignores-sigterm');
    expect(f).toMatchObject({ severity: 'warning' });
    expect(f!.message).toMatch(/tini or dumb-init/);
    // It runs with the test server's capabilities, which its spec never asked for.
    expect(ids(r.items[0])).toEqual(['exceeds-spec', 'no-new-privs-off', 'pid1-ignores-sigterm', 'runs-as-root', 'seccomp-disabled']);
  });

  it('runtime exceeds spec: drop ALL and allowPrivilegeEscalation false asked, not honoured', async () => {
    const r = await json('liar', '-n', 'audit', '--pid', '1');
    const exceeds = r.items[0].findings.filter((x) => x.id === 'exceeds-spec').map((x) => x.message);
    expect(exceeds).toEqual(expect.arrayContaining([
      expect.stringMatching(/drops ALL capabilities, but the bounding set still holds CAP_CHOWN/),
      expect.stringMatching(/allowPrivilegeEscalation: false, but NoNewPrivs is 0/),
    ]));
    expect(ids(r.items[0])).not.toContain('pid1-ignores-sigterm');
  });

  it('with several containers and no annotation, says on stderr which one was picked, as kubectl does', async () => {
    const r = await cli('two', '-n', 'audit', '--pid', '1');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('Defaulted container "app" out of: app, sidecar\n');
  });

  it('a workload reference resolves through its selector', async () => {
    const r = await json('deploy/shop', '-n', 'audit', '--pid', '1');
    expect(r.code).toBe(0);
    expect(r.items.map((i) => i.pod)).toEqual(['good']);
  });

  it('-A reaches every namespace; --all-containers every container', async () => {
    const all = await json('-A', '-l', 'app=shop', '--pid', '1', '--all-containers');
    expect(new Set(all.items.map((i) => i.namespace))).toEqual(new Set(['audit', 'audit2']));
    expect(all.items.filter((i) => i.pod === 'two').map((i) => i.container)).toEqual(['app', 'sidecar']);
    const sidecar = all.items.find((i) => i.pod === 'two' && i.container === 'sidecar');
    expect(sidecar).toMatchObject({ error: null });
    expect(ids(sidecar)).toEqual(['seccomp-disabled']);
  });

  it('tables carry POD and CONTAINER columns and a FINDINGS column', async () => {
    const r = await cli('-n', 'audit', '-l', 'tier=other', '--pid', '1');
    const head = r.stdout.split('\n')[0];
    expect(head).toMatch(/^POD\s+CONTAINER\s+PID\s+NAME\s+.*FINDINGS$/);
    expect(r.stdout).toMatch(/^nohandler\s+app\s+1\s+sleep\s+.*pid1-ignores-sigterm\(W\)/m);
  });

  it('--fail-on gates on severity: exit 3 at or above it, 0 below it', async () => {
    expect((await cli('nohandler', '-n', 'audit', '--pid', '1', '--fail-on', 'warning')).code).toBe(3);
    expect((await cli('nohandler', '-n', 'audit', '--pid', '1', '--fail-on', 'critical')).code).toBe(3);
    expect((await cli('good', '-n', 'audit', '--pid', '1', '--fail-on', 'warning')).code).toBe(0);
    // A read failure outranks findings.
    expect((await cli('-n', 'audit', '-l', 'app=shop', '--pid', '1', '--fail-on', 'warning')).code).toBe(1);
  });

  it.skipIf(!has('/usr/bin/python3'))('--threads shows the thread that blocks SIGTERM, which the process line hides', async () => {
    const proc = await json('threaded', '-n', 'audit2', '--pid', '1');
    expect(proc.items[0].signals.blocked.names).not.toContain('SIGTERM');
    const threads = await json('threaded', '-n', 'audit2', '--pid', '1', '--threads');
    expect(threads.code).toBe(0);
    expect(threads.items.length).toBeGreaterThanOrEqual(2);
    expect(threads.items.every((i) => i.pid === 1 && i.tid !== null)).toBe(true);
    expect(threads.items.find((i) => i.tid === 1)!.signals.blocked.names).not.toContain('SIGTERM');
    expect(threads.items.some((i) => i.tid !== 1 && i.signals.blocked.names.includes('SIGTERM'))).toBe(true);
    const all = await json('threaded', '-n', 'audit2', '--all-pids', '--threads');
    expect(all.items.every((i) => i.pid === 1)).toBe(true);
  });
});

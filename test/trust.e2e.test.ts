// Is a container more privileged than its spec says? The built CLI against
// real pods of the test API server whose node applies (or, by annotation,
// ignores) their securityContext, so every level and finding here rests on
// what the kernel wrote in /proc.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { canMakeNamespaces, namespacesUnavailableReason, startApiServer, type ApiServerHandle } from './apiserver/harness.ts';
import type { Fixture } from './apiserver/cluster/fixture.ts';
import { has, runCliAsync } from './helpers/cli.js';

interface Finding { id: string; severity: string; message: string; control?: string }
interface Item {
  pod: string; namespace: string; container: string; pid: number; error: string | null;
  uidMap: { inside: number; outside: number; count: number }[] | null;
  podSecurity: { level: string; assumed: boolean; unmet: { control: string; level: string; shows: string }[]; controls: { met: boolean | null }[] } | null;
  findings: Finding[];
}
interface Doc { items: Item[]; pods?: { namespace: string; pod: string; level: string; containers: { container: string; level: string }[] }[] }

const cluster = inject('cluster');
if (!cluster) console.warn(`skipping trust e2e tests: ${namespacesUnavailableReason()}`);

const worst = (item: Item) => item.findings.filter((f) => f.severity !== 'info' && f.id !== 'pid1-ignores-sigterm');
const byId = (item: Item, id: string) => item.findings.filter((f) => f.id === id);

describe.skipIf(!cluster)('Pod Security Standards on the test cluster', () => {
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', cluster!.kubeconfig, ...args]);
  const json = async (...args: string[]) => {
    const r = await cli(...args, '-o', 'json');
    const doc: Doc = r.stdout ? JSON.parse(r.stdout) : { items: [] };
    return { ...r, doc, item: doc.items[0] };
  };

  it('restricted: level restricted, no control unmet, passes --require-level restricted; its only warning is PID 1 without a SIGTERM handler', async () => {
    const r = await json('restricted', '--pid', '1');
    expect(r.code).toBe(0);
    expect(r.item.podSecurity).toMatchObject({ level: 'restricted', assumed: false, unmet: [] });
    expect(r.item.podSecurity!.controls.every((c) => c.met)).toBe(true);
    expect(r.doc.pods).toEqual([{ namespace: 'default', pod: 'restricted', level: 'restricted', containers: [{ container: 'app', level: 'restricted' }] }]);
    // PID 1 is `sleep`, which installs no handler: an operational warning, not a security one.
    expect(r.item.findings.map((f) => `${f.id}:${f.severity}`)).toEqual(['pid1-ignores-sigterm:warning']);
    expect((await cli('restricted', '--pid', '1', '--require-level', 'restricted')).code).toBe(0);
    expect((await cli('restricted', '--pid', '1', '--fail-on', 'critical')).code).toBe(0);
    const detail = await cli('restricted', '--pid', '1');
    expect(detail.stdout).toMatch(/^Level:\s+restricted\s+\(Pod Security Standards, on the kernel's state\)$/m);
  });

  it('baseline (no security fields): level baseline; the four restricted controls it misses are info findings, each saying what to set', async () => {
    const r = await json('baseline', '--pid', '1');
    expect(r.code).toBe(0);
    expect(r.item.podSecurity!.level).toBe('baseline');
    expect(r.item.podSecurity!.unmet.map((u) => `${u.level}/${u.control}`).sort())
      .toEqual(['restricted/Capabilities', 'restricted/Privilege Escalation', 'restricted/Running as Non-root', 'restricted/Seccomp']);
    const info = r.item.findings.filter((f) => f.severity === 'info');
    expect(info.map((f) => f.id).sort()).toEqual(['capabilities-not-dropped', 'no-new-privs-off', 'runs-as-root', 'seccomp-disabled']);
    expect(worst(r.item)).toEqual([]);
    expect(byId(r.item, 'runs-as-root')[0].message).toMatch(/^Running as Non-root \(restricted\): Uid is 0 0 0 0.*set runAsNonRoot: true/);
    expect(byId(r.item, 'capabilities-not-dropped')[0].message).toMatch(/CAP_NET_RAW is not on baseline's list either/);
    expect((await cli('baseline', '--pid', '1', '--require-level', 'baseline')).code).toBe(0);
    expect((await cli('baseline', '--pid', '1', '--require-level', 'restricted')).code).toBe(3);
  });

  it('userns: root inside its own user namespace is host uid 65536·N: info with the mapping, not runs-as-root', async () => {
    const r = await json('userns', '--pid', '1');
    expect(r.code).toBe(0);
    const outside = r.item.uidMap![0].outside;
    expect(outside % 65536).toBe(0);
    expect(outside).toBeGreaterThan(0);
    expect(byId(r.item, 'runs-as-root')).toEqual([]);
    const [info] = byId(r.item, 'userns-root');
    expect(info.severity).toBe('info');
    expect(info.message).toContain(`host uid ${outside} (uid_map 0 ${outside} 65536), not root on the node`);
    expect(r.item.podSecurity!.unmet.map((u) => u.control)).not.toContain('Running as Non-root');
    expect(r.item.podSecurity!.level).toBe('baseline');
  });

  it('userns-ignored: hostUsers: false, host identity map: exceeds-spec, critical, naming the contradiction', async () => {
    const r = await json('userns-ignored', '--pid', '1');
    const [e] = byId(r.item, 'exceeds-spec');
    expect(e).toMatchObject({ severity: 'critical', control: 'Running as Non-root' });
    expect(e.message).toMatch(/the spec sets hostUsers: false, but uid_map is the host's identity map \(0 0 4294967295\): the runtime ignored it, and uid 0 here is root on the node/);
    expect(byId(r.item, 'runs-as-root')).toEqual([]);
    expect((await cli('userns-ignored', '--pid', '1', '--fail-on', 'critical')).code).toBe(3);
  });

  it('seccomp-ignored: RuntimeDefault asked, Seccomp 0 shown: exceeds-spec, critical', async () => {
    const r = await json('seccomp-ignored', '--pid', '1');
    const [e] = byId(r.item, 'exceeds-spec');
    expect(e).toMatchObject({ severity: 'critical', control: 'Seccomp' });
    expect(e.message).toMatch(/the spec asks seccompProfile RuntimeDefault, but the kernel shows Seccomp 0/);
    expect(byId(r.item, 'seccomp-disabled')).toEqual([]);
  });

  it('runasuser-ignored: runAsNonRoot and runAsUser 1000 asked, uid 0 shown: exceeds-spec, critical', async () => {
    const r = await json('runasuser-ignored', '--pid', '1');
    const [e] = byId(r.item, 'exceeds-spec');
    expect(e).toMatchObject({ severity: 'critical', control: 'Running as Non-root' });
    expect(e.message).toMatch(/runAsNonRoot: true, but Uid is 0 0 0 0; the spec sets runAsUser: 1000, but the effective uid is 0/);
  });

  it('web: the app (the server\'s capabilities) is privileged, told once; the sidecar is baseline with its NoNewPrivs contradiction', async () => {
    const r = await json('web', '--pid', '1', '--all-containers');
    const app = r.doc.items.find((i) => i.container === 'app')!;
    expect(app.podSecurity!.level).toBe('privileged');
    const caps = app.findings.filter((f) => f.control === 'Capabilities');
    expect(caps).toHaveLength(1);
    expect(caps[0]).toMatchObject({ id: 'exceeds-spec', severity: 'critical' });
    expect(caps[0].message).toMatch(/^Capabilities \(baseline\): .*CAP_SYS_ADMIN.*neither the runtime's default set nor capabilities.add grants/);
    const sidecar = r.doc.items.find((i) => i.container === 'sidecar')!;
    expect(sidecar.podSecurity!.level).toBe('baseline');
    expect(byId(sidecar, 'exceeds-spec')).toEqual([expect.objectContaining({ control: 'Privilege Escalation',
      message: expect.stringMatching(/allowPrivilegeEscalation: false, but NoNewPrivs is 0/) })]);
    expect(r.doc.pods).toEqual([{ namespace: 'default', pod: 'web', level: 'privileged',
      containers: [{ container: 'app', level: 'privileged' }, { container: 'sidecar', level: 'baseline' }] }]);
  });

  it('a sweep: LEVEL column, every pod read classified, levels in the summary; --require-level gates it', async () => {
    // Pods whose containers run with the server's capabilities are privileged by the kernel's word.
    const expected: Record<string, string> = {
      restricted: 'restricted', baseline: 'baseline', userns: 'baseline', 'userns-ignored': 'baseline', 'seccomp-ignored': 'baseline',
      'runasuser-ignored': 'baseline', web: 'privileged', single: 'privileged', web2: 'privileged', busy: 'privileged', 'db-0': 'privileged',
      'broken-get': 'privileged', hostile: 'privileged', 'flaky-midstream': 'privileged', 'flaky-nostatus': 'privileged',
      catonly: 'privileged',
      // Pods of the node-access and Pod Security namespaces (privileged-ns, baseline-ns, restricted-ns, bogus-ns).
      hostpid: 'privileged', 'runtime-socket': 'privileged', 'host-logs': 'privileged', 'procmount-unmasked': 'privileged',
      'nnp-exec': 'baseline', 'cap-exec': 'baseline', 'api-6d4cf56db9-x7k2p': 'baseline', 'api-6d4cf56db9-m9q4r': 'baseline',
      'api-6d4cf56db9-t5w8z': 'baseline', 'spec-only': 'baseline', plain: 'baseline',
    };
    const args = ['-A', '--pid', '1', '--request-timeout', '5s', '--max-bytes', '65536'];
    const [table, doc] = await Promise.all([cli(...args), json(...args)]);
    expect(table.code).toBe(1); // some fixture pods cannot be read, by design
    const head = table.stdout.split('\n')[0];
    expect(head).toMatch(/^NAMESPACE\s+POD\s+CONTAINER\s+PID\s+NAME\s+.*LEVEL\s+FINDINGS$/);
    for (const pod of ['restricted', 'baseline', 'userns', 'web', 'web2']) {
      expect(table.stdout).toMatch(new RegExp(`^\\S+\\s+${pod}\\s+app\\s+1\\s+\\S+\\s+.*\\s${expected[pod]}\\s`, 'm'));
    }
    const pods = doc.doc.pods!;
    for (const p of pods) expect(`${p.pod}:${p.level}`).toBe(`${p.pod}:${expected[p.pod]}`);
    const seen = new Set(pods.map((p) => p.pod));
    for (const pod of ['restricted', 'baseline', 'userns', 'userns-ignored', 'seccomp-ignored', 'runasuser-ignored', 'web', 'single', 'web2']) {
      expect(seen, pod).toContain(pod);
    }
    // Every item that was read carries a level; failed ones none.
    for (const i of doc.doc.items) expect(i.podSecurity === null).toBe(i.error !== null);
    const m = /; levels: (\d+) privileged, (\d+) baseline, (\d+) restricted$/m.exec(table.stderr);
    expect(m).not.toBeNull();
    const count = (level: string) => pods.filter((p) => p.level === level).length;
    expect(m!.slice(1).map(Number)).toEqual([count('privileged'), count('baseline'), count('restricted')]);
    // A read failure still outranks the gate.
    expect((await cli(...args, '--require-level', 'baseline')).code).toBe(1);
    // Pods that all read: web's app is privileged.
    expect((await cli('-A', '-l', 'app=web', '--pid', '1', '--require-level', 'baseline')).code).toBe(3);
  });
});

// Cases the shared cluster does not hold: a restricted pod whose PID 1
// handles SIGTERM, and the runtime granting a capability no spec asked for.
const hardened: Fixture = {
  namespaces: ['trust'],
  pods: [
    {
      metadata: { name: 'hardened', namespace: 'trust' },
      spec: {
        securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{
          name: 'app', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } },
          run: { argv: ['sh', '-c', 'trap "exit 0" TERM; sleep infinity & wait'], applySecurity: true, readyProcesses: 2 },
        }],
      },
    },
    {
      metadata: { name: 'granted', namespace: 'trust', annotations: { 'procstatus.test/extra-capabilities': 'SYS_ADMIN' } },
      spec: { containers: [{ name: 'app', run: { argv: ['sleep', 'infinity'], applySecurity: true } }] },
    },
    {
      metadata: { name: 'added', namespace: 'trust' },
      spec: { containers: [{ name: 'app', securityContext: { capabilities: { add: ['SYS_ADMIN'] } }, run: { argv: ['sleep', 'infinity'], applySecurity: true } }] },
    },
  ],
  workloads: [],
};

describe.skipIf(!canMakeNamespaces() || !has('python3'))('Pod Security Standards: hardened and over-granted pods', () => {
  let api: ApiServerHandle;
  beforeAll(async () => {
    api = await startApiServer({ fixture: hardened });
  });
  afterAll(async () => {
    await api?.stop();
  });
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', api.kubeconfig, '-n', 'trust', ...args]);
  const json = async (...args: string[]) => {
    const r = await cli(...args, '-o', 'json');
    return { ...r, item: (JSON.parse(r.stdout) as Doc).items[0] };
  };

  it('a restricted pod that handles SIGTERM passes --fail-on warning and --require-level restricted, with no findings at all', async () => {
    const r = await json('hardened', '--pid', '1');
    expect(r.code).toBe(0);
    expect(r.item).toMatchObject({ error: null, podSecurity: { level: 'restricted', unmet: [] }, findings: [] });
    expect((await cli('hardened', '--pid', '1', '--fail-on', 'warning', '--require-level', 'restricted')).code).toBe(0);
  });

  it('the runtime grants CAP_SYS_ADMIN the spec never added: admission would pass it, the kernel says privileged', async () => {
    const r = await json('granted', '--pid', '1');
    expect(r.item.podSecurity!.level).toBe('privileged');
    const [e] = byId(r.item, 'exceeds-spec');
    expect(e).toMatchObject({ severity: 'critical', control: 'Capabilities' });
    expect(e.message).toMatch(/^Capabilities \(baseline\): CapEff, CapPrm and CapBnd hold CAP_SYS_ADMIN, which neither the runtime's default set nor capabilities.add grants/);
    expect(e.message).toMatch(/admission passed the spec, the kernel says otherwise/);
    expect((await cli('granted', '--pid', '1', '--require-level', 'baseline')).code).toBe(3);
  });

  it('the spec adds CAP_SYS_ADMIN and gets it: no contradiction, but baseline is not met (dangerous-capabilities, critical)', async () => {
    const r = await json('added', '--pid', '1');
    expect(r.item.podSecurity!.level).toBe('privileged');
    expect(byId(r.item, 'exceeds-spec')).toEqual([]);
    const [d] = byId(r.item, 'dangerous-capabilities');
    expect(d).toMatchObject({ severity: 'critical', control: 'Capabilities' });
    expect(d.message).toMatch(/CAP_SYS_ADMIN, beyond baseline's list; the spec adds CAP_SYS_ADMIN/);
  });
});

// What the kernel shows beyond a process's status, end to end on the test
// cluster's pods, whose containers are set up as a runtime sets them up
// (masked and read-only /proc paths, a tmpfs /dev): a mounted runtime socket,
// a host directory, the host's PID namespace, an unmasked /proc, namespaces
// with Pod Security labels, processes weaker than PID 1, and replicas that
// drift apart.
import { describe, expect, inject, it } from 'vitest';
import { runCliAsync } from './helpers/cli.js';

const cluster = inject('cluster');

interface Control { control: string; level: string; judged: string; met: boolean | null; shows: string; unverified?: string }
interface Item {
  pod: string; pid: number; name: string;
  podSecurity: { level: string; assumed: boolean; controls: Control[] } | null;
  findings: { id: string; severity: string; message: string; control?: string }[];
}

describe.skipIf(!cluster)('the kernel\'s truth on the test cluster', () => {
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', cluster!.kubeconfig, '--request-timeout', '10s', ...args]);
  const json = async (...args: string[]) => {
    const r = await cli(...args, '-o', 'json');
    return { ...r, doc: r.stdout ? JSON.parse(r.stdout) : null, items: (r.stdout ? JSON.parse(r.stdout).items : []) as Item[] };
  };
  const control = (i: Item, level: string, name: string) => i.podSecurity!.controls.find((c) => c.level === level && c.control === name)!;
  const ids = (i: Item) => i.findings.map((f) => f.id);

  it('a default pod, masked as a runtime masks it and mounting nothing of the host: baseline from the kernel, no star, no alarm', async () => {
    const r = await json('baseline', '--pid', '1');
    expect(r.code, r.stderr).toBe(0);
    const [item] = r.items;
    expect(item.podSecurity).toMatchObject({ level: 'baseline', assumed: false });
    expect(control(item, 'baseline', '/proc Mount Type')).toMatchObject({ judged: 'kernel', met: true });
    expect(control(item, 'baseline', '/proc Mount Type').shows).toMatch(/\/proc\/keys.* masked, .*\/proc\/sys.* read-only/);
    expect(control(item, 'baseline', 'HostPath Volumes')).toMatchObject({ judged: 'kernel', met: true });
    expect(control(item, 'baseline', 'Host Namespaces')).toMatchObject({ judged: 'kernel', met: true });
    expect(control(item, 'baseline', 'Host Ports')).toMatchObject({ judged: 'spec', met: true });
    // Its PID 1 is sleep, which has no SIGTERM handler: that warning is not about security.
    expect(item.findings.filter((f) => f.severity !== 'info').map((f) => f.id)).toEqual(['pid1-ignores-sigterm']);
    // Every control of both levels is there, each saying how it was judged.
    expect(item.podSecurity!.controls).toHaveLength(16);
    const table = await cli('baseline', '--pid', '1');
    expect(table.stdout).toMatch(/^Level:\s+baseline\s+\(/m);
    expect(table.stdout).toMatch(/^\/proc Mount Type\s+baseline\s+kernel\s+yes\s/m);
  });

  it('a container runtime\'s socket mounted in: an escape, critical, whatever the spec says', async () => {
    const r = await json('-n', 'privileged-ns', 'runtime-socket', '--pid', '1');
    const [item] = r.items;
    const escape = item.findings.find((f) => f.id === 'host-escape-mount')!;
    expect(escape.severity).toBe('critical');
    expect(escape.message).toMatch(/a container runtime's socket \(.*containerd\.sock at \/run\/containerd\/containerd\.sock\)/);
    expect(control(item, 'baseline', 'HostPath Volumes')).toMatchObject({ judged: 'kernel', met: false });
    expect(item.podSecurity!.level).toBe('privileged');
  });

  it('a host directory: HostPath Volumes, from the kernel\'s mounts', async () => {
    const [item] = (await json('-n', 'privileged-ns', 'host-logs', '--pid', '1')).items;
    expect(control(item, 'baseline', 'HostPath Volumes')).toMatchObject({ judged: 'kernel', met: false });
    expect(control(item, 'baseline', 'HostPath Volumes').shows).toMatch(/at \/var\/log/);
    expect(ids(item)).toContain('host-path-volume');
    expect(ids(item)).not.toContain('host-escape-mount');
  });

  it('hostPID: the host\'s PID namespace, judged from the kernel (kthreadd is there)', async () => {
    const [item] = (await json('-n', 'privileged-ns', 'hostpid', '--pid', '1')).items;
    expect(control(item, 'baseline', 'Host Namespaces')).toMatchObject({ judged: 'kernel', met: false });
    expect(control(item, 'baseline', 'Host Namespaces').shows).toMatch(/the host's PID namespace/);
  });

  it('procMount: Unmasked: /proc Mount Type unmet, from the kernel', async () => {
    const [item] = (await json('-n', 'privileged-ns', 'procmount-unmasked', '--pid', '1')).items;
    expect(control(item, 'baseline', '/proc Mount Type')).toMatchObject({ judged: 'kernel', met: false });
    expect(ids(item)).toContain('proc-unmasked');
  });

  it('below its namespace\'s enforce level: a finding, and --require-level enforce fails the gate', async () => {
    const r = await json('-n', 'restricted-ns', 'pods', '--pid', '1');
    const below = r.items[0].findings.find((f) => f.id === 'below-namespace-level')!;
    expect(below.severity).toBe('critical');
    expect(below.message).toMatch(/^namespace restricted-ns enforces Pod Security restricted:latest \(pod-security\.kubernetes\.io\/enforce\); admission passed the spec, but the kernel shows baseline/);
    expect((await cli('-n', 'restricted-ns', 'pods', '--pid', '1', '--require-level', 'enforce')).code).toBe(3);
    // One pod's read looks its namespace up only when the gate asks: it costs a connection kubectl exec does not open.
    expect(ids((await json('-n', 'restricted-ns', 'spec-only', '--pid', '1')).items[0])).not.toContain('below-namespace-level');
    const gated = await json('-n', 'restricted-ns', 'spec-only', '--pid', '1', '--require-level', 'enforce');
    expect(gated.code).toBe(3);
    expect(ids(gated.items[0])).toContain('below-namespace-level');
    // A pod that meets its namespace's level passes the same gate.
    expect((await cli('-n', 'baseline-ns', 'nnp-exec', '--pid', '1', '--require-level', 'enforce')).code).toBe(0);
  });

  it('an enforce label with no known level: one warning line, judged as admission enforces it (restricted)', async () => {
    const r = await json('-n', 'bogus-ns', 'pods', '--pid', '1');
    expect(r.stderr.match(/pod-security\.kubernetes\.io\/enforce="bogus" is not a level/g)).toHaveLength(1);
    expect(ids(r.items[0])).toContain('below-namespace-level');
  });

  it('without permission to read namespaces: said once, and judged without them', async () => {
    const r = await runCliAsync(['--kubeconfig', cluster!.kubeconfig, '--context', 'nonamespaces', '-n', 'restricted-ns', '-l', '', '--pid', '1', '-o', 'json']);
    expect(r.stderr.match(/cannot read the namespace/g)).toHaveLength(1);
    expect(r.stderr).toMatch(/judged without their namespace's Pod Security level/);
    expect(JSON.parse(r.stdout).items[0].findings.map((f: { id: string }) => f.id)).not.toContain('below-namespace-level');
  });

  it('a process weaker than its container\'s PID 1 names both: no no_new_privs, or a capability PID 1 lacks', async () => {
    for (const [pod, what] of [['nnp-exec', /NoNewPrivs is 0 where PID 1 has 1/], ['cap-exec', /CapBnd holds CAP_SYS_PTRACE, which PID 1's lacks/]] as const) {
      const r = await json('-n', 'baseline-ns', pod, '--all-pids');
      const weaker = r.items.flatMap((i) => i.findings.filter((f) => f.id === 'weaker-than-pid1').map((f) => ({ pid: i.pid, f })));
      expect(weaker, pod).toHaveLength(1);
      expect(weaker[0].pid).not.toBe(1);
      expect(weaker[0].f.message).toMatch(what);
      expect(weaker[0].f.message).toMatch(/its container's PID 1 \(pid 1, /);
    }
  });

  it('replicas of one owner that drift apart: named, with their nodes\' runtime and kubelet', async () => {
    const r = await json('-n', 'baseline-ns', 'rs/api-6d4cf56db9', '--pid', '1');
    expect(r.doc.drift).toHaveLength(1);
    expect(r.doc.drift[0]).toMatchObject({ namespace: 'baseline-ns', owner: 'ReplicaSet api-6d4cf56db9', container: 'api' });
    const [finding] = r.doc.drift[0].findings;
    expect(finding.id).toBe('replica-drift');
    expect(finding.message).toMatch(/Seccomp disabled in api-6d4cf56db9-\w+ \(node node-1, containerd:\/\/[\d.]+, kubelet v[\d.]+\)/);
    expect(r.stderr).toContain(finding.message);
    // --fail-on warning trips on it; replicas that agree give none.
    expect((await cli('-n', 'baseline-ns', 'rs/api-6d4cf56db9', '--pid', '1', '--fail-on', 'warning')).code).toBe(3);
    // CI formats carry it too: a SARIF result of its own, a JUnit case failing for the owner.
    const sarif = JSON.parse((await cli('-n', 'baseline-ns', 'rs/api-6d4cf56db9', '--pid', '1', '-o', 'sarif')).stdout);
    expect(sarif.runs[0].results.filter((x: { ruleId: string }) => x.ruleId === 'replica-drift')).toHaveLength(1);
    const junit = (await cli('-n', 'baseline-ns', 'rs/api-6d4cf56db9', '--pid', '1', '-o', 'junit')).stdout;
    expect(junit).toMatch(/<testcase classname="baseline-ns\/ReplicaSet api-6d4cf56db9" name="api">\s*<failure message="1 finding at warning or above: replica-drift"/);
  });
});

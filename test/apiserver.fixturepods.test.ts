// The shared fixture's pods for node access and Pod Security namespaces
// (test/fixtures/cluster.json), as the real kubectl and the kernel show
// them: namespaces served with their Pod Security labels (and refused to a
// user without RBAC on them), hostPath bind mounts (a container runtime's
// socket, a host log directory), a hostPID pod, procMount Unmasked, a second
// process exec'd without what PID 1 has (no_new_privs, a capability), three
// replicas of one ReplicaSet one of which runs without its seccomp filter,
// and a pod that meets restricted on paper only. Uses the suite's shared
// fixture cluster (test/setup/cluster.global.ts).

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { exec } from './apiserver/client.ts';
import type { ExecResult } from './apiserver/client.ts';
import { hasKubectl, kubectl as runKubectl, kubectlHome } from './apiserver/kubectl.ts';
import type { KubectlResult } from './apiserver/kubectl.ts';
import { statusField as field } from './helpers/captured.ts';

const cluster = inject('cluster');
const skip = !cluster || !hasKubectl;
if (skip) console.warn('skipping fixture pod tests: no shared fixture cluster here, or no kubectl');

const PSA = 'pod-security.kubernetes.io/';

/** Whether capability `n` is in a CapEff/CapBnd mask. */
const hasCap = (mask: string, n: number): boolean => ((BigInt(`0x${mask}`) >> BigInt(n)) & 1n) === 1n;
const CAP_SYS_PTRACE = 19;
const CAP_NET_RAW = 13;

describe.skipIf(skip)('fixture pods for node access and Pod Security namespaces', () => {
  const api = cluster!;
  let home: string;
  const kubectl = (...args: string[]): KubectlResult => runKubectl(api, home, args);
  const run = (namespace: string, pod: string, argv: string[]): Promise<ExecResult> => exec(api, pod, argv, { namespace, timeoutMs: 15_000 });
  /** Every process's status in the container, one text each, as the container's own procfs lists them. */
  const statuses = async (namespace: string, pod: string): Promise<string[]> => {
    const r = await run(namespace, pod, ['sh', '-c', 'for s in /proc/[0-9]*/status; do cat "$s"; echo; done']);
    expect(r.exitCode, r.stderr).toBe(0);
    return r.stdout.split('\n\n').filter((s) => s.startsWith('Name:') && field(s, 'Name') !== 'sh' && field(s, 'Name') !== 'cat');
  };
  const mountinfo = async (namespace: string, pod: string): Promise<string> => {
    const r = await run(namespace, pod, ['cat', '/proc/1/mountinfo']);
    expect(r.exitCode, r.stderr).toBe(0);
    return r.stdout;
  };

  beforeAll(() => {
    home = kubectlHome();
  });
  afterAll(() => {
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('kubectl get ns --show-labels: the Pod Security labels, next to the name label every namespace has', () => {
    const r = kubectl('get', 'ns', '--show-labels');
    expect(r.code, r.stderr).toBe(0);
    const [head, ...rows] = r.stdout.trim().split('\n');
    expect(head.split(/\s+/)).toEqual(['NAME', 'STATUS', 'AGE', 'LABELS']);
    const labels = new Map(rows.map((l) => l.split(/\s+/)).map((f) => [f[0], f[3]]));
    expect(labels.get('default')).toBe('kubernetes.io/metadata.name=default');
    expect(labels.get('restricted-ns')).toBe(`kubernetes.io/metadata.name=restricted-ns,${PSA}enforce-version=latest,${PSA}enforce=restricted`);
    expect(labels.get('baseline-ns')?.split(',')).toEqual(expect.arrayContaining([`${PSA}enforce=baseline`, `${PSA}warn=restricted`, `${PSA}audit=restricted`]));
    expect(labels.get('bogus-ns')).toContain(`${PSA}enforce=bogus`);
    expect(labels.get('privileged-ns')).toContain(`${PSA}enforce=privileged`);
    for (const row of rows) expect(row.split(/\s+/)[1]).toBe('Active');
    const one = kubectl('get', 'ns', 'baseline-ns', '-o', 'jsonpath={.metadata.labels}');
    expect(JSON.parse(one.stdout)).toMatchObject({ [`${PSA}enforce`]: 'baseline', [`${PSA}enforce-version`]: 'latest' });
  });

  it('a user without RBAC on namespaces reads pods but not namespaces, in the words of the RBAC authorizer', () => {
    const pods = kubectl('--context', 'nonamespaces', 'get', 'pods', '-n', 'baseline-ns', '-o', 'name');
    expect(pods.code, pods.stderr).toBe(0);
    expect(pods.stdout).toContain('pod/nnp-exec');
    const list = kubectl('--context', 'nonamespaces', 'get', 'ns');
    expect(list.code).toBe(1);
    expect(list.stderr.trim()).toBe(
      'Error from server (Forbidden): namespaces is forbidden: User "nonamespaces" cannot list resource "namespaces" in API group "" at the cluster scope',
    );
    const one = kubectl('--context', 'nonamespaces', 'get', 'ns', 'restricted-ns');
    expect(one.stderr.trim()).toBe(
      'Error from server (Forbidden): namespaces "restricted-ns" is forbidden: User "nonamespaces" cannot get resource "namespaces" in API group "" in the namespace "restricted-ns"',
    );
  });

  it('kubectl get pods -A -o wide lists the new pods, all on node-1', () => {
    const r = kubectl('get', 'pods', '-A', '-o', 'wide');
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/));
    const on = (ns: string, name: string) => rows.find((f) => f[0] === ns && f[1] === name);
    for (const [ns, name] of [
      ['privileged-ns', 'hostpid'], ['privileged-ns', 'runtime-socket'], ['privileged-ns', 'host-logs'], ['privileged-ns', 'procmount-unmasked'],
      ['baseline-ns', 'nnp-exec'], ['baseline-ns', 'cap-exec'], ['baseline-ns', 'api-6d4cf56db9-x7k2p'], ['baseline-ns', 'api-6d4cf56db9-m9q4r'],
      ['baseline-ns', 'api-6d4cf56db9-t5w8z'], ['restricted-ns', 'spec-only'], ['bogus-ns', 'plain'],
    ]) {
      const row = on(ns, name);
      expect(row, `${ns}/${name}`).toBeDefined();
      expect([row![2], row![3], row![7]], `${ns}/${name}`).toEqual(['1/1', 'Running', 'node-1']);
    }
  });

  it("runtime-socket: the hostPath socket is a bind mount whose root is the host's path, and a socket", async () => {
    const pod = JSON.parse(kubectl('get', 'pod', '-n', 'privileged-ns', 'runtime-socket', '-o', 'json').stdout);
    expect(pod.spec.volumes).toEqual([{ name: 'containerd-sock', hostPath: { path: '/run/containerd/containerd.sock', type: 'Socket' } }]);
    const line = (await mountinfo('privileged-ns', 'runtime-socket')).split('\n').find((l) => l.split(' ')[4] === '/run/containerd/containerd.sock');
    expect(line).toBeDefined();
    // The root field: the host path, under the server's stand-in host tree.
    expect(line!.split(' ')[3]).toMatch(/^\/tmp\/procstatus-apiserver-[^/]+\/host\/run\/containerd\/containerd\.sock$/);
    const ls = await run('privileged-ns', 'runtime-socket', ['ls', '-l', '/run/containerd/containerd.sock']);
    expect(ls.stdout).toMatch(/^s/);
  });

  it('host-logs: the host directory read-only at /var/log; writes fail', async () => {
    const line = (await mountinfo('privileged-ns', 'host-logs')).split('\n').find((l) => l.split(' ')[4] === '/var/log');
    expect(line?.split(' ')[3]).toMatch(/\/host\/var\/log$/);
    expect(line?.split(' ')[5].split(',')[0]).toBe('ro');
    const w = await run('privileged-ns', 'host-logs', ['sh', '-c', ': > /var/log/x']);
    expect(w.stderr).toMatch(/Read-only file system/);
  });

  it("hostpid: the host's PID namespace, where its own processes have one NSpid level and other containers' two", async () => {
    const ns = await run('privileged-ns', 'hostpid', ['readlink', '/proc/self/ns/pid']);
    expect(ns.stdout.trim()).toBe(fs.readlinkSync('/proc/self/ns/pid'));
    const self = await run('privileged-ns', 'hostpid', ['cat', '/proc/self/status']);
    expect(field(self.stdout, 'NSpid')).toBe(field(self.stdout, 'Pid'));
    // Its procfs lists the machine's processes, another container's with its inner PID too.
    const all = await run('privileged-ns', 'hostpid', ['sh', '-c', 'cat /proc/[0-9]*/status 2>/dev/null']);
    const levels = all.stdout.split('\n').filter((l) => l.startsWith('NSpid:')).map((l) => l.split(/\s+/).length - 1);
    expect(levels.filter((n) => n === 1).length).toBeGreaterThan(0);
    expect(levels.filter((n) => n === 2).length).toBeGreaterThan(0);
    // Privileged: nothing masked.
    expect(await mountinfo('privileged-ns', 'hostpid')).not.toMatch(/ \/proc\/(keys|sys|bus|acpi) /);
  });

  it('procmount-unmasked: its own user namespace and a /proc with nothing masked or read-only', async () => {
    const info = await mountinfo('privileged-ns', 'procmount-unmasked');
    expect(info).toMatch(/ \/proc rw,nosuid,nodev,noexec,relatime - proc /);
    expect(info).not.toMatch(/ \/proc\/(keys|timer_list|sys|bus|fs|irq|acpi) /);
    const map = await run('privileged-ns', 'procmount-unmasked', ['cat', '/proc/1/uid_map']);
    expect(map.stdout.trim().split(/\s+/)[1]).not.toBe('0');
  });

  it('nnp-exec: PID 1 has no_new_privs as asked, the process exec\'d beside it does not', async () => {
    const [pid1, second, ...more] = await statuses('baseline-ns', 'nnp-exec');
    expect(more).toEqual([]);
    expect([field(pid1, 'Pid'), field(pid1, 'NoNewPrivs')]).toEqual(['1', '1']);
    expect(field(second, 'NoNewPrivs')).toBe('0');
    expect(field(second, 'CapEff')).toBe(field(pid1, 'CapEff'));
    expect(field(second, 'Uid')).toBe(field(pid1, 'Uid'));
  });

  it('cap-exec: the process exec\'d beside PID 1 holds CAP_SYS_PTRACE, which PID 1 lacks', async () => {
    const [pid1, second] = await statuses('baseline-ns', 'cap-exec');
    expect(field(pid1, 'CapEff')).toBe('00000000a80425fb');
    expect(hasCap(field(pid1, 'CapBnd')!, CAP_SYS_PTRACE)).toBe(false);
    expect(hasCap(field(second, 'CapEff')!, CAP_SYS_PTRACE)).toBe(true);
    expect(hasCap(field(second, 'CapBnd')!, CAP_SYS_PTRACE)).toBe(true);
  });

  it('api-6d4cf56db9: three replicas of one ReplicaSet asking RuntimeDefault; the kernel shows one without its filter', async () => {
    const rs = JSON.parse(kubectl('get', 'rs', '-n', 'baseline-ns', 'api-6d4cf56db9', '-o', 'json').stdout);
    const pods = JSON.parse(kubectl('get', 'pods', '-n', 'baseline-ns', '-l', 'app=api', '-o', 'json').stdout).items;
    expect(pods.map((p: any) => p.metadata.name).sort()).toEqual(['api-6d4cf56db9-m9q4r', 'api-6d4cf56db9-t5w8z', 'api-6d4cf56db9-x7k2p']);
    const seccomp: Record<string, string | undefined> = {};
    for (const p of pods) {
      expect(p.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'ReplicaSet', name: 'api-6d4cf56db9', uid: rs.metadata.uid, controller: true })]);
      expect(p.spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      expect(p.spec.nodeName).toBe('node-1');
      const s = await run('baseline-ns', p.metadata.name, ['cat', '/proc/1/status']);
      seccomp[p.metadata.name] = field(s.stdout, 'Seccomp');
    }
    expect(seccomp).toEqual({ 'api-6d4cf56db9-x7k2p': '2', 'api-6d4cf56db9-m9q4r': '2', 'api-6d4cf56db9-t5w8z': '0' });
    expect(rs.status).toMatchObject({ replicas: 3, readyReplicas: 3 });
  });

  it('restricted-ns/spec-only: restricted on paper; the kernel shows root, CAP_NET_RAW and no seccomp filter', async () => {
    const pod = JSON.parse(kubectl('get', 'pod', '-n', 'restricted-ns', 'spec-only', '-o', 'json').stdout);
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.spec.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const s = (await run('restricted-ns', 'spec-only', ['cat', '/proc/1/status'])).stdout;
    expect(field(s, 'Uid')).toBe('0 0 0 0');
    expect(hasCap(field(s, 'CapEff')!, CAP_NET_RAW)).toBe(true);
    expect(field(s, 'Seccomp')).toBe('0');
    expect(field(s, 'NoNewPrivs')).toBe('1');
  });
});

// The controls the kernel shows beyond /proc/PID/status, on captured texts:
// mountinfo from the test cluster's containers (masked and unmasked /proc, a
// runtime socket, a host directory), a containerd node's layout, kthreadd's
// stat; and how each control says it was judged, relations to PID 1, and
// replicas that drift apart.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { driftFindings, kernelState } from '../src/judge/drift.js';
import { findingsFor } from '../src/judge/findings.js';
import { judge } from '../src/judge/judge.js';
import { hostMountsOf, procMountOf } from '../src/judge/mounts.js';
import { evaluatePss } from '../src/judge/pss.js';
import { relate } from '../src/judge/relations.js';
import { mountAt, parseMountinfo } from '../src/procfs/mountinfo.js';
import { isKernelThread } from '../src/procfs/stat.js';
import { namespaceLevel, podPolicy } from '../src/sources/policy.js';
import { statusRecord } from './helpers/records.js';

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');
const mounts = (name: string) => parseMountinfo(fixture(`mountinfo/${name}`));
const BASELINE = fixture('status/baseline-pod-6.18.txt');
const RESTRICTED = fixture('status/restricted-pod-6.18.txt');
const POD = { namespace: 'n', pod: 'p', container: 'c' };
const policy = (sc: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) => {
  const container = { name: 'c', securityContext: sc, ...(spec.container as object ?? {}) };
  return podPolicy({ metadata: { name: 'p', namespace: 'n' }, spec: { containers: [container], ...spec } as never }, container);
};

/**
 * A containerd + runc container on a node whose /var/lib is on the root
 * filesystem, laid out as such nodes show it: overlay root, kubelet's files,
 * a projected token, runc's masks. Written after that layout, for the cases
 * the test cluster (no overlay, no kubelet files) cannot show.
 */
const CONTAINERD = [
  '1001 900 0:120 / / rw,relatime master:300 - overlay overlay rw,lowerdir=/var/lib/containerd/l1,upperdir=/var/lib/containerd/u,workdir=/var/lib/containerd/w',
  '1002 1001 0:121 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw',
  '1003 1001 0:122 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755',
  '1004 1001 0:123 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro',
  '1005 1001 8:1 /var/lib/kubelet/pods/0b8a4f5c-1d2e-4f60-9a7b-8c9d0e1f2a3b/etc-hosts /etc/hosts rw,relatime - ext4 /dev/sda1 rw',
  '1006 1001 8:1 /var/lib/kubelet/pods/0b8a4f5c-1d2e-4f60-9a7b-8c9d0e1f2a3b/containers/app/4f9a2c1e /dev/termination-log rw,relatime - ext4 /dev/sda1 rw',
  '1007 1001 8:1 /var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/5e66de9f/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/sda1 rw',
  '1008 1001 0:50 / /var/run/secrets/kubernetes.io/serviceaccount ro,relatime - tmpfs tmpfs rw,size=204800k',
  // A persistent volume on a device of its own, and a subPath of it: the pod's, never a host path.
  '1009 1001 259:3 / /data rw,relatime - ext4 /dev/nvme1n1 rw',
  '1010 1001 259:3 /reports /srv/reports rw,relatime - ext4 /dev/nvme1n1 rw',
  '1011 1002 0:121 /bus /proc/bus ro,nosuid,nodev,noexec,relatime - proc proc rw',
  '1012 1002 0:121 /sys /proc/sys ro,nosuid,nodev,noexec,relatime - proc proc rw',
  '1013 1002 0:122 /null /proc/kcore rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755',
  '1014 1002 0:122 /null /proc/keys rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755',
  '1015 1004 0:124 / /sys/firmware ro,relatime - tmpfs tmpfs ro',
].join('\n') + '\n';

describe('mountinfo', () => {
  it('parses the kernel\'s lines, escapes included; a line that does not parse is counted, never guessed at', () => {
    const m = parseMountinfo([
      '36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 - ext3 /dev/root rw,errors=continue',
      '37 35 0:5 / /x\\033]0;pwned\\007 rw - tmpfs tmpfs rw',
      'garbage',
      '38 35 0:5 / relative rw - tmpfs tmpfs rw',
      '39 35 0:5 /a\\999b /y rw - tmpfs tmpfs rw',
      '40 35 0:5 / /cut-here rw - tm',
    ].join('\n'));
    expect(m.entries.map((e) => e.mountPoint)).toEqual(['/mnt/with space', '/x\u001b]0;pwned\u0007']);
    expect(m.entries[0]).toMatchObject({ device: '98:0', root: '/mnt1', fsType: 'ext3', source: '/dev/root', options: ['rw', 'noatime'] });
    // garbage, a relative path, a bad escape, and a last line cut mid-way (no newline): none is a mount.
    expect(m.malformed).toBe(4);
  });

  it('the mount in effect at a path is the last one there', () => {
    const m = mounts('default-pod.txt');
    expect(mountAt(m, '/proc')?.options).toContain('nosuid');
  });
});

describe('/proc Mount Type, from the container\'s own mounts', () => {
  it('a container as a runtime leaves it: masked paths masked, /proc/sys read-only', () => {
    for (const m of [mounts('default-pod.txt'), parseMountinfo(CONTAINERD)]) {
      const p = procMountOf(m);
      expect(p.type).toBe('Default');
      expect(p.masked).toEqual(expect.arrayContaining(['/proc/keys']));
      expect(p.readOnly).toContain('/proc/sys');
    }
  });

  it('procMount: Unmasked leaves /proc as it is', () => {
    expect(procMountOf(mounts('procmount-unmasked.txt'))).toMatchObject({ type: 'Unmasked', masked: [], writable: ['/proc/sys'] });
  });
});

describe('host paths, from the container\'s own mounts', () => {
  it('a runtime\'s socket is an escape; a host directory a host path; the pod\'s own files and volumes are neither', () => {
    expect(hostMountsOf(mounts('runtime-socket.txt'))).toEqual([
      expect.objectContaining({ mountPoint: '/run/containerd/containerd.sock', escape: 'runtime socket' })]);
    // The test cluster has no kubelet files to tell its host filesystem by: the spec's hostPath mount says which it is.
    expect(hostMountsOf(mounts('host-logs.txt'), ['/var/log'])).toEqual([expect.objectContaining({ mountPoint: '/var/log', escape: null })]);
    expect(hostMountsOf(mounts('host-logs.txt'))).toEqual([]);
    expect(hostMountsOf(mounts('default-pod.txt'))).toEqual([]);
    // kubelet's /etc/hosts and termination log, containerd's resolv.conf, a token, a PV and its subPath: none is a host path.
    expect(hostMountsOf(parseMountinfo(CONTAINERD))).toEqual([]);
  });

  it('on a node\'s own filesystem: a bind of its / is an escape, of a directory a host path; a procfs elsewhere an escape', () => {
    const m = parseMountinfo(CONTAINERD +
      '1020 1001 8:1 / /host rw,relatime - ext4 /dev/sda1 rw\n' +
      '1021 1001 8:1 /var/log /var/log rw,relatime - ext4 /dev/sda1 rw\n' +
      '1022 1001 0:4 / /host-proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n' +
      '1023 1001 0:25 /docker.sock /var/run/docker.sock rw,nosuid,nodev - tmpfs tmpfs rw\n');
    expect(hostMountsOf(m).map((h) => [h.mountPoint, h.escape])).toEqual([
      ['/host', 'host root'], ['/var/log', null], ['/host-proc', 'host /proc'], ['/var/run/docker.sock', 'runtime socket']]);
  });
});

describe('the host\'s PID namespace, from PID 2', () => {
  it('kthreadd carries PF_KTHREAD; a container\'s PID 2 does not', () => {
    expect(isKernelThread('2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 14 0 0 18446744073709551615\n')).toBe(true);
    expect(isKernelThread('2 (sleep) S 1 0 0 0 -1 4194304 81 0 0 0 0 0 0 0 20 0 1 0 444879 2945024 384\n')).toBe(false);
    expect(isKernelThread('not a stat line')).toBeNull();
  });
});

describe('every control says how it was judged', () => {
  const ctx = (name: string, hostPid: boolean) => ({ users: null, groups: null, bootTime: null, mounts: mounts(name), hostPid });

  it('a default pod on a runtime that masks /proc and mounts nothing of the host: baseline, from the kernel, no star', () => {
    const r = statusRecord(POD, 1, BASELINE, {}, ctx('default-pod.txt', false));
    const pss = evaluatePss(r, policy().security)!;
    expect(pss).toMatchObject({ level: 'baseline', assumed: false });
    const by = Object.fromEntries(pss.controls.map((c) => [`${c.level}/${c.control}`, c]));
    expect(by['baseline/Host Namespaces']).toMatchObject({ judged: 'kernel', met: true });
    expect(by['baseline//proc Mount Type']).toMatchObject({ judged: 'kernel', met: true });
    expect(by['baseline/HostPath Volumes']).toMatchObject({ judged: 'kernel', met: true });
    expect(by['baseline/Host Ports']).toMatchObject({ judged: 'spec', met: true });
    expect(by['restricted/Seccomp']).toMatchObject({ judged: 'kernel', met: false });
    // No warning or critical security finding: --fail-on warning stays a gate (PID 1 here is sleep: its SIGTERM warning is not security).
    expect(findingsFor(r, policy()).filter((f) => f.severity !== 'info' && f.id !== 'pid1-ignores-sigterm')).toEqual([]);
  });

  it('what the kernel shows against the spec: host PID namespace, unmasked /proc, a runtime socket', () => {
    const hostPid = statusRecord(POD, 1, BASELINE, {}, ctx('default-pod.txt', true));
    expect(findingsFor(hostPid, policy()).find((f) => f.id === 'exceeds-spec')?.message).toMatch(/does not set hostPID, but the process is in the host's PID namespace/);
    const unmasked = statusRecord(POD, 1, BASELINE, {}, ctx('procmount-unmasked.txt', false));
    expect(findingsFor(unmasked, policy()).find((f) => f.control === '/proc Mount Type')).toMatchObject({ id: 'exceeds-spec', severity: 'critical' });
    expect(findingsFor(unmasked, policy({ procMount: 'Unmasked' })).find((f) => f.control === '/proc Mount Type')).toMatchObject({ id: 'proc-unmasked', severity: 'critical' });
    const socket = statusRecord(POD, 1, BASELINE, {}, ctx('runtime-socket.txt', false));
    expect(findingsFor(socket, policy()).map((f) => f.id)).toEqual(expect.arrayContaining(['host-escape-mount', 'exceeds-spec']));
  });

  it('a control whose field did not come back is not judged, and holds the level back', () => {
    const r = statusRecord(POD, 1, RESTRICTED.replace(/^NoNewPrivs:.*\n/m, ''), {}, ctx('default-pod.txt', false));
    const pss = evaluatePss(r, policy({ allowPrivilegeEscalation: false }).security)!;
    expect(pss.controls.find((c) => c.control === 'Privilege Escalation')).toMatchObject({ judged: 'not judged', met: null });
    expect(pss.level).not.toBe('restricted');
  });

  it('outside a pod, the controls only a spec answers are not judged, and do not hold the level back', () => {
    const r = statusRecord({}, 300, RESTRICTED);
    const pss = evaluatePss(r, null)!;
    expect(pss.controls.find((c) => c.control === 'Host Ports')).toMatchObject({ judged: 'not judged', met: null });
    expect(pss.level).toBe('restricted');
  });
});

describe('processes weaker than their container\'s PID 1', () => {
  const strict = { allowPrivilegeEscalation: false };
  const j = (pid: number, text: string) => judge(statusRecord(POD, pid, text), policy(strict));

  it('an exec\'d process without no_new_privs, or with a capability PID 1 lacks, names both', () => {
    const init = j(1, RESTRICTED);
    const shell = j(7, RESTRICTED.replace(/^NoNewPrivs:.*$/m, 'NoNewPrivs:\t0').replace(/^CapBnd:.*$/m, 'CapBnd:\t0000000000080000'));
    const [, related] = relate([init, shell]);
    const f = related.judgement.findings.find((x) => x.id === 'weaker-than-pid1')!;
    expect(f.severity).toBe('warning');
    expect(f.message).toMatch(/pid 7 \(sleep\) is less confined than its container's PID 1 \(pid 1, sleep\): NoNewPrivs is 0 where PID 1 has 1; CapBnd holds CAP_SYS_PTRACE/);
    // PID 1 itself, and a process like it, get nothing.
    expect(relate([init, j(8, RESTRICTED)]).flatMap((x) => x.judgement.findings).map((x) => x.id)).not.toContain('weaker-than-pid1');
  });

  it('without PID 1 in the read there is nothing to compare with', () => {
    const shell = j(7, RESTRICTED.replace(/^NoNewPrivs:.*$/m, 'NoNewPrivs:\t0'));
    expect(relate([shell])[0]).toBe(shell);
  });
});

describe('drift across replicas', () => {
  it('one finding per field that differs, naming the pods, their nodes and runtimes', () => {
    const state = (text: string) => kernelState(statusRecord(POD, 1, text));
    const filtered = RESTRICTED;
    const open = RESTRICTED.replace(/^Seccomp:.*$/m, 'Seccomp:\t0').replace(/^Seccomp_filters:.*$/m, 'Seccomp_filters:\t0');
    const replicas = [
      { pod: 'api-a', node: 'n1', runtime: 'containerd://1.7.27', kubelet: 'v1.33.1', state: state(filtered) },
      { pod: 'api-b', node: 'n2', runtime: 'containerd://1.7.27', kubelet: 'v1.33.1', state: state(filtered) },
      { pod: 'api-c', node: 'n3', runtime: 'cri-o://1.30.0', kubelet: 'v1.30.2', state: state(open) },
    ];
    const f = driftFindings({ namespace: 'n', owner: 'ReplicaSet api', container: 'c', replicas });
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ id: 'replica-drift', severity: 'warning' });
    expect(f[0].message).toMatch(/Seccomp disabled in api-c \(node n3, cri-o:\/\/1\.30\.0, kubelet v1\.30\.2\)/);
    expect(driftFindings({ namespace: 'n', owner: 'ReplicaSet api', container: 'c', replicas: replicas.slice(0, 2) })).toEqual([]);
  });
});

describe('a namespace\'s enforce label', () => {
  it('a level and version as admission reads them; an unknown one is said once', () => {
    const said: string[] = [];
    const warn = (l: string) => said.push(l);
    const E = 'pod-security.kubernetes.io/enforce';
    expect(namespaceLevel('a', { [E]: 'baseline' }, warn)).toEqual({ namespace: 'a', level: 'baseline', version: 'latest' });
    expect(namespaceLevel('b', { [E]: 'restricted', [`${E}-version`]: 'v1.29' }, warn)).toEqual({ namespace: 'b', level: 'restricted', version: 'v1.29' });
    expect(namespaceLevel('c', {}, warn)).toBeNull();
    expect(said).toEqual([]);
    expect(namespaceLevel('d', { [E]: 'bogus' }, warn)).toMatchObject({ level: 'restricted' });
    expect(namespaceLevel('e', { [E]: 'baseline', [`${E}-version`]: 'next' }, warn)).toMatchObject({ version: 'latest' });
    expect(said).toHaveLength(2);
  });
});

// Pod Security Standards on the kernel's state, control by control and in
// both directions, on status texts captured from this kernel (the test
// cluster's `restricted` and `baseline` pods, and the host's PID 1), with
// masks edited by hand where a pod here cannot show a state, and LSM labels
// as AppArmor and SELinux kernels print them (this kernel has no LSM).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findingsFor, podSecurityFor, type Finding } from '../src/judge/findings.js';
import { judge, type Judged } from '../src/judge/judge.js';
import { failedRecord, type ProcRecord } from '../src/record/record.js';
import { failure } from '../src/record/failure.js';
import { statusRecord } from './helpers/records.js';
import { podPolicy } from '../src/sources/policy.js';
import { belowLevel, podLevels, PodLevels } from '../src/judge/levels.js';
import { HOST_POLICY, type FindingPolicy } from '../src/judge/policy.js';
import { parseAttr } from '../src/procfs/attr.js';
import { parseIdMap } from '../src/procfs/idmap.js';
import { parseStatus } from '../src/procfs/status.js';
import { evaluatePss, levelAtLeast } from '../src/judge/pss.js';
import { parseArgs } from '../src/cli/args.js';

const text = (name: string) => readFileSync(new URL(`fixtures/status/${name}`, import.meta.url), 'utf8');
const RESTRICTED = text('restricted-pod-6.18.txt'); // Uid 1000, Gid 3000, no capabilities, NoNewPrivs 1, Seccomp 2
const BASELINE = text('baseline-pod-6.18.txt'); // Uid 0, containerd's default set 00000000a80425fb, NoNewPrivs 0, Seccomp 0
const HOST = text('pid1-host-6.18.txt'); // every capability effective (CapBnd lacks CAP_SYS_RESOURCE)

const set = (t: string, key: string, value: string) => t.replace(new RegExp(`^${key}:.*$`, 'm'), `${key}:\t${value}`);
const caps = (t: string, mask: string) => ['CapPrm', 'CapEff', 'CapBnd'].reduce((acc, k) => set(acc, k, mask), t);
const ORIGIN = { pod: 'p', namespace: 'n', container: 'c' };
const HOST_MAP = '         0          0 4294967295\n';
const USERNS_MAP = '         0      65536      65536\n';

/** A process from a status text; pid 7 unless asked, so PID 1's SIGTERM rule stays out of the way. */
function proc(t: string, extra: Partial<ProcRecord> = {}, pid = 7): ProcRecord {
  return { ...statusRecord(ORIGIN, pid, t), uidMap: parseIdMap(HOST_MAP), gidMap: parseIdMap(HOST_MAP), ...extra };
}

function policy(sc: Record<string, unknown> = {}, pod: Record<string, unknown> = {}, annotations?: Record<string, string>): FindingPolicy {
  const container = { name: 'c', securityContext: sc };
  return podPolicy({ metadata: { name: 'p', namespace: 'n', annotations }, spec: { containers: [container], ...pod } as never }, container);
}

const RESTRICTED_SPEC = { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 3000, allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };

const ids = (f: Finding[]) => f.map((x) => x.id).sort();
const one = (f: Finding[], id: string) => {
  const found = f.filter((x) => x.id === id);
  expect(found, `${id} in ${JSON.stringify(f)}`).toHaveLength(1);
  return found[0];
};
const unmet = (item: ProcRecord, p: FindingPolicy) => evaluatePss(item, p.security)!.unmet.map((u) => `${u.level}/${u.control}`).sort();

describe('levels', () => {
  it('the restricted pod meets restricted: no control unmet, no finding at all', () => {
    const item = proc(RESTRICTED);
    const p = policy(RESTRICTED_SPEC);
    const pss = evaluatePss(item, p.security)!;
    expect(pss).toMatchObject({ level: 'restricted', unmet: [] });
    // A status text alone shows no mounts and no PID namespace: those controls come from the spec, and the level says so.
    expect(pss.assumed).toBe(true);
    expect(pss.controls.filter((c) => c.unverified).map((c) => c.control)).toEqual(['Host Namespaces', 'HostPath Volumes', '/proc Mount Type']);
    expect(findingsFor(item, p)).toEqual([]);
  });

  it('a default pod meets baseline; what restricted lacks is one info finding per control, each saying what to set', () => {
    const item = proc(BASELINE);
    const p = policy();
    expect(evaluatePss(item, p.security)!.level).toBe('baseline');
    expect(unmet(item, p)).toEqual(['restricted/Capabilities', 'restricted/Privilege Escalation', 'restricted/Running as Non-root', 'restricted/Seccomp']);
    const f = findingsFor(item, p);
    expect(ids(f)).toEqual(['capabilities-not-dropped', 'no-new-privs-off', 'runs-as-root', 'seccomp-disabled']);
    expect(f.every((x) => x.severity === 'info')).toBe(true);
    expect(one(f, 'runs-as-root').message).toMatch(/^Running as Non-root \(restricted\): Uid is 0 0 0 0 .*set runAsNonRoot: true.*pod-security-standards\/#restricted$/);
    expect(one(f, 'no-new-privs-off').message).toMatch(/NoNewPrivs is 0.*set allowPrivilegeEscalation: false/);
    expect(one(f, 'seccomp-disabled').message).toMatch(/Seccomp is 0.*set seccompProfile.type: RuntimeDefault/);
    expect(one(f, 'seccomp-disabled').control).toBe('Seccomp');
  });

  it('CAP_NET_RAW from the runtime default: baseline still met, and the restricted finding says admission and the kernel disagree', () => {
    const f = findingsFor(proc(BASELINE), policy());
    expect(one(f, 'capabilities-not-dropped').message)
      .toMatch(/CapEff, CapPrm and CapBnd hold CAP_CHOWN, .*CAP_NET_RAW.*CAP_NET_RAW is not on baseline's list either; .*admission passes the pod.*drop: \[ALL\]/);
    // Without CAP_NET_RAW (CRI-O's default, say) the note is gone.
    const crio = findingsFor(proc(caps(BASELINE, '00000000a80405fb')), policy());
    expect(one(crio, 'capabilities-not-dropped').message).not.toMatch(/NET_RAW/);
  });

  it('every capability is privileged, whatever else holds', () => {
    const item = proc(caps(BASELINE, '000001ffffffffff'));
    expect(evaluatePss(item, policy().security)!.level).toBe('privileged');
    const f = findingsFor(item, policy());
    // One finding for the capabilities, not three overlapping ones: the spec does not ask for privileged, so it is exceeds-spec.
    expect(f.filter((x) => /capabilit/.test(x.id) || x.control === 'Privileged Containers' || x.control === 'Capabilities')).toHaveLength(1);
    expect(one(f, 'exceeds-spec')).toMatchObject({ severity: 'critical', control: 'Privileged Containers' });
    // privileged: true asked for it: no contradiction, the baseline control itself.
    const asked = findingsFor(item, policy({ privileged: true }));
    expect(one(asked, 'all-capabilities')).toMatchObject({ severity: 'critical', control: 'Privileged Containers' });
    expect(ids(asked)).not.toContain('exceeds-spec');
  });

  it('the host PID 1 (local mode): privileged, all-capabilities, and root is not held against it', () => {
    const item = statusRecord({}, 1, HOST);
    expect(podSecurityFor(item, HOST_POLICY)!.level).toBe('privileged');
    const f = findingsFor(item, HOST_POLICY);
    expect(one(f, 'all-capabilities').severity).toBe('critical');
    expect(ids(f)).not.toContain('runs-as-root');
    expect(ids(f)).not.toContain('pid1-ignores-sigterm');
    // Restricted's hardening is for pods: a local process below it is told by its level alone.
    const shell = statusRecord({}, 300, caps(set(BASELINE, 'Uid', '1000\t1000\t1000\t1000'), '0000000000000000'));
    expect(podSecurityFor(shell, HOST_POLICY)!.level).toBe('baseline');
    expect(findingsFor(shell, HOST_POLICY)).toEqual([]);
  });

  it('kernel threads carry no level and no findings in local mode', () => {
    const kthread = set(set(HOST, 'Kthread', '1'), 'Name', 'kworker/0:1');
    const item = judge(statusRecord({}, 40, kthread), HOST_POLICY);
    expect(item.record.kernelThread).toBe(true);
    expect(item.judgement.findings).toEqual([]);
    expect(item.judgement.podSecurity).toBeNull();
  });

  it('level order for --require-level', () => {
    expect(levelAtLeast('restricted', 'baseline')).toBe(true);
    expect(levelAtLeast('baseline', 'restricted')).toBe(false);
    expect(levelAtLeast('privileged', 'baseline')).toBe(false);
  });
});

describe('baseline controls', () => {
  it('Capabilities: one beyond baseline\'s list in CapBnd alone is enough; the spec adding it makes it dangerous-capabilities, not a contradiction', () => {
    // CAP_SYS_ADMIN (bit 21) in the bounding set of the restricted process only.
    const item = proc(set(RESTRICTED, 'CapBnd', '0000000000200000'));
    const p = policy({ ...RESTRICTED_SPEC, capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } });
    expect(evaluatePss(item, p.security)!.level).toBe('privileged');
    const f = findingsFor(item, p);
    expect(one(f, 'dangerous-capabilities')).toMatchObject({ severity: 'critical', control: 'Capabilities' });
    expect(one(f, 'dangerous-capabilities').message).toMatch(/^Capabilities \(baseline\): CapBnd holds CAP_SYS_ADMIN, beyond baseline's list.*#baseline$/);
    expect(ids(f)).not.toContain('exceeds-spec');
  });

  it('Capabilities: the runtime granting one the spec never added is exceeds-spec: admission passed the spec, the kernel says otherwise', () => {
    const item = proc(set(RESTRICTED, 'CapBnd', '0000000000201000')); // NET_ADMIN, SYS_ADMIN
    const f = findingsFor(item, policy(RESTRICTED_SPEC));
    const e = one(f, 'exceeds-spec');
    expect(e).toMatchObject({ severity: 'critical', control: 'Capabilities' });
    expect(e.message).toMatch(/drops ALL capabilities, but the bounding set still holds CAP_NET_ADMIN, CAP_SYS_ADMIN/);
    expect(e.message).toMatch(/neither the runtime's default set nor capabilities.add grants/);
    expect(ids(f)).not.toContain('dangerous-capabilities');
  });

  it('Capabilities: an `add` of CAP_NET_RAW fails baseline though the default set already holds it', () => {
    const p = policy({ capabilities: { add: ['NET_RAW'] } });
    expect(unmet(proc(BASELINE), p)).toContain('baseline/Capabilities');
    expect(one(findingsFor(proc(BASELINE), p), 'dangerous-capabilities').message).toMatch(/the spec adds CAP_NET_RAW/);
    expect(unmet(proc(BASELINE), policy({ capabilities: { add: ['NET_BIND_SERVICE', 'CHOWN'] } }))).not.toContain('baseline/Capabilities');
  });

  it('Host Namespaces: from the spec, as /proc/PID/status cannot show them', () => {
    const f = findingsFor(proc(RESTRICTED), policy(RESTRICTED_SPEC, { hostNetwork: true, hostPID: true }));
    expect(one(f, 'host-namespaces')).toMatchObject({ severity: 'critical', control: 'Host Namespaces' });
    expect(one(f, 'host-namespaces').message).toMatch(/the spec sets hostPID: true; the spec sets hostNetwork: true/);
    expect(ids(findingsFor(proc(RESTRICTED), policy(RESTRICTED_SPEC)))).not.toContain('host-namespaces');
  });

  it('Seccomp: Unconfined asked explicitly fails baseline (critical); unset fails only restricted (info)', () => {
    const f = findingsFor(proc(BASELINE), policy({ seccompProfile: { type: 'Unconfined' } }));
    expect(one(f, 'seccomp-unconfined')).toMatchObject({ severity: 'critical' });
    expect(one(f, 'seccomp-unconfined').message).toMatch(/the spec sets seccompProfile Unconfined; the kernel shows Seccomp 0/);
    expect(ids(f)).not.toContain('seccomp-disabled'); // the same control, told once
    expect(evaluatePss(proc(BASELINE), policy({ seccompProfile: { type: 'Unconfined' } }).security)!.level).toBe('privileged');
  });

  it('AppArmor: an unconfined label fails baseline; a profile in enforce mode meets it', () => {
    const confined = proc(RESTRICTED, { lsm: parseAttr('cri-containerd.apparmor.d (enforce)\n') });
    expect(evaluatePss(confined, policy(RESTRICTED_SPEC).security)!.level).toBe('restricted');
    const loose = proc(RESTRICTED, { lsm: parseAttr('unconfined\n') });
    expect(evaluatePss(loose, policy(RESTRICTED_SPEC).security)!.level).toBe('privileged');
    const f = findingsFor(loose, policy(RESTRICTED_SPEC));
    expect(one(f, 'apparmor-unconfined')).toMatchObject({ severity: 'critical', control: 'AppArmor' });
    expect(one(f, 'apparmor-unconfined').message).toMatch(/attr\/current is "unconfined".*set appArmorProfile.type: RuntimeDefault/);
  });

  it('AppArmor: the spec asked for a profile, the process is unconfined or only complains: exceeds-spec (field and annotation)', () => {
    const loose = proc(RESTRICTED, { lsm: parseAttr('unconfined') });
    const field = one(findingsFor(loose, policy({ ...RESTRICTED_SPEC, appArmorProfile: { type: 'RuntimeDefault' } })), 'exceeds-spec');
    expect(field).toMatchObject({ severity: 'critical', control: 'AppArmor' });
    expect(field.message).toMatch(/asks appArmorProfile RuntimeDefault, but attr\/current is "unconfined"/);
    const annotated = findingsFor(loose, policy(RESTRICTED_SPEC, {}, { 'container.apparmor.security.beta.kubernetes.io/c': 'localhost/k8s-deny-write' }));
    expect(one(annotated, 'exceeds-spec').message).toMatch(/Localhost profile k8s-deny-write, but attr\/current is "unconfined"/);
    expect(ids(annotated)).not.toContain('apparmor-unconfined'); // the same control, told once
    const complain = proc(RESTRICTED, { lsm: parseAttr('cri-containerd.apparmor.d (complain)') });
    expect(one(findingsFor(complain, policy({ ...RESTRICTED_SPEC, appArmorProfile: { type: 'RuntimeDefault' } })), 'exceeds-spec').message)
      .toMatch(/complain mode/);
    const other = proc(RESTRICTED, { lsm: parseAttr('cri-containerd.apparmor.d (enforce)') });
    expect(one(findingsFor(other, policy({ ...RESTRICTED_SPEC, appArmorProfile: { type: 'Localhost', localhostProfile: 'k8s-deny-write' } })), 'exceeds-spec').message)
      .toMatch(/but the process runs under cri-containerd.apparmor.d/);
    const honoured = proc(RESTRICTED, { lsm: parseAttr('k8s-deny-write (enforce)') });
    expect(findingsFor(honoured, policy({ ...RESTRICTED_SPEC, appArmorProfile: { type: 'Localhost', localhostProfile: 'k8s-deny-write' } }))).toEqual([]);
  });

  it('AppArmor: without an LSM on the kernel (no label) nothing is guessed', () => {
    const none = proc(RESTRICTED, { lsm: null });
    expect(findingsFor(none, policy({ ...RESTRICTED_SPEC, appArmorProfile: { type: 'RuntimeDefault' } }))).toEqual([]);
  });

  it('SELinux: container_t meets baseline; spc_t (a super-privileged container) does not', () => {
    const ok = proc(RESTRICTED, { lsm: parseAttr('system_u:system_r:container_t:s0:c1,c2\0') });
    expect(evaluatePss(ok, policy(RESTRICTED_SPEC).security)!.level).toBe('restricted');
    const spc = proc(RESTRICTED, { lsm: parseAttr('system_u:system_r:spc_t:s0\0') });
    const f = findingsFor(spc, policy(RESTRICTED_SPEC));
    expect(one(f, 'selinux-type')).toMatchObject({ severity: 'critical', control: 'SELinux' });
    expect(one(f, 'selinux-type').message).toMatch(/the SELinux type is spc_t \("system_u:system_r:spc_t:s0"\)/);
  });
});

describe('restricted controls and the spec', () => {
  it('Privilege Escalation: NoNewPrivs 1 meets it; allowPrivilegeEscalation: false with NoNewPrivs 0 is exceeds-spec, told once', () => {
    expect(unmet(proc(RESTRICTED), policy(RESTRICTED_SPEC))).not.toContain('restricted/Privilege Escalation');
    const item = proc(set(RESTRICTED, 'NoNewPrivs', '0'));
    expect(unmet(item, policy())).toEqual(['restricted/Privilege Escalation']);
    const f = findingsFor(item, policy(RESTRICTED_SPEC));
    expect(ids(f)).toEqual(['exceeds-spec']);
    expect(f[0]).toMatchObject({ severity: 'critical', control: 'Privilege Escalation' });
    expect(f[0].message).toMatch(/^Privilege Escalation \(restricted\): the spec sets allowPrivilegeEscalation: false, but NoNewPrivs is 0/);
  });

  it('Seccomp: a filter meets it; RuntimeDefault asked while the kernel shows Seccomp 0 is exceeds-spec', () => {
    const item = proc(set(set(RESTRICTED, 'Seccomp', '0'), 'Seccomp_filters', '0'));
    const f = findingsFor(item, policy(RESTRICTED_SPEC));
    expect(ids(f)).toEqual(['exceeds-spec']);
    expect(f[0].message).toMatch(/^Seccomp \(restricted\): the spec asks seccompProfile RuntimeDefault, but the kernel shows Seccomp 0/);
    // Pod-level Localhost, container silent: the pod's setting applies.
    const pod = findingsFor(item, policy({ ...RESTRICTED_SPEC, seccompProfile: undefined }, { securityContext: { seccompProfile: { type: 'Localhost' } } }));
    expect(one(pod, 'exceeds-spec').message).toMatch(/asks seccompProfile Localhost/);
    // Nothing asked: the restricted control alone, at info.
    expect(one(findingsFor(item, policy({ ...RESTRICTED_SPEC, seccompProfile: undefined })), 'seccomp-disabled').severity).toBe('info');
  });

  it('Running as Non-root: runAsNonRoot and runAsUser contradicted by uid 0: one exceeds-spec naming both', () => {
    const root = proc(set(BASELINE, 'Uid', '0\t0\t0\t0'));
    const f = findingsFor(root, policy({}, { securityContext: { runAsNonRoot: true, runAsUser: 1000 } }));
    const e = one(f, 'exceeds-spec');
    expect(e).toMatchObject({ severity: 'critical', control: 'Running as Non-root' });
    expect(e.message).toMatch(/runAsNonRoot: true, but Uid is 0 0 0 0; the spec sets runAsUser: 1000, but the effective uid is 0/);
    expect(ids(f)).not.toContain('runs-as-root');
  });

  it('runAsUser and runAsGroup honoured: nothing; either one ignored, while non-root: exceeds-spec without a control', () => {
    expect(ids(findingsFor(proc(RESTRICTED), policy(RESTRICTED_SPEC)))).toEqual([]);
    const wrongGid = proc(set(RESTRICTED, 'Gid', '0\t0\t0\t0'));
    const f = findingsFor(wrongGid, policy(RESTRICTED_SPEC));
    expect(one(f, 'exceeds-spec').message).toBe('the spec sets runAsGroup: 3000, but the effective gid is 0');
    const wrongUid = proc(set(RESTRICTED, 'Uid', '2000\t2000\t2000\t2000'));
    expect(one(findingsFor(wrongUid, policy(RESTRICTED_SPEC)), 'exceeds-spec').message).toMatch(/runAsUser: 1000, but the effective uid is 2000/);
  });

  it('user namespace: root that maps to host uid 65536 is not root on the node: info with the mapping, and Running as Non-root holds', () => {
    const item = proc(BASELINE, { uidMap: parseIdMap(USERNS_MAP) });
    const p = policy({}, { hostUsers: false });
    expect(unmet(item, p)).not.toContain('restricted/Running as Non-root');
    const f = findingsFor(item, p);
    expect(ids(f)).not.toContain('runs-as-root');
    const info = one(f, 'userns-root');
    expect(info.severity).toBe('info');
    expect(info.message).toMatch(/host uid 65536 \(uid_map 0 65536 65536\), not root on the node/);
  });

  it('user namespace asked for and ignored: the host identity map is exceeds-spec, replacing runs-as-root', () => {
    const f = findingsFor(proc(BASELINE), policy({}, { hostUsers: false }));
    const e = one(f, 'exceeds-spec');
    expect(e).toMatchObject({ severity: 'critical', control: 'Running as Non-root' });
    expect(e.message).toMatch(/hostUsers: false, but uid_map is the host's identity map \(0 0 4294967295\): the runtime ignored it, and uid 0 here is root on the node/);
    expect(ids(f)).not.toContain('runs-as-root');
    expect(ids(f)).not.toContain('userns-root');
    // No uid_map read: nothing said about it.
    expect(ids(findingsFor(proc(BASELINE, { uidMap: null }), policy({}, { hostUsers: false })))).not.toContain('exceeds-spec');
  });

  it('Capabilities (restricted): drop ALL meets it; NET_BIND_SERVICE alone too; anything else is info when the spec asked nothing', () => {
    expect(unmet(proc(caps(RESTRICTED, '0000000000000400')), policy())).not.toContain('restricted/Capabilities');
    const chown = proc(caps(RESTRICTED, '0000000000000001'));
    expect(one(findingsFor(chown, policy()), 'capabilities-not-dropped')).toMatchObject({ severity: 'info', control: 'Capabilities' });
  });

  it('a dropped capability still held is exceeds-spec', () => {
    const f = findingsFor(proc(BASELINE), policy({ capabilities: { drop: ['NET_RAW'] } }));
    expect(one(f, 'exceeds-spec').message).toMatch(/^Capabilities \(restricted\): the spec drops CAP_NET_RAW, but the process still has it/);
    expect(ids(f)).not.toContain('capabilities-not-dropped');
  });
});

describe('per container and per pod', () => {
  const at = (pod: string, container: string, t: string, error: string | null = null): Judged => {
    const where = { node: null, pod, container, namespace: 'n' };
    return judge(error ? failedRecord(where, 7, failure('failed', where, error)) : { ...proc(t), where }, policy());
  };

  it('a container meets its lowest process\'s level, a pod its lowest container\'s; failed reads are left out', () => {
    const items = [
      at('a', 'app', RESTRICTED), at('a', 'app', BASELINE), at('a', 'side', RESTRICTED),
      at('b', 'app', RESTRICTED), at('c', 'app', RESTRICTED, 'no such process'),
      at('d', 'app', caps(BASELINE, '000001ffffffffff')),
    ];
    expect(podLevels(items)).toEqual([
      { namespace: 'n', pod: 'a', level: 'baseline', containers: [{ container: 'app', level: 'baseline' }, { container: 'side', level: 'restricted' }] },
      { namespace: 'n', pod: 'b', level: 'restricted', containers: [{ container: 'app', level: 'restricted' }] },
      { namespace: 'n', pod: 'd', level: 'privileged', containers: [{ container: 'app', level: 'privileged' }] },
    ]);
    const levels = new PodLevels();
    items.forEach((j) => levels.add(j));
    expect(levels.counts()).toBe('levels: 1 privileged, 1 baseline, 1 restricted');
    expect(items.filter((j) => belowLevel(j, 'restricted')).map((j) => j.record.where.pod)).toEqual(['a', 'd']);
    expect(items.filter((j) => belowLevel(j, 'baseline')).map((j) => j.record.where.pod)).toEqual(['d']);
  });
});

describe('--require-level', () => {
  it('takes baseline or restricted; anything else is a usage error', async () => {
    const parsed = await parseArgs(['-A', '--pid', '1', '--require-level', 'restricted']);
    expect(parsed).toMatchObject({ kind: 'run', options: { requireLevel: 'restricted' } });
    expect(await parseArgs(['--pid', '1'])).toMatchObject({ kind: 'run', options: { requireLevel: null } });
    expect(await parseArgs(['--pid', '1', '--require-level', 'privileged']))
      .toEqual({ kind: 'usage-error', message: 'invalid --require-level "privileged": use baseline, restricted, or enforce (each namespace\'s pod-security.kubernetes.io/enforce level)' });
    expect(await parseArgs(['-A', '--pid', '1', '--require-level', 'enforce'])).toMatchObject({ kind: 'run', options: { requireLevel: 'enforce' } });
    expect(await parseArgs(['--pid', '1', '--require-level'])).toEqual({ kind: 'usage-error', message: 'flag needs an argument: --require-level' });
  });
});

describe('add: [ALL]', () => {
  it('fails baseline by the spec alone, and grants what the kernel shows: no contradiction', () => {
    const item = proc(caps(BASELINE, '000001ffffffffff'));
    const p = policy({ capabilities: { add: ['ALL'] } });
    expect(unmet(item, p)).toContain('baseline/Privileged Containers');
    expect(ids(findingsFor(item, p))).not.toContain('exceeds-spec');
    expect(one(findingsFor(proc(BASELINE), p), 'dangerous-capabilities').message).toMatch(/the spec adds ALL/);
  });
});

import { CAPABILITY_NAMES, type DecodedSet } from '../decode/capabilities.js';
import type { ProcRecord } from '../record/record.js';
import type { SecuritySpec } from './policy.js';
import { idMapLine, isHostMap, toHost } from '../procfs/idmap.js';
import { hostMountsOf, procMountOf } from './mounts.js';

/**
 * The Pod Security Standards, judged on what the kernel shows for a process
 * rather than on what the pod spec asks for:
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/
 *
 * Each control keeps the standard's own name, and says how it was judged:
 * `kernel` (on what /proc shows: the status, the container's mountinfo, its
 * PID namespace), `spec` (only the spec can say: host ports, sysctls, volume
 * types, an explicit Unconfined seccomp profile), or `not judged` (and why).
 * A control the kernel could show but this read could not see (mounts read
 * through a debug container, a PID namespace the read could not tell) falls
 * back to the spec and says so; a level that rests on such a control is
 * marked (baseline*).
 */
export type Level = 'privileged' | 'baseline' | 'restricted';
export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

export const PSS_URL = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/';

export type Control =
  | 'HostProcess' | 'Host Namespaces' | 'Privileged Containers' | 'Capabilities' | 'HostPath Volumes' | 'Host Ports'
  | 'AppArmor' | 'SELinux' | '/proc Mount Type' | 'Seccomp' | 'Sysctls'
  | 'Volume Types' | 'Privilege Escalation' | 'Running as Non-root';

/** How a control was judged. */
export type JudgedBy = 'kernel' | 'spec' | 'not judged';

/** One control of one level, for one process: how it was judged, whether it is met, and what it rests on. */
export interface ControlResult {
  control: Control;
  level: 'baseline' | 'restricted';
  judged: JudgedBy;
  /** null when not judged. */
  met: boolean | null;
  /** What the kernel shows (or the spec sets, or why nothing could be judged). */
  shows: string;
  /** Where a control the kernel could show was taken from the spec instead (or not judged): why. */
  unverified?: string;
}

export interface UnmetControl {
  /** The control, in the standard's words. */
  control: Control;
  /** The level that requires it: failing a baseline control leaves "privileged". */
  level: 'baseline' | 'restricted';
  /** What the kernel shows (or, for the spec-only controls, what the spec sets). */
  shows: string;
  /** What to change in the spec. */
  fix: string;
}

export interface PodSecurity {
  /** The highest level every judged control meets. */
  level: Level;
  /** The level rests on a control the kernel could show but this read did not (printed with a *). */
  assumed: boolean;
  unmet: UnmetControl[];
  controls: ControlResult[];
}

/**
 * Capabilities baseline allows a container to add: the standard's list.
 * CAP_NET_RAW is not on it, but the runtimes' default set (containerd's and
 * Docker's, CapBnd 00000000a80425fb) grants it without any `add`, and the
 * standard admits the default set ("Allows the default (minimally specified)
 * Pod configuration"), so a process that holds it from the default still
 * meets baseline. Restricted's drop-ALL catches it; the finding says so.
 */
export const BASELINE_CAPABILITIES: readonly string[] = [
  'CAP_AUDIT_WRITE', 'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_MKNOD',
  'CAP_NET_BIND_SERVICE', 'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT',
];
/** containerd's and Docker's default set: baseline's list plus CAP_NET_RAW. */
export const RUNTIME_DEFAULT_CAPABILITIES: readonly string[] = [...BASELINE_CAPABILITIES, 'CAP_NET_RAW'];
/** Restricted: "drop ALL, and add back only NET_BIND_SERVICE". */
export const RESTRICTED_CAPABILITIES: readonly string[] = ['CAP_NET_BIND_SERVICE'];

/** SELinux types baseline allows (container_engine_t since v1.31). */
export const SELINUX_TYPES: readonly string[] = ['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];

export function levelAtLeast(level: Level, floor: Level): boolean {
  return LEVELS.indexOf(level) >= LEVELS.indexOf(floor);
}

/** The lower of two levels: a container is as low as its lowest process, a pod as its lowest container. */
export function lowerLevel(a: Level, b: Level): Level {
  return LEVELS.indexOf(a) <= LEVELS.indexOf(b) ? a : b;
}

/** The capability sets a control looks at: what the process holds now, and what it can ever hold. */
const CAP_SETS = [['effective', 'CapEff'], ['permitted', 'CapPrm'], ['bounding', 'CapBnd']] as const;

/**
 * A decoded set's names as a Set, made once per set: decoded sets are shared
 * by every process with the same mask (src/decode/), and a sweep judges
 * thousands of processes with a handful of masks.
 */
const nameSets = new WeakMap<DecodedSet, ReadonlySet<string>>();
function namesOf(set: DecodedSet): ReadonlySet<string> {
  let names = nameSets.get(set);
  if (!names) nameSets.set(set, (names = new Set(set.names ?? [])));
  return names;
}

/** A list of names as a Set, made once per list (the standard's lists are constants). */
const listSets = new WeakMap<readonly string[], ReadonlySet<string>>();
function setOf(list: readonly string[]): ReadonlySet<string> {
  let names = listSets.get(list);
  if (!names) listSets.set(list, (names = new Set(list)));
  return names;
}

/** Every capability known, then any newer bit a set holds: the order names are told in. */
function inOrder(held: (name: string) => boolean, sets: DecodedSet[]): string[] {
  const out = CAPABILITY_NAMES.filter(held);
  for (const set of sets) for (const n of set.names ?? []) if (!KNOWN.has(n) && held(n) && !out.includes(n)) out.push(n);
  return out;
}
const KNOWN: ReadonlySet<string> = new Set(CAPABILITY_NAMES);

/** Whether CapEff holds every capability the kernel table knows. */
export function holdsAll(item: ProcRecord): boolean {
  const eff = item.capabilities?.effective;
  if (!eff?.names || eff.names.length < CAPABILITY_NAMES.length) return false;
  const names = namesOf(eff);
  return CAPABILITY_NAMES.every((n) => names.has(n));
}

/** Capabilities of the process outside `allowed`, or null when a set did not decode (then nothing is judged). */
export function heldBeyond(item: ProcRecord, allowed: readonly string[]): string[] | null {
  const caps = item.capabilities;
  if (!caps) return null;
  const sets = CAP_SETS.map(([key]) => caps[key]);
  if (sets.some((s) => !s.names)) return null;
  const ok = setOf(allowed);
  const held = sets.map(namesOf);
  return inOrder((n) => !ok.has(n) && held.some((h) => h.has(n)), sets);
}

/** capsShow's sentences, by the three sets (shared per mask) and the names asked: a sweep asks the same few again and again. */
const shown = new WeakMap<DecodedSet, Map<string, string>>();

/** "CapEff, CapPrm and CapBnd hold CAP_A, CAP_B": which sets hold which of `names`. */
export function capsShow(item: ProcRecord, names: string[]): string {
  const caps = item.capabilities;
  if (!caps) return '';
  let byEff = shown.get(caps.effective);
  if (!byEff) shown.set(caps.effective, (byEff = new Map()));
  const key = `${caps.permitted.mask}/${caps.bounding.mask}/${names.join(',')}`;
  let text = byEff.get(key);
  if (text === undefined) byEff.set(key, (text = sentence(item, names)));
  return text;
}

function sentence(item: ProcRecord, names: string[]): string {
  const groups = new Map<string, string[]>();
  const wanted = new Set(names);
  for (const [key, field] of CAP_SETS) {
    const set = item.capabilities?.[key];
    if (!set?.names) continue;
    const inSet = set.names.filter((n) => wanted.has(n)).join(', ');
    if (inSet) groups.set(inSet, [...(groups.get(inSet) ?? []), field]);
  }
  return [...groups].map(([list, fields]) =>
    `${fields.length > 1 ? `${fields.slice(0, -1).join(', ')} and ${fields.at(-1)} hold` : `${fields[0]} holds`} ${list}`).join('; ');
}

/** Root inside a user namespace of its own whose uid 0 maps to a non-zero host uid: not root on the node. */
export function unprivilegedRoot(item: ProcRecord): { hostUid: number; map: string } | null {
  if (!item.uidMap || isHostMap(item.uidMap)) return null;
  const hostUid = toHost(item.uidMap, 0);
  if (hostUid === null || hostUid === 0) return null;
  return { hostUid, map: idMapLine(item.uidMap) };
}

/** Sysctls baseline allows (the "safe" set, as of Kubernetes 1.33). */
export const SAFE_SYSCTLS: readonly string[] = [
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
];

/** What to change when a control is not met. */
const FIX: Record<string, string> = {
  'baseline/HostProcess': 'remove windowsOptions.hostProcess',
  'baseline/Host Namespaces': 'remove hostPID, hostNetwork and hostIPC',
  'baseline/Privileged Containers': 'set privileged: false and add only the capabilities the process needs',
  'baseline/Capabilities': 'add none beyond baseline\'s list (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, ' +
    'MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT)',
  'baseline/HostPath Volumes': 'use no hostPath volume (a PersistentVolumeClaim, or a CSI driver, instead)',
  'baseline/Host Ports': 'set no hostPort (a Service instead)',
  'baseline/AppArmor': 'set appArmorProfile.type: RuntimeDefault (or Localhost)',
  'baseline/SELinux': 'leave seLinuxOptions.type unset (the runtime gives container_t), and user and role too',
  'baseline//proc Mount Type': 'leave procMount unset (Default) and the container unprivileged',
  'baseline/Seccomp': 'set seccompProfile.type: RuntimeDefault (or Localhost)',
  'baseline/Sysctls': `set only the safe sysctls (${SAFE_SYSCTLS.join(', ')})`,
  'restricted/Volume Types': 'use only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes',
  'restricted/Privilege Escalation': 'set allowPrivilegeEscalation: false',
  'restricted/Running as Non-root': 'set runAsNonRoot: true and a non-zero runAsUser (or hostUsers: false, where root is an unprivileged host uid)',
  'restricted/Seccomp': 'set seccompProfile.type: RuntimeDefault (or Localhost)',
  'restricted/Capabilities': 'set capabilities.drop: [ALL] and add back NET_BIND_SERVICE at most',
};

/** Why a read has no mounts to judge from, for the controls that would use them. */
function mountsMissing(item: ProcRecord): string {
  if (item.debugContainer) return 'read through a debug container, whose mounts are its own';
  if (item.where.node !== null) return 'a node read does not read each container\'s mounts';
  return 'the container\'s mountinfo was not read';
}

/**
 * One process → every control, how it was judged and whether it is met, and
 * the highest level they allow. Pure. null when there is nothing to judge (a
 * failed read). `spec` is null for processes outside any pod: the controls
 * only a spec can answer are then not judged.
 */
export function evaluatePss(item: ProcRecord, spec: SecuritySpec | null): PodSecurity | null {
  if (item.failure !== null || !item.capabilities) return null;
  const controls: ControlResult[] = [];
  const judge = (control: Control, level: ControlResult['level'], judged: JudgedBy, met: boolean | null, shows: string, unverified?: string) =>
    controls.push({ control, level, judged, met: judged === 'not judged' ? null : met, shows, ...(unverified ? { unverified } : {}) });
  const noSpec = 'not a pod: there is no spec to judge it by';
  const specOnly = (control: Control, level: ControlResult['level'], met: (s: SecuritySpec) => [boolean, string]) => {
    if (!spec) return judge(control, level, 'not judged', null, noSpec);
    const [ok, shows] = met(spec);
    judge(control, level, 'spec', ok, shows);
  };
  const mounts = item.mounts && item.mounts.entries.length > 0 ? item.mounts : null;

  // --- baseline ---------------------------------------------------------
  // A process whose /proc/PID/status was read runs on Linux, where HostProcess containers do not exist.
  judge('HostProcess', 'baseline', 'kernel', !spec?.hostProcess,
    spec?.hostProcess ? 'the spec sets windowsOptions.hostProcess: true, yet the process runs on Linux' : 'a Linux process: no HostProcess container');

  {
    const shared = spec ? (['hostNetwork', 'hostIPC'] as const).filter((k) => spec[k]) : [];
    const pid = item.hostPidNamespace;
    const pidText = pid === true ? 'the host\'s PID namespace (kthreadd, a kernel thread, is in it)'
      : pid === false ? 'a PID namespace of its own' : spec?.hostPID ? 'the spec sets hostPID: true' : 'hostPID unset in the spec';
    const restText = spec ? (shared.length ? `the spec sets ${shared.map((k) => `${k}: true`).join(', ')}` : 'hostNetwork and hostIPC unset in the spec')
      : 'network and IPC namespaces not judged (no spec)';
    const hostPid = pid ?? spec?.hostPID ?? false;
    if (!spec && pid === null) judge('Host Namespaces', 'baseline', 'not judged', null, noSpec);
    else {
      judge('Host Namespaces', 'baseline', pid !== null ? 'kernel' : 'spec', !hostPid && shared.length === 0,
        `${pidText}; ${restText} (/proc does not show network and IPC namespaces)`,
        pid === null ? 'the read could not tell its PID namespace' : undefined);
    }
  }

  const all = holdsAll(item);
  const mask = mounts ? procMountOf(mounts) : null;
  {
    const shows = [
      all ? 'CapEff holds every capability' : 'CapEff does not hold every capability',
      mask ? (mask.type === 'Unmasked' ? '/proc is unmasked' : '/proc is masked') : null,
      item.seccomp === 'disabled' ? 'Seccomp is 0' : item.seccomp ? `Seccomp is ${seccompText(item)}` : null,
    ].filter(Boolean).join('; ');
    judge('Privileged Containers', 'baseline', 'kernel', !all && !spec?.privileged, spec?.privileged && !all ? `the spec sets privileged: true; ${shows}` : shows);
  }

  // The spec's own adds count too: admission rejects an `add` of CAP_NET_RAW even though the default set holds it.
  const beyondBaseline = heldBeyond(item, RUNTIME_DEFAULT_CAPABILITIES);
  const addedBeyond = (spec?.capabilitiesAdd ?? []).filter((n) => !BASELINE_CAPABILITIES.includes(n)).map((n) => (n === 'CAP_ALL' ? 'ALL' : n));
  if (beyondBaseline === null) {
    judge('Capabilities', 'baseline', 'not judged', null, 'a capability set did not decode');
  } else {
    const shows = [beyondBaseline.length ? `${capsShow(item, beyondBaseline)}, beyond baseline's list` : '',
      addedBeyond.length ? `the spec adds ${addedBeyond.join(', ')}` : ''].filter(Boolean).join('; ');
    // Privileged Containers says every capability: told there, not twice.
    judge('Capabilities', 'baseline', 'kernel', all || (!beyondBaseline.length && !addedBeyond.length),
      shows || 'no capability beyond baseline\'s list (the runtime\'s default set at most)');
  }

  if (mounts) {
    const found = hostMountsOf(mounts, spec?.hostPathMounts ?? []);
    const elsewhere = (spec?.hostPathVolumes ?? []).length > 0 && found.length === 0;
    judge('HostPath Volumes', 'baseline', 'kernel', found.length === 0 && !elsewhere,
      found.length ? `host paths mounted: ${found.map((m) => `${m.root} at ${m.mountPoint}`).join(', ')}`
        : elsewhere ? `no host path mounted in this container; the pod declares hostPath ${spec!.hostPathVolumes.join(', ')}`
          : 'no host path mounted (mountinfo)');
  } else if (spec) {
    judge('HostPath Volumes', 'baseline', 'spec', spec.hostPathVolumes.length === 0,
      spec.hostPathVolumes.length ? `the spec declares hostPath ${spec.hostPathVolumes.join(', ')}` : 'the spec declares no hostPath volume',
      mountsMissing(item));
  } else {
    judge('HostPath Volumes', 'baseline', 'not judged', null, noSpec);
  }

  specOnly('Host Ports', 'baseline', (s) => [s.hostPorts.length === 0,
    s.hostPorts.length ? `the spec sets hostPort ${s.hostPorts.join(', ')}` : 'no hostPort in the spec']);

  const lsm = item.lsm;
  if (lsm?.kind === 'apparmor') {
    judge('AppArmor', 'baseline', 'kernel', !lsm.unconfined,
      lsm.unconfined ? `attr/current is "${lsm.label}": no AppArmor profile confines it` : `confined by ${lsm.profile} (${lsm.mode})`);
  } else {
    specOnly('AppArmor', 'baseline', (s) => [s.appArmorProfile !== 'Unconfined',
      s.appArmorProfile === 'Unconfined' ? 'the spec sets appArmorProfile Unconfined' : `no AppArmor label in the kernel; the spec sets ${s.appArmorProfile ?? 'no profile'}`]);
  }
  if (lsm?.kind === 'selinux') {
    const ok = SELINUX_TYPES.includes(lsm.profile ?? '') && !spec?.seLinuxUser && !spec?.seLinuxRole;
    judge('SELinux', 'baseline', 'kernel', ok, SELINUX_TYPES.includes(lsm.profile ?? '')
      ? `the SELinux type is ${lsm.profile}${spec?.seLinuxUser || spec?.seLinuxRole ? '; the spec sets seLinuxOptions user or role' : ''}`
      : `the SELinux type is ${lsm.profile} ("${lsm.label}"), not one of ${SELINUX_TYPES.join(', ')}`);
  } else {
    specOnly('SELinux', 'baseline', (s) => {
      const ok = (s.seLinuxType === null || SELINUX_TYPES.includes(s.seLinuxType)) && !s.seLinuxUser && !s.seLinuxRole;
      return [ok, ok ? 'no SELinux label in the kernel; the spec sets no disallowed seLinuxOptions'
        : `the spec sets seLinuxOptions ${[s.seLinuxType && `type ${s.seLinuxType}`, s.seLinuxUser && `user ${s.seLinuxUser}`, s.seLinuxRole && `role ${s.seLinuxRole}`].filter(Boolean).join(', ')}`];
    });
  }

  if (mask) {
    judge('/proc Mount Type', 'baseline', 'kernel', mask.type === 'Default', mask.type === 'Default'
      ? `/proc is masked as a runtime leaves it: ${mask.masked.join(', ')} masked, ${mask.readOnly.join(', ')} read-only`
      : mask.type === 'Unmasked' ? `/proc is unmasked: none of the runtime's masked paths is masked, and ${mask.writable.join(', ')} is writable`
        : `/proc is masked only in part: ${mask.masked.length ? `${mask.masked.join(', ')} masked` : 'nothing masked'}, ${mask.writable.length ? `${mask.writable.join(', ')} writable` : 'read-only paths read-only'}`);
  } else if (spec) {
    // The standard's check is on procMount; privileged (which also leaves /proc unmasked) is its own control.
    judge('/proc Mount Type', 'baseline', 'spec', spec.procMount !== 'Unmasked',
      spec.procMount === 'Unmasked' ? 'the spec sets procMount: Unmasked' : 'procMount unset (Default) in the spec', mountsMissing(item));
  } else {
    judge('/proc Mount Type', 'baseline', 'not judged', null, noSpec);
  }

  // Baseline forbids only an explicit Unconfined; the kernel shows the mode, not whether the spec left it unset.
  specOnly('Seccomp', 'baseline', (s) => [s.seccompProfile !== 'Unconfined',
    `${s.seccompProfile === 'Unconfined' ? 'the spec sets seccompProfile Unconfined' : `the spec sets ${s.seccompProfile ?? 'no seccompProfile'}`}; the kernel shows Seccomp ${seccompText(item)}`]);

  specOnly('Sysctls', 'baseline', (s) => {
    const unsafe = s.sysctls.filter((n) => !SAFE_SYSCTLS.includes(n));
    return [unsafe.length === 0, unsafe.length ? `the spec sets sysctls ${unsafe.join(', ')}` : s.sysctls.length ? `only safe sysctls (${s.sysctls.join(', ')})` : 'no sysctls in the spec'];
  });

  // --- restricted -------------------------------------------------------
  specOnly('Volume Types', 'restricted', (s) => [s.otherVolumeTypes.length === 0,
    s.otherVolumeTypes.length ? `the pod uses ${s.otherVolumeTypes.join(', ')} volumes` : 'only volume types restricted allows']);

  if (item.noNewPrivs === null) judge('Privilege Escalation', 'restricted', 'not judged', null, 'NoNewPrivs did not come back');
  else {
    judge('Privilege Escalation', 'restricted', 'kernel', item.noNewPrivs,
      item.noNewPrivs ? 'NoNewPrivs is 1' : 'NoNewPrivs is 0: setuid binaries and file capabilities can raise its privileges');
  }
  // Root in a user namespace of its own maps to an unprivileged host uid; the
  // standard relaxes runAsNonRoot for such pods (UserNamespacesPodSecurityStandards):
  // https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/#integration-with-pod-security-admission-checks
  if (!item.uid) judge('Running as Non-root', 'restricted', 'not judged', null, 'Uid did not come back');
  else {
    const root = item.uid.slice(0, 3).includes(0) && !unprivilegedRoot(item);
    judge('Running as Non-root', 'restricted', 'kernel', !root,
      root ? `Uid is ${item.uid.join(' ')} (real, effective, saved, fs): root on the node` : `Uid is ${item.uid.join(' ')}`);
  }
  if (item.seccomp === null) judge('Seccomp', 'restricted', 'not judged', null, 'Seccomp did not come back');
  else judge('Seccomp', 'restricted', 'kernel', item.seccomp !== 'disabled', item.seccomp === 'disabled' ? 'Seccomp is 0: no filter' : `Seccomp is ${seccompText(item)}`);
  const beyondRestricted = heldBeyond(item, RESTRICTED_CAPABILITIES);
  if (beyondRestricted === null) judge('Capabilities', 'restricted', 'not judged', null, 'a capability set did not decode');
  else {
    const raw = beyondRestricted.includes('CAP_NET_RAW') && !(spec?.capabilitiesAdd ?? []).includes('CAP_NET_RAW')
      ? '. CAP_NET_RAW is not on baseline\'s list either; the runtime\'s default set grants it, and admission passes the pod because its spec adds nothing'
      : '';
    judge('Capabilities', 'restricted', 'kernel', beyondRestricted.length === 0,
      beyondRestricted.length ? capsShow(item, beyondRestricted) + raw : 'no capability but NET_BIND_SERVICE at most');
  }

  // A control that could not be judged (its field did not come back) holds its level back: a level is
  // never claimed on what was not looked at. Outside a pod, the controls only a spec answers do not apply.
  const counts = (c: ControlResult) => c.met === false || (c.met === null && c.shows !== noSpec);
  const failsAt = (l: ControlResult['level']) => controls.some((c) => c.level === l && counts(c));
  const level: Level = failsAt('baseline') ? 'privileged' : failsAt('restricted') ? 'baseline' : 'restricted';
  const claimed = controls.filter((c) => level === 'restricted' || (level === 'baseline' && c.level === 'baseline'));
  return {
    level,
    assumed: claimed.some((c) => c.unverified !== undefined),
    unmet: controls.filter((c) => c.met === false).map((c) => ({ control: c.control, level: c.level, shows: c.shows, fix: FIX[`${c.level}/${c.control}`] })),
    controls,
  };
}

function seccompText(item: ProcRecord): string {
  return item.seccomp === 'disabled' ? '0' : item.seccomp === 'strict' ? '1' : item.seccomp === 'filter' ? '2' : '?';
}

import { CAPABILITY_NAMES, type DecodedSet } from '../decode/capabilities.js';
import type { ProcRecord } from '../record/record.js';
import type { SecuritySpec } from './policy.js';
import { isHostMap, toHost } from '../procfs/idmap.js';

/**
 * The Pod Security Standards, judged on what the kernel shows for a process
 * rather than on what the pod spec asks for:
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/
 *
 * Each control keeps the standard's own name. Controls /proc cannot show
 * (HostProcess, HostPath Volumes, Host Ports, /proc Mount Type, Sysctls,
 * Volume Types) are admission's job and are not judged here; Host
 * Namespaces and the baseline Seccomp control are read from the spec, since
 * /proc/PID/status does not show them.
 */
export type Level = 'privileged' | 'baseline' | 'restricted';
export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

export const PSS_URL = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/';

export type Control =
  | 'Host Namespaces' | 'Privileged Containers' | 'Capabilities' | 'AppArmor' | 'SELinux' | 'Seccomp'
  | 'Privilege Escalation' | 'Running as Non-root';

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
  unmet: UnmetControl[];
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
  return { hostUid, map: item.uidMap.map((r) => `${r.inside} ${r.outside} ${r.count}`).join(', ') };
}

/**
 * One process → the highest level it meets and the controls it fails. Pure.
 * null when there is nothing to judge (a failed read). `spec` is null for
 * processes outside any pod; the spec-only controls are then not judged.
 */
export function evaluatePss(item: ProcRecord, spec: SecuritySpec | null): PodSecurity | null {
  if (item.failure !== null || !item.capabilities) return null;
  const unmet: UnmetControl[] = [];
  const add = (control: Control, level: UnmetControl['level'], shows: string, fix: string) =>
    unmet.push({ control, level, shows, fix });

  // --- baseline ---------------------------------------------------------
  if (spec) {
    const shared = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => spec[k]);
    if (shared.length) {
      add('Host Namespaces', 'baseline', `the spec sets ${shared.map((k) => `${k}: true`).join(', ')} (namespaces are not in /proc/PID/status)`,
        `remove ${shared.join(', ')}`);
    }
  }

  const all = holdsAll(item);
  if (all || spec?.privileged) {
    add('Privileged Containers', 'baseline', all ? 'CapEff holds every capability' : 'the spec sets privileged: true',
      'set privileged: false and add only the capabilities the process needs');
  }

  // The spec's own adds count too: admission rejects an `add` of CAP_NET_RAW even though the default set holds it.
  const beyondBaseline = heldBeyond(item, RUNTIME_DEFAULT_CAPABILITIES);
  const addedBeyond = (spec?.capabilitiesAdd ?? []).filter((n) => !BASELINE_CAPABILITIES.includes(n)).map((n) => (n === 'CAP_ALL' ? 'ALL' : n));
  if (!all && beyondBaseline && (beyondBaseline.length || addedBeyond.length)) {
    const shows = [beyondBaseline.length ? `${capsShow(item, beyondBaseline)}, beyond baseline's list` : '',
      addedBeyond.length ? `the spec adds ${addedBeyond.join(', ')}` : ''].filter(Boolean).join('; ');
    add('Capabilities', 'baseline', shows, 'add none beyond baseline\'s list (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, ' +
      'MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT)');
  }

  const lsm = item.lsm;
  if ((lsm?.kind === 'apparmor' && lsm.unconfined) || spec?.appArmorProfile === 'Unconfined') {
    add('AppArmor', 'baseline',
      lsm?.kind === 'apparmor' && lsm.unconfined ? `attr/current is "${lsm.label}": no AppArmor profile confines it` : 'the spec sets appArmorProfile Unconfined',
      'set appArmorProfile.type: RuntimeDefault (or Localhost)');
  }
  if (lsm?.kind === 'selinux' && !SELINUX_TYPES.includes(lsm.profile ?? '')) {
    add('SELinux', 'baseline', `the SELinux type is ${lsm.profile} ("${lsm.label}"), not one of ${SELINUX_TYPES.join(', ')}`,
      'leave seLinuxOptions.type unset (the runtime gives container_t)');
  }
  if (spec?.seccompProfile === 'Unconfined') {
    add('Seccomp', 'baseline', `the spec sets seccompProfile Unconfined; the kernel shows Seccomp ${seccompText(item)}`,
      'set seccompProfile.type: RuntimeDefault (or Localhost)');
  }

  // --- restricted -------------------------------------------------------
  if (item.noNewPrivs === false) {
    add('Privilege Escalation', 'restricted', 'NoNewPrivs is 0: setuid binaries and file capabilities can raise its privileges',
      'set allowPrivilegeEscalation: false');
  }
  // Root in a user namespace of its own maps to an unprivileged host uid; the
  // standard relaxes runAsNonRoot for such pods (UserNamespacesPodSecurityStandards):
  // https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/#integration-with-pod-security-admission-checks
  if (item.uid && item.uid.slice(0, 3).includes(0) && !unprivilegedRoot(item)) {
    add('Running as Non-root', 'restricted', `Uid is ${item.uid.join(' ')} (real, effective, saved, fs): root on the node`,
      'set runAsNonRoot: true and a non-zero runAsUser (or hostUsers: false, where root is an unprivileged host uid)');
  }
  if (item.seccomp === 'disabled') {
    add('Seccomp', 'restricted', 'Seccomp is 0: no filter', 'set seccompProfile.type: RuntimeDefault (or Localhost)');
  }
  const beyondRestricted = heldBeyond(item, RESTRICTED_CAPABILITIES);
  if (beyondRestricted && beyondRestricted.length) {
    const raw = beyondRestricted.includes('CAP_NET_RAW') && !(spec?.capabilitiesAdd ?? []).includes('CAP_NET_RAW')
      ? '. CAP_NET_RAW is not on baseline\'s list either; the runtime\'s default set grants it, and admission passes the pod because its spec adds nothing'
      : '';
    add('Capabilities', 'restricted', capsShow(item, beyondRestricted) + raw, 'set capabilities.drop: [ALL] and add back NET_BIND_SERVICE at most');
  }

  const level: Level = unmet.some((u) => u.level === 'baseline') ? 'privileged' : unmet.length ? 'baseline' : 'restricted';
  return { level, unmet };
}

function seccompText(item: ProcRecord): string {
  return item.seccomp === 'disabled' ? '0' : item.seccomp === 'strict' ? '1' : item.seccomp === 'filter' ? '2' : '?';
}

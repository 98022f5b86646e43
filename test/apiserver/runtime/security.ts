// A container's securityContext turned into process credentials, the way
// kubelet + containerd + runc build them
// (https://kubernetes.io/docs/tasks/configure-pod-container/security-context/):
//
//   user       runAsUser, else the pod's runAsUser, else the image's user (root)
//   group      runAsGroup, else the pod's runAsGroup, else the user's group in
//              the image's /etc/passwd, else 0
//   groups     the pod's supplementalGroups (nothing else: --clear-groups)
//   caps       privileged: all; otherwise containerd's default set, minus
//              capabilities.drop ("ALL" drops all), plus capabilities.add.
//              It is the bounding set; a root process also has it as its
//              permitted and effective sets, a non-root one has none (no
//              ambient capabilities, as in Kubernetes). Inheritable is empty.
//   no_new_privs   allowPrivilegeEscalation: false
//   read-only root readOnlyRootFilesystem: true
//   runAsNonRoot   refuses to start a container that would run as uid 0
//
// Applied with capsh (libcap2-bin), which can chroot, then set groups, gid,
// uid, bounding and inheritable sets and no_new_privs, then exec, all from
// outside the container's root: setpriv cannot chroot, so it would have to be
// a file inside the image.

import type { PasswdEntry } from './images.ts';

/** Capability names by number (linux/capability.h), lower case without CAP_. */
export const CAP_NAMES = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner',
  'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
  'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap',
  'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
];

/** containerd's (and Docker's) default capabilities for a non-privileged container: CapEff 00000000a80425fb for root. */
export const DEFAULT_CAPS = [
  'chown', 'dac_override', 'fsetid', 'fowner', 'mknod', 'net_raw', 'setgid', 'setuid', 'setfcap', 'setpcap',
  'net_bind_service', 'sys_chroot', 'kill', 'audit_write',
];

export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  [k: string]: unknown;
}

export interface PodSecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  supplementalGroups?: number[];
  [k: string]: unknown;
}

export interface Credentials {
  uid: number;
  gid: number;
  groups: number[];
  /** Capability numbers of the bounding set (sorted). */
  caps: number[];
  noNewPrivs: boolean;
  readOnlyRoot: boolean;
  /** HOME as the runtime sets it: the user's home in the image's passwd, else /. */
  home: string;
}

/** A container the kubelet refuses to create, with the state.waiting reason and message to report. */
export interface CredentialError {
  reason: 'CreateContainerConfigError' | 'CreateContainerError';
  message: string;
}

function capNumber(name: string, lastCap: number): number | undefined {
  const n = name.trim().toLowerCase().replace(/^cap_/, '');
  const i = CAP_NAMES.indexOf(n);
  return i >= 0 && i <= lastCap ? i : undefined;
}

/** A capability set (numbers, sorted) with these names (`NET_RAW`, `CAP_NET_RAW`) added; names this kernel does not know are left out. */
export function withCapabilities(caps: readonly number[], names: readonly string[], lastCap = CAP_NAMES.length - 1): number[] {
  const added = names.map((n) => capNumber(n, lastCap)).filter((n): n is number => n !== undefined);
  return [...new Set([...caps, ...added])].sort((a, b) => a - b);
}

/**
 * Credentials for a container, or why it cannot be created. `podRef` is the
 * kubelet's pod reference, `name_namespace(uid)`.
 */
export function resolveCredentials(
  sc: SecurityContext | undefined,
  podSc: PodSecurityContext | undefined,
  passwd: PasswdEntry[],
  podRef: string,
  container: string,
  lastCap = CAP_NAMES.length - 1,
): Credentials | CredentialError {
  const s = sc ?? {};
  const p = podSc ?? {};
  const explicitUid = s.runAsUser ?? p.runAsUser;
  const uid = explicitUid ?? 0;
  const entry = passwd.find((e) => e.uid === uid);
  const gid = s.runAsGroup ?? p.runAsGroup ?? entry?.gid ?? 0;
  const nonRoot = s.runAsNonRoot ?? p.runAsNonRoot;
  if (nonRoot && uid === 0) {
    // pkg/kubelet/kuberuntime/security_context_others.go verifyRunAsNonRoot
    return {
      reason: 'CreateContainerConfigError',
      message:
        explicitUid === undefined
          ? `container has runAsNonRoot and image will run as root (pod: "${podRef}", container: ${container})`
          : `container's runAsUser breaks non-root policy (pod: "${podRef}", container: ${container})`,
    };
  }
  const all = Array.from({ length: lastCap + 1 }, (_, i) => i);
  let caps: Set<number>;
  if (s.privileged) {
    caps = new Set(all);
  } else {
    caps = new Set(DEFAULT_CAPS.map((c) => capNumber(c, lastCap)).filter((n): n is number => n !== undefined));
    for (const [list, op] of [
      [s.capabilities?.drop ?? [], 'drop'],
      [s.capabilities?.add ?? [], 'add'],
    ] as const) {
      for (const name of list) {
        if (String(name).toUpperCase() === 'ALL') {
          caps = op === 'drop' ? new Set() : new Set(all);
          continue;
        }
        const n = capNumber(String(name), lastCap);
        if (n === undefined) {
          const shown = String(name).toUpperCase().startsWith('CAP_') ? String(name).toUpperCase() : `CAP_${String(name).toUpperCase()}`;
          return {
            reason: 'CreateContainerError',
            message: `failed to generate container spec: unknown capability "${shown}"`,
          };
        }
        if (op === 'drop') caps.delete(n);
        else caps.add(n);
      }
    }
  }
  return {
    uid,
    gid,
    groups: [...(p.supplementalGroups ?? [])],
    caps: [...caps].sort((a, b) => a - b),
    noNewPrivs: s.allowPrivilegeEscalation === false && !s.privileged,
    readOnlyRoot: s.readOnlyRootFilesystem === true,
    home: entry?.home ?? '/',
  };
}

/**
 * capsh arguments (after --chroot) that give a process these credentials:
 * bounding set and inheritable set first (they need CAP_SETPCAP), then
 * groups, gid and uid (a non-zero uid clears the permitted and effective
 * sets), then no_new_privs.
 */
export function capshCredentialArgs(c: Credentials, lastCap = CAP_NAMES.length - 1): string[] {
  const args = ['--inh='];
  const keep = new Set(c.caps);
  const drop: string[] = [];
  for (let i = 0; i <= lastCap; i++) if (!keep.has(i)) drop.push(i < CAP_NAMES.length ? `cap_${CAP_NAMES[i]}` : String(i));
  if (keep.size === 0) args.push('--drop=all');
  else if (drop.length) args.push(`--drop=${drop.join(',')}`);
  args.push(`--gid=${c.gid}`, `--groups=${c.groups.join(',')}`, `--uid=${c.uid}`);
  if (c.noNewPrivs) args.push('--no-new-privs');
  return args;
}

/** The capability mask as /proc/<pid>/status prints it (CapBnd), for tests and logs. */
export function capMask(caps: number[]): string {
  let m = 0n;
  for (const c of caps) m |= 1n << BigInt(c);
  return m.toString(16).padStart(16, '0');
}

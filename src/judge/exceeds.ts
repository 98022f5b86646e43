import type { ProcRecord } from '../record/record.js';
import type { SecuritySpec } from './policy.js';
import { isHostMap } from '../procfs/idmap.js';
import { hostMountsOf, procMountOf } from './mounts.js';
import { capsShow, heldBeyond, RUNTIME_DEFAULT_CAPABILITIES, type Control } from './pss.js';

/**
 * Where the kernel contradicts the container's securityContext (container
 * settings over the pod's, src/sources/policy.ts): the runtime ignored, or
 * did not honour, what the spec asked for. Admission judged the spec, so it
 * passed the pod; these are what it could not see. Pure.
 * https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
 */
export interface Contradiction {
  /** The Pod Security Standards control it bears on, or null for none (runAsGroup). */
  control: Control | null;
  message: string;
}

export function contradictions(item: ProcRecord, sc: SecuritySpec): Contradiction[] {
  const out: Contradiction[] = [];
  const say = (control: Control | null, message: string) => out.push({ control, message });
  const caps = item.capabilities;
  const eff = caps?.effective.names ?? [];
  const bnd = caps?.bounding.names ?? [];
  const add = new Set(sc.capabilitiesAdd);
  const drop = sc.capabilitiesDrop;

  // Capabilities: what the spec drops must be gone; nothing beyond the runtime's default set and `add` may appear.
  if (caps) {
    if (drop.includes('CAP_ALL')) {
      const extra = bnd.filter((n) => !add.has(n));
      if (extra.length) say('Capabilities', `the spec drops ALL capabilities, but the bounding set still holds ${extra.join(', ')}`);
    } else {
      const kept = drop.filter((n) => bnd.includes(n) || eff.includes(n));
      if (kept.length) say('Capabilities', `the spec drops ${kept.join(', ')}, but the process still has ${kept.length === 1 ? 'it' : 'them'}`);
    }
    // `add: [ALL]` grants everything, as privileged does (baseline says what it thinks of that).
    if (!sc.privileged && !add.has('CAP_ALL')) {
      const granted = heldBeyond(item, [...RUNTIME_DEFAULT_CAPABILITIES, ...add]);
      if (granted && granted.length) {
        say('Capabilities', `${capsShow(item, granted)}, which neither the runtime's default set nor capabilities.add grants ` +
          '(the container is not privileged): admission passed the spec, the kernel says otherwise');
      }
    }
  }

  // Host PID namespace: kthreadd in its PID namespace (or, on a node, one PID level only), though the spec did not ask for hostPID.
  if (!sc.hostPID && item.hostPidNamespace === true) {
    say('Host Namespaces', 'the spec does not set hostPID, but the process is in the host\'s PID namespace (it sees kthreadd)');
  }
  if (item.mounts && item.mounts.entries.length > 0) {
    // /proc: the spec asks for the default (masked), the runtime left it unmasked.
    const proc = procMountOf(item.mounts);
    if (!sc.privileged && sc.procMount !== 'Unmasked' && proc.type === 'Unmasked') {
      say('/proc Mount Type', 'the spec asks for the default /proc (masked), but none of the runtime\'s masked paths is masked and /proc/sys is writable');
    }
    // Host paths the spec does not declare.
    const undeclared = hostMountsOf(item.mounts, sc.hostPathMounts).filter((m) => !sc.hostPathMounts.includes(m.mountPoint));
    if (undeclared.length && sc.hostPathVolumes.length === 0) {
      say('HostPath Volumes', `the spec declares no hostPath volume, but ${undeclared.map((m) => `${m.root} is mounted at ${m.mountPoint}`).join(', ')}`);
    }
  }

  if (sc.allowPrivilegeEscalation === false && item.noNewPrivs === false) {
    say('Privilege Escalation', 'the spec sets allowPrivilegeEscalation: false, but NoNewPrivs is 0');
  }

  // Seccomp: RuntimeDefault and Localhost both load a filter (mode 2).
  if ((sc.seccompProfile === 'RuntimeDefault' || sc.seccompProfile === 'Localhost') && item.seccomp === 'disabled') {
    say('Seccomp', `the spec asks seccompProfile ${sc.seccompProfile}, but the kernel shows Seccomp 0: the runtime loaded no filter`);
  }

  // Identity: uid and gid as the container sees them (inside its user namespace), as the kubelet checks them.
  const euid = item.uid?.[1];
  if (euid !== undefined) {
    if (sc.runAsNonRoot === true && item.uid!.slice(0, 3).includes(0)) {
      say('Running as Non-root', `the spec sets runAsNonRoot: true, but Uid is ${item.uid!.join(' ')}`);
    }
    if (sc.runAsUser !== null && euid !== sc.runAsUser) {
      say(sc.runAsUser !== 0 && euid === 0 ? 'Running as Non-root' : null, `the spec sets runAsUser: ${sc.runAsUser}, but the effective uid is ${euid}`);
    }
  }
  const egid = item.gid?.[1];
  if (egid !== undefined && sc.runAsGroup !== null && egid !== sc.runAsGroup) {
    say(null, `the spec sets runAsGroup: ${sc.runAsGroup}, but the effective gid is ${egid}`);
  }

  // User namespace: hostUsers: false must leave the host's identity map.
  // https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/
  if (!sc.hostUsers && item.uidMap && isHostMap(item.uidMap)) {
    say(item.uid && item.uid.slice(0, 3).includes(0) ? 'Running as Non-root' : null,
      'the spec sets hostUsers: false, but uid_map is the host\'s identity map (0 0 4294967295): the runtime ignored it' +
      (item.uid?.[1] === 0 ? ', and uid 0 here is root on the node' : ''));
  }

  // AppArmor: said only where the kernel has an AppArmor label to compare; without an LSM (lsm null) nothing is guessed.
  // https://kubernetes.io/docs/tutorials/security/apparmor/
  const lsm = item.lsm;
  const asked = sc.appArmorProfile === 'RuntimeDefault' || sc.appArmorProfile === 'Localhost';
  if (asked && lsm?.kind === 'apparmor') {
    const wanted = sc.appArmorProfile === 'Localhost' ? `Localhost profile ${sc.appArmorLocalhostProfile ?? '(unnamed)'}` : 'RuntimeDefault';
    if (lsm.unconfined) {
      say('AppArmor', `the spec asks appArmorProfile ${wanted}, but attr/current is "${lsm.label}": the process is unconfined`);
    } else if (lsm.mode === 'complain') {
      say('AppArmor', `the spec asks appArmorProfile ${wanted}, but profile ${lsm.profile} is in complain mode: it logs, it does not deny`);
    } else if (sc.appArmorProfile === 'Localhost' && sc.appArmorLocalhostProfile && lsm.profile !== sc.appArmorLocalhostProfile) {
      say('AppArmor', `the spec asks appArmorProfile ${wanted}, but the process runs under ${lsm.profile}`);
    }
  }
  return out;
}

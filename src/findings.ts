import { CAPABILITY_NAMES, capabilityFullName } from './decode/capabilities.js';
import type { ProcItem } from './item.js';
import type { ContainerSpec, Pod } from './kube/pod.js';

export type Severity = 'info' | 'warning' | 'critical';
export const SEVERITIES: Severity[] = ['info', 'warning', 'critical'];

export interface Finding {
  id: string;
  severity: Severity;
  message: string;
}

/**
 * Effective capabilities that amount to root over the node or other pods.
 * https://man7.org/linux/man-pages/man7/capabilities.7.html and the
 * Pod Security Standards' "baseline" list of allowed ones:
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
export const DANGEROUS = [
  'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_NET_ADMIN', 'CAP_DAC_READ_SEARCH',
  'CAP_BPF', 'CAP_PERFMON', 'CAP_SYS_BOOT', 'CAP_SYS_TIME', 'CAP_MAC_ADMIN', 'CAP_MAC_OVERRIDE', 'CAP_SYSLOG',
  'CAP_SYS_RESOURCE', 'CAP_LINUX_IMMUTABLE', 'CAP_CHECKPOINT_RESTORE',
];

export interface FindingContext {
  /** The container's spec, when the item came from a pod. */
  spec?: ContainerSpec;
  pod?: Pod;
}

/** What is worth telling about one process. Pure. */
export function findingsFor(item: ProcItem, ctx: FindingContext = {}): Finding[] {
  if (item.error !== null || !item.capabilities || !item.signals) return [];
  const out: Finding[] = [];
  const inPod = item.pod !== null;
  const eff = item.capabilities.effective.names ?? [];
  const prm = item.capabilities.permitted.names ?? [];
  const bnd = item.capabilities.bounding.names ?? [];

  // https://man7.org/linux/man-pages/man2/kill.2.html: "The only signals that can be sent to
  // process ID 1, the init process, are those for which init has explicitly installed signal
  // handlers." The same holds for the init of a PID namespace (pid_namespaces(7)).
  if (inPod && item.pid === 1) {
    const caught = item.signals.caught.names ?? [];
    const blocked = item.signals.blocked.names ?? [];
    const ignored = item.signals.ignored.names ?? [];
    if (ignored.includes('SIGTERM') || (!caught.includes('SIGTERM') && !blocked.includes('SIGTERM'))) {
      const grace = ctx.pod ? (ctx.pod as { spec: { terminationGracePeriodSeconds?: number } }).spec.terminationGracePeriodSeconds ?? 30 : 30;
      out.push({
        id: 'pid1-ignores-sigterm',
        severity: 'warning',
        message: `PID 1 (${item.name ?? '?'}) ${ignored.includes('SIGTERM') ? 'ignores' : 'has no handler for'} SIGTERM; ` +
          `the kernel gives a PID namespace's init no default action, so every stop waits ${grace}s ` +
          '(terminationGracePeriodSeconds) and ends in SIGKILL. Run it under an init such as tini or dumb-init, or handle SIGTERM',
      });
    }
  }

  const effSet = new Set(eff);
  if (CAPABILITY_NAMES.every((n) => effSet.has(n))) {
    out.push({ id: 'all-capabilities', severity: 'critical', message: 'holds every capability: effectively privileged' });
  } else {
    const bad = DANGEROUS.filter((n) => effSet.has(n));
    if (bad.length) out.push({ id: 'dangerous-capabilities', severity: 'critical', message: `effective ${bad.join(', ')}` });
  }

  if (eff.length || prm.length) {
    if (item.noNewPrivs === false) {
      out.push({ id: 'no-new-privs-off', severity: 'warning', message: 'NoNewPrivs is 0 while the process holds capabilities: setuid binaries and file caps can raise its privileges' });
    }
    if (item.seccomp === 'disabled') {
      out.push({ id: 'seccomp-disabled', severity: 'warning', message: 'seccomp is disabled while the process holds capabilities' });
    }
  }

  if (inPod && item.uid && item.uid[1] === 0) {
    out.push({ id: 'runs-as-root', severity: 'warning', message: 'runs as uid 0' });
  }

  if (ctx.spec) out.push(...specFindings(ctx.spec, eff, bnd, item.noNewPrivs));
  return out;
}

/**
 * The runtime against what the container's securityContext asked for.
 * https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
 */
function specFindings(spec: ContainerSpec, eff: string[], bnd: string[], noNewPrivs: boolean | null): Finding[] {
  const out: Finding[] = [];
  const sc = (spec.securityContext ?? {}) as {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
  };
  const add = new Set((sc.capabilities?.add ?? []).map(capabilityFullName));
  const drop = (sc.capabilities?.drop ?? []).map(capabilityFullName);
  const exceeds = (message: string) => out.push({ id: 'exceeds-spec', severity: 'critical', message });

  if (drop.includes('CAP_ALL')) {
    const extra = bnd.filter((n) => !add.has(n));
    if (extra.length) exceeds(`securityContext drops ALL capabilities, but the bounding set still holds ${extra.join(', ')}`);
  } else {
    const kept = drop.filter((n) => bnd.includes(n) || eff.includes(n));
    if (kept.length) exceeds(`securityContext drops ${kept.join(', ')}, but the process still has ${kept.length === 1 ? 'it' : 'them'}`);
  }
  if (sc.allowPrivilegeEscalation === false && noNewPrivs === false) {
    exceeds('securityContext sets allowPrivilegeEscalation: false, but NoNewPrivs is 0');
  }
  if (!sc.privileged && CAPABILITY_NAMES.every((n) => eff.includes(n))) {
    exceeds('holds every capability although the container is not privileged');
  }
  return out;
}

export function atLeast(severity: Severity, floor: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(floor);
}

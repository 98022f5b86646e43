import { CAPABILITY_NAMES } from './decode/capabilities.js';
import type { Finding } from './finding.js';
import type { ProcItem } from './item.js';
import type { FindingPolicy, SecuritySpec } from './policy.js';

export { atLeast, SEVERITIES, type Finding, type Severity } from './finding.js';

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

/** What is worth telling about one process, judged by the policy. Pure. */
export function findingsFor(item: ProcItem, policy: FindingPolicy): Finding[] {
  if (item.error !== null || !item.capabilities || !item.signals) return [];
  const out: Finding[] = [];
  const inPod = policy.scope === 'pod';
  const eff = item.capabilities.effective.names ?? [];
  const prm = item.capabilities.permitted.names ?? [];
  const bnd = item.capabilities.bounding.names ?? [];

  // https://man7.org/linux/man-pages/man2/kill.2.html: "The only signals that can be sent to
  // process ID 1, the init process, are those for which init has explicitly installed signal
  // handlers." The same holds for the init of a PID namespace (pid_namespaces(7)).
  // A finding never rests on a mask that failed to parse: all three must have decoded.
  const { caught: cgt, blocked: blk, ignored: ign } = item.signals;
  if (inPod && item.pid === 1 && item.tid === null && cgt.names && blk.names && ign.names) {
    const caught = cgt.names;
    const blocked = blk.names;
    const ignored = ign.names;
    if (ignored.includes('SIGTERM') || (!caught.includes('SIGTERM') && !blocked.includes('SIGTERM'))) {
      out.push({
        id: 'pid1-ignores-sigterm',
        severity: 'warning',
        message: `PID 1 (${item.name ?? '?'}) ${ignored.includes('SIGTERM') ? 'ignores' : 'has no handler for'} SIGTERM; ` +
          `the kernel gives a PID namespace's init no default action, so every stop waits ${policy.terminationGracePeriodSeconds}s ` +
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

  if (policy.security) out.push(...specFindings(policy.security, eff, bnd, item.noNewPrivs));
  return out;
}

/**
 * The runtime against what the container's securityContext asked for.
 * https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
 */
function specFindings(sc: SecuritySpec, eff: string[], bnd: string[], noNewPrivs: boolean | null): Finding[] {
  const out: Finding[] = [];
  const add = new Set(sc.capabilitiesAdd);
  const drop = sc.capabilitiesDrop;
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

/** The item with its findings: built once, never changed after. */
export function withFindings(item: ProcItem, policy: FindingPolicy): ProcItem {
  return { ...item, findings: findingsFor(item, policy) };
}

import { contradictions } from './exceeds.js';
import type { Finding, Severity } from './finding.js';
import { innerPid, type ProcRecord } from '../record/record.js';
import type { FindingPolicy } from './policy.js';
import { hostMountsOf } from './mounts.js';
import { evaluatePss, levelAtLeast, PSS_URL, unprivilegedRoot, type Control, type PodSecurity, type UnmetControl } from './pss.js';

export { atLeast, SEVERITIES, type Finding, type Severity } from './finding.js';

/**
 * The finding for each unmet Pod Security Standards control (src/pss.ts).
 * Severity follows the level the control belongs to: a baseline control
 * unmet is a known privilege escalation (critical); a restricted-only gap is
 * hardening the spec did not ask for and the runtime's default does not give
 * (info: `--require-level restricted` is the gate for those). The README's
 * Findings table gives the reasons.
 */
const CONTROL_IDS: Record<string, string> = {
  'baseline/HostProcess': 'host-process',
  'baseline/Host Namespaces': 'host-namespaces',
  'baseline/HostPath Volumes': 'host-path-volume',
  'baseline/Host Ports': 'host-ports',
  'baseline//proc Mount Type': 'proc-unmasked',
  'baseline/Sysctls': 'unsafe-sysctls',
  'restricted/Volume Types': 'volume-types',
  'baseline/Privileged Containers': 'all-capabilities',
  'baseline/Capabilities': 'dangerous-capabilities',
  'baseline/AppArmor': 'apparmor-unconfined',
  'baseline/SELinux': 'selinux-type',
  'baseline/Seccomp': 'seccomp-unconfined',
  'restricted/Privilege Escalation': 'no-new-privs-off',
  'restricted/Running as Non-root': 'runs-as-root',
  'restricted/Seccomp': 'seccomp-disabled',
  'restricted/Capabilities': 'capabilities-not-dropped',
};

/** What is worth telling about one process, judged by the policy. Pure. */
export function findingsFor(item: ProcRecord, policy: FindingPolicy, pss: PodSecurity | null = podSecurityFor(item, policy)): Finding[] {
  if (item.failure !== null || !item.capabilities || !item.signals) return [];
  // A kernel thread runs no program and cannot be changed: nothing to tell (local mode lists them).
  if (policy.scope === 'host' && item.kernelThread) return [];
  const out: Finding[] = [];
  const inPod = policy.scope === 'pod';

  // https://man7.org/linux/man-pages/man2/kill.2.html: "The only signals that can be sent to
  // process ID 1, the init process, are those for which init has explicitly installed signal
  // handlers." The same holds for the init of a PID namespace (pid_namespaces(7)). "PID 1" is the
  // PID in the container's own namespace: a node read sees the container's init as some host PID
  // N with NSpid "N 1".
  // A finding never rests on a mask that failed to parse: all three must have decoded.
  const { caught: cgt, blocked: blk, ignored: ign } = item.signals;
  if (inPod && innerPid(item) === 1 && item.tid === null && cgt.names && blk.names && ign.names) {
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

  // One finding per control: where the kernel contradicts the spec on it, that is the finding
  // (exceeds-spec); else the control's own. A control unmet at both levels is told once, at baseline.
  const told = new Set<Control>();
  const unmet = pss?.unmet ?? [];
  // Privileged Containers implies Capabilities: one finding, not two.
  const privileged = unmet.some((u) => u.control === 'Privileged Containers');
  const against = (policy.security ? contradictions(item, policy.security) : [])
    .map((c) => (privileged && c.control === 'Capabilities' ? { ...c, control: 'Privileged Containers' as const } : c));
  for (const u of unmet) {
    // Privileged is every capability and an unmasked /proc: told once, as Privileged Containers.
    if (told.has(u.control) || (privileged && (u.control === 'Capabilities' || u.control === '/proc Mount Type'))) continue;
    told.add(u.control);
    const contra = against.filter((c) => c.control === u.control);
    if (contra.length) {
      out.push(exceeds(u.control, contra.map((c) => c.message), u));
      continue;
    }
    // Restricted is hardening for pods; the host's own processes run as root, unfiltered, by design.
    // Outside a pod only what breaks baseline is told (the level still says the rest).
    if (!inPod && u.level === 'restricted') continue;
    const severity: Severity = u.level === 'baseline' ? 'critical' : 'info';
    out.push({ id: CONTROL_IDS[`${u.level}/${u.control}`], severity, control: u.control,
      message: `${u.control} (${u.level}): ${u.shows}; ${u.fix}. ${PSS_URL}#${u.level}` });
  }
  // Contradictions on a control the process still meets, or on none.
  const rest = new Map<string, string[]>();
  for (const c of against) {
    if (c.control && told.has(c.control)) continue;
    const key = c.control ?? '';
    rest.set(key, [...(rest.get(key) ?? []), c.message]);
  }
  for (const [control, messages] of rest) out.push(exceeds((control || null) as Control | null, messages, null));

  // A way out of the container, mounted in: critical whatever the spec says or the level.
  const escapes = inPod && item.mounts ? hostMountsOf(item.mounts, policy.security?.hostPathMounts ?? []).filter((m) => m.escape) : [];
  if (escapes.length) {
    out.push({ id: 'host-escape-mount', severity: 'critical', control: 'HostPath Volumes',
      message: `the container mounts ${escapes.map((m) => `${m.escape === 'runtime socket' ? 'a container runtime\'s socket' : m.escape === 'host root' ? 'the host\'s /' : 'the host\'s /proc'} ` +
        `(${m.root} at ${m.mountPoint})`).join(', ')}: whoever runs in it controls the node. ${PSS_URL}#baseline` });
  }

  // Admission passed the spec at the namespace's level; the kernel shows less.
  const ns = policy.namespaceLevel;
  if (inPod && ns && pss && !levelAtLeast(pss.level, ns.level)) {
    // The controls of the namespace's level (and below) that the process does not meet.
    const below = pss.unmet.filter((u) => ns.level === 'restricted' || u.level === 'baseline').map((u) => u.control);
    out.push({ id: 'below-namespace-level', severity: 'critical',
      message: `namespace ${ns.namespace} enforces Pod Security ${ns.level}:${ns.version} (pod-security.kubernetes.io/enforce); ` +
        `admission passed the spec, but the kernel shows ${pss.level}: ${[...new Set(below)].join(', ')} not met` });
  }

  // Root that is not root on the node: worth knowing, nothing to fix.
  const userns = inPod && item.uid?.[1] === 0 ? unprivilegedRoot(item) : null;
  if (userns) {
    out.push({ id: 'userns-root', severity: 'info', message: `uid 0 in a user namespace of its own: host uid ${userns.hostUid} ` +
      `(uid_map ${userns.map}), not root on the node; Running as Non-root holds for such pods ` +
      'https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/' });
  }
  return out;
}

function exceeds(control: Control | null, messages: string[], unmet: UnmetControl | null): Finding {
  const head = control ? `${control}${unmet ? ` (${unmet.level})` : ''}: ` : '';
  const tail = unmet ? `. ${PSS_URL}#${unmet.level}` : '';
  return { id: 'exceeds-spec', severity: 'critical', ...(control ? { control } : {}), message: head + messages.join('; ') + tail };
}

/** The level a process meets; null where there is nothing to judge (failed reads, the host's kernel threads). */
export function podSecurityFor(item: ProcRecord, policy: FindingPolicy): PodSecurity | null {
  if (policy.scope === 'host' && item.kernelThread) return null;
  return evaluatePss(item, policy.security);
}

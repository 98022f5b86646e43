import type { ReportingDescriptor } from 'sarif';
import type { Finding, Severity } from '../judge/finding.js';
import { PSS_URL } from '../judge/pss.js';

/** The project's home (.krew.yaml's homepage): the driver's informationUri, and the help of a finding that links nothing. */
export const HOMEPAGE = 'https://github.com/kubectl-procstatus/kubectl-procstatus';

/** kill(2): "The only signals that can be sent to process ID 1 … are those for which init has explicitly installed signal handlers." */
const KILL_2 = 'https://man7.org/linux/man-pages/man2/kill.2.html';

/** A severity as a SARIF level (§3.27.10): critical is an error, info a note. */
export const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', warning: 'warning', info: 'note' };

/**
 * What each finding id is about, in a line and in a sentence (the README's
 * Findings table). Dashboards show them beside every result of the rule. An
 * id not listed here still gets a rule, described by its control.
 */
const ABOUT: Record<string, { short: string; full: string; tags: string[] }> = {
  'exceeds-spec': {
    short: "The kernel contradicts the container's securityContext",
    full: "What the kernel shows for the process contradicts the container's securityContext (its settings over the pod's): " +
      'the runtime did not do what the spec asked, and admission, which judged the spec, will not notice.',
    tags: ['security'],
  },
  'all-capabilities': {
    short: 'Privileged Containers (baseline): every capability',
    full: "CapEff holds every capability, or the spec sets privileged: true: the container can do anything the node's root can.",
    tags: ['security', 'pod-security-standards'],
  },
  'dangerous-capabilities': {
    short: "Capabilities (baseline): a capability beyond baseline's list",
    full: "CapEff, CapPrm or CapBnd holds a capability outside baseline's list and the runtime's default set, or the spec adds one: " +
      'each of them is a known route out of the container.',
    tags: ['security', 'pod-security-standards'],
  },
  'host-namespaces': {
    short: "Host Namespaces (baseline): the node's network, processes or IPC",
    full: "The spec sets hostNetwork, hostPID or hostIPC: the pod shares the node's network, processes or IPC.",
    tags: ['security', 'pod-security-standards'],
  },
  'apparmor-unconfined': {
    short: 'AppArmor (baseline): no AppArmor profile',
    full: "The process's AppArmor label is unconfined, or the spec asks for Unconfined: the runtime's default profile is gone.",
    tags: ['security', 'pod-security-standards'],
  },
  'selinux-type': {
    short: 'SELinux (baseline): a type that is not a container type',
    full: 'The SELinux type is not container_t, container_init_t, container_kvm_t or container_engine_t: ' +
      'a super-privileged or custom domain is not confined like a container.',
    tags: ['security', 'pod-security-standards'],
  },
  'seccomp-unconfined': {
    short: 'Seccomp (baseline): seccompProfile Unconfined',
    full: 'The spec sets seccompProfile Unconfined: someone opted out of the seccomp filter on purpose.',
    tags: ['security', 'pod-security-standards'],
  },
  'pid1-ignores-sigterm': {
    short: 'PID 1 does not handle SIGTERM',
    full: "The container's PID 1 has SIGTERM in neither SigCgt nor SigBlk, or ignores it. The kernel gives a PID namespace's init " +
      'no default action, so every stop waits out terminationGracePeriodSeconds and ends in SIGKILL.',
    tags: ['reliability'],
  },
  'runs-as-root': {
    short: 'Running as Non-root (restricted): root on the node',
    full: 'A real, effective or saved uid is 0, and root there is root on the node: set runAsNonRoot and a non-zero runAsUser.',
    tags: ['security', 'pod-security-standards'],
  },
  'no-new-privs-off': {
    short: 'Privilege Escalation (restricted): NoNewPrivs is 0',
    full: 'NoNewPrivs is 0: setuid binaries and file capabilities can raise the privileges of the process; set allowPrivilegeEscalation: false.',
    tags: ['security', 'pod-security-standards'],
  },
  'seccomp-disabled': {
    short: 'Seccomp (restricted): no seccomp filter',
    full: 'Seccomp is 0: no filter; set seccompProfile.type: RuntimeDefault (or Localhost).',
    tags: ['security', 'pod-security-standards'],
  },
  'capabilities-not-dropped': {
    short: 'Capabilities (restricted): more than NET_BIND_SERVICE',
    full: 'CapEff, CapPrm or CapBnd holds more than CAP_NET_BIND_SERVICE (the runtime\'s default set); set capabilities.drop: [ALL].',
    tags: ['security', 'pod-security-standards'],
  },
  'host-process': {
    short: 'HostProcess (baseline): a Windows HostProcess container',
    full: 'The spec sets windowsOptions.hostProcess, which gives a Windows container the node itself.',
    tags: ['security', 'pod-security-standards'],
  },
  'host-path-volume': {
    short: 'HostPath Volumes (baseline): a host path is mounted',
    full: 'The container\'s mountinfo shows a host path mounted into it (or the spec declares a hostPath volume): the node\'s files, inside the container.',
    tags: ['security', 'pod-security-standards'],
  },
  'host-ports': {
    short: 'Host Ports (baseline): a hostPort is set',
    full: 'The spec binds a container port on the node\'s own network.',
    tags: ['security', 'pod-security-standards'],
  },
  'proc-unmasked': {
    short: '/proc Mount Type (baseline): /proc is unmasked',
    full: 'None of the paths a runtime masks in /proc (kcore, keys, timer_list, …) is masked and /proc/sys is writable, as the container\'s mountinfo shows (or procMount: Unmasked in the spec).',
    tags: ['security', 'pod-security-standards'],
  },
  'unsafe-sysctls': {
    short: 'Sysctls (baseline): an unsafe sysctl is set',
    full: 'The spec sets a sysctl outside the safe set, which can reach beyond the pod.',
    tags: ['security', 'pod-security-standards'],
  },
  'volume-types': {
    short: 'Volume Types (restricted): a volume type beyond restricted\'s list',
    full: 'The pod uses a volume type other than configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret.',
    tags: ['security', 'pod-security-standards'],
  },
  'host-escape-mount': {
    short: 'A way out of the container is mounted in',
    full: 'A container runtime\'s socket, the host\'s / or the host\'s /proc is mounted into the container (its mountinfo shows it): whoever runs in it controls the node, whatever the spec says.',
    tags: ['security', 'pod-security-standards'],
  },
  'below-namespace-level': {
    short: 'Below its namespace\'s Pod Security level',
    full: 'The namespace enforces a Pod Security level (pod-security.kubernetes.io/enforce) that admission checked against the spec, but the kernel shows the process meets only a lower one.',
    tags: ['security', 'pod-security-standards'],
  },
  'weaker-than-pid1': {
    short: 'Less confined than its container\'s PID 1',
    full: 'A process holds more than its container\'s PID 1 (NoNewPrivs 0, a capability, fewer seccomp filters, root): an exec\'d shell or a child that raised itself.',
    tags: ['security'],
  },
  'replica-drift': {
    short: 'Replicas of one owner differ in their kernel state',
    full: 'Pods of one ReplicaSet, StatefulSet, DaemonSet or Job share one template, yet their containers of one name show different capabilities, seccomp, no_new_privs, LSM labels or id maps: the nodes differ.',
    tags: ['security'],
  },
  'userns-root': {
    short: 'Root in a user namespace of its own',
    full: 'uid 0 in a user namespace whose uid 0 maps to a non-zero host uid: root there is an unprivileged user on the node.',
    tags: ['security'],
  },
};

/** The ids ABOUT describes (a test checks them against the ids src/judge/ can give). */
export const DESCRIBED_IDS: readonly string[] = Object.keys(ABOUT);

/**
 * One rule per finding id among `findings`, sorted by id: described as
 * ABOUT says, at the highest level any of its findings has, with the page
 * that explains it.
 */
export function rulesFor(findings: Iterable<Finding>): ReportingDescriptor[] {
  const seen = new Map<string, Finding[]>();
  for (const f of findings) seen.set(f.id, [...(seen.get(f.id) ?? []), f]);
  return [...seen.keys()].sort().map((id) => rule(id, seen.get(id)!));
}

function rule(id: string, findings: Finding[]): ReportingDescriptor {
  const control = findings.find((f) => f.control)?.control;
  const about = ABOUT[id] ?? { short: control ?? id, full: `${control ?? id}.`, tags: control ? ['security', 'pod-security-standards'] : [] };
  const helpUri = helpUriOf(id, findings);
  const top = findings.reduce((a, f) => (SEVERITY_RANK[f.severity] > SEVERITY_RANK[a] ? f.severity : a), findings[0].severity);
  return {
    id,
    name: id.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(''),
    shortDescription: { text: about.short },
    fullDescription: { text: about.full },
    help: { text: `${about.full} ${helpUri}` },
    helpUri,
    defaultConfiguration: { level: SARIF_LEVEL[top] },
    properties: { tags: about.tags },
  };
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/**
 * The page a rule points to: kill(2) for PID 1's signals; else the
 * Kubernetes page its findings end with (the Pod Security Standards level,
 * #baseline or #restricted, or the user-namespaces page), the standard as a
 * whole when they point to both levels, and the README when none links one.
 * Only kubernetes.io links count: the rest of a message may quote what a
 * container wrote.
 */
function helpUriOf(id: string, findings: Finding[]): string {
  if (id === 'pid1-ignores-sigterm') return KILL_2;
  const links = new Set(findings.map((f) => /\s(https:\/\/kubernetes\.io\/docs\/\S+)$/.exec(f.message)?.[1]).filter((u) => u !== undefined));
  if (links.size === 1) return [...links][0];
  if (links.size > 1) return [...links].every((u) => u.startsWith(PSS_URL)) ? PSS_URL : `${HOMEPAGE}#findings`;
  return `${HOMEPAGE}#findings`;
}

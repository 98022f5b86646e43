import { containerIdOf, parseCgroup } from '../procfs/cgroup.js';
import { HOST_POLICY, type FindingPolicy, type NamespaceLevel, type NamespaceLevels } from '../judge/policy.js';
import { containersOf } from '../kube/containers.js';
import type { ContainerSpec, Pod } from '../kube/pod.js';
import type { ContainerRead } from '../read/container.js';
import { failure, partOf } from '../record/failure.js';
import { buildRecord, failedRecord } from '../record/record.js';
import type { Where } from '../record/where.js';
import { podPolicy } from './policy.js';
import type { Unjudged } from './source.js';

/**
 * A node's processes → the pods and containers they belong to, through the
 * cgroup the kubelet and the runtime put each process in (src/procfs/cgroup.ts):
 * the pod's cgroup is named after its metadata.uid, the container's after the
 * ID its status reports as containerID.
 * https://kubernetes.io/docs/concepts/architecture/cgroups/
 * https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#PodStatus
 */

export type NodePod = Pod;

export type Placement =
  /** The tool's own reader pod (its sleep, and the read's sh and cat): left out. */
  | { kind: 'reader' }
  /** A container of a pod on this node. */
  | { kind: 'container'; pod: NodePod; container: string; spec: ContainerSpec | undefined; podUid: string }
  /**
   * In a listed pod's cgroup but in no container the pod reports: the sandbox
   * (pause) process, or what is left of a container that has restarted.
   */
  | { kind: 'sandbox'; pod: NodePod; podUid: string }
  /**
   * A pod cgroup whose UID the API server does not list on this node: a static
   * pod without its mirror, a pod deleted since, or another kubelet's tree on a
   * shared machine. Shown as a host process, with the UID kept.
   */
  | { kind: 'unknown-pod'; podUid: string }
  /** In no pod's cgroup: the node's own processes (systemd, the kubelet, the runtime, kernel threads). */
  | { kind: 'host' };

export interface PodIndex {
  byUid: Map<string, NodePod>;
  /** "<pod uid>/<64 hex container id>" → the container's name and spec. */
  byContainer: Map<string, { name: string; spec: ContainerSpec | undefined }>;
}

/** The node's pods, indexed by UID and by container ID (regular, init and ephemeral containers). */
export function indexPods(pods: NodePod[]): PodIndex {
  const byUid = new Map<string, NodePod>();
  const byContainer = new Map<string, { name: string; spec: ContainerSpec | undefined }>();
  for (const pod of pods) {
    const uid = pod.metadata.uid;
    if (!uid) continue;
    byUid.set(uid, pod);
    for (const c of containersOf(pod)) {
      const id = containerIdOf(c.status?.containerID);
      if (id) byContainer.set(`${uid}/${id}`, { name: c.name, spec: c.spec });
    }
  }
  return { byUid, byContainer };
}

/**
 * One process's /proc/PID/cgroup text → where it belongs. `readerUid`: the
 * UID of the pod that did the read, whose processes are not the node's.
 * A text that did not arrive (the process exited mid-read) is a host process:
 * nothing ties it to a pod.
 */
export function place(cgroup: string | undefined, index: PodIndex, readerUid: string | null): Placement {
  const parsed = cgroup === undefined ? null : parseCgroup(cgroup);
  if (!parsed) return { kind: 'host' };
  if (readerUid !== null && parsed.podUid === readerUid) return { kind: 'reader' };
  const pod = index.byUid.get(parsed.podUid);
  if (!pod) return { kind: 'unknown-pod', podUid: parsed.podUid };
  const container = parsed.containerId ? index.byContainer.get(`${parsed.podUid}/${parsed.containerId}`) : undefined;
  if (!container) return { kind: 'sandbox', pod, podUid: parsed.podUid };
  return { kind: 'container', pod, container: container.name, spec: container.spec, podUid: parsed.podUid };
}

export interface Attributed {
  items: Unjudged[];
  unknownPods: number;
  unknownProcesses: number;
}

/**
 * A node's read → its processes, each with the pod and container its cgroup
 * names and the policy it is judged by. Pure. `asked`: the PIDs asked for by
 * number, in that order; one of the reader's own then says so rather than vanishing.
 */
export function attribute(read: ContainerRead, pods: Pod[], readerUid: string | null, node: string, asked: number[] | null = null,
  levels: NamespaceLevels = new Map()): Attributed {
  const index = indexPods(pods);
  const unknown = new Set<string>();
  let unknownProcesses = 0;
  const host: Where = { node, namespace: null, pod: null, container: null };
  const policies = new Map<string, FindingPolicy>();
  const policyOf = (key: string, make: () => FindingPolicy) => policies.get(key) ?? policies.set(key, make()).get(key)!;
  const items: Unjudged[] = [];
  for (const proc of read.procs) {
    const { frames, status } = proc;
    const placed = place(frames.files.cgroup, index, readerUid);
    // Seen from the node, a container's process has a PID in each namespace down to its own (NSpid "N 1");
    // one PID only means the node's own PID namespace: hostPID.
    const nested = (status.fields.NSpid ?? '').trim().split(/\s+/).length > 1;
    const record = (where: Where, cgroupPodUid: string | null) =>
      buildRecord(where, frames, read.context, { status, cgroupPodUid, hostPidNamespace: where.pod !== null ? !nested : null });
    switch (placed.kind) {
      case 'reader':
        if (asked !== null) {
          items.push({ policy: HOST_POLICY,
            record: failedRecord(host, frames.pid, failure('failed', host, "a process of this tool's own reader pod"), frames.tid,
              { cgroupPodUid: readerUid }) });
        }
        break;
      case 'container': {
        const where = { node, namespace: placed.pod.metadata.namespace, pod: placed.pod.metadata.name, container: placed.container };
        const policy = policyOf(`${placed.podUid}/${placed.container}`,
          () => ({ ...podPolicy(placed.pod, placed.spec), namespaceLevel: levels.get(placed.pod.metadata.namespace) ?? null }));
        items.push({ policy, record: record(where, placed.podUid) });
        break;
      }
      case 'sandbox': {
        // The pod's, but no container's: pod-level judgement (PID 1, root) without a container spec to compare.
        const where = { node, namespace: placed.pod.metadata.namespace, pod: placed.pod.metadata.name, container: null };
        const policy = policyOf(placed.podUid, () => ({ ...podPolicy(placed.pod, undefined), security: null,
          namespaceLevel: levels.get(placed.pod.metadata.namespace) ?? null }));
        items.push({ policy, record: record(where, placed.podUid) });
        break;
      }
      case 'unknown-pod':
        unknown.add(placed.podUid);
        unknownProcesses++;
        items.push({ policy: HOST_POLICY, record: record(host, placed.podUid) });
        break;
      case 'host':
        items.push({ policy: HOST_POLICY, record: record(host, null) });
        break;
    }
  }
  // Processes asked for by PID that did not arrive, each where it was asked for (stable: threads keep their order).
  const missing = read.missing.map((m): Unjudged => ({
    policy: HOST_POLICY, record: failedRecord(host, m.pid, partOf(failure(m.missed.kind, host, m.missed.message), read.failure), m.tid),
  }));
  if (asked === null) return { items: [...items, ...missing], unknownPods: unknown.size, unknownProcesses };
  const rank = new Map(asked.map((pid, i) => [pid, i]));
  const all = [...items, ...missing].sort((a, b) => (rank.get(a.record.pid!) ?? 0) - (rank.get(b.record.pid!) ?? 0));
  return { items: all, unknownPods: unknown.size, unknownProcesses };
}

import { CliError, EXIT } from '../errors.js';
import { HOST_POLICY, type FindingPolicy } from '../judge/policy.js';
import type { Cluster } from '../kube/config.js';
import type { ListOptions } from '../kube/list.js';
import { podsOnNode, resolveNodes, type NodeObject } from '../kube/nodes.js';
import { createReaderPod, readerLifetime, readerPodName, waitReaderRunning, MANAGED_BY, MANAGED_BY_LABEL, READER_CONTAINER } from '../kube/node-pod.js';
import type { Pod } from '../kube/pod.js';
import type { NodeTarget } from '../kube/targets.js';
import { readContainer, type ContainerRead } from '../read/container.js';
import type { ReadSpec } from '../read/files.js';
import { failure, failureOf, partOf } from '../record/failure.js';
import { buildRecord, failedRecord } from '../record/record.js';
import type { Where } from '../record/where.js';
import { Janitor } from './janitor.js';
import { indexPods, place } from './node-attribution.js';
import { podPolicy } from './policy.js';
import { ordered } from './pool.js';
import type { Batch, Source, SourceContext, Unjudged } from './source.js';

/**
 * A node's processes, every container's and the host's, in one exec: a
 * short-lived pod on the node in the host's PID namespace (src/kube/node-pod.ts)
 * reads every /proc/PID/{status,…,cgroup}; each process is then tied to its
 * pod and container through its cgroup (./node-attribution.ts) and judged by
 * that container's spec, as a pod read would judge it. The pod is deleted
 * afterwards, on failure and on every interrupt too (./janitor.ts).
 */
export interface NodeReadSpec {
  nodes: NodeTarget | null;
  /** Of nodes. */
  selector: string | null;
  /** Where the reader pods are created; null: the context's. */
  namespace: string | null;
  maxConcurrency: number;
  /** The reader pods' image, and the opt-in to create them. */
  debugImage: string | null;
  requestTimeoutMs: number;
  maxBytes: number;
  chunkSize: number;
}

/** The opt-in: reading a node creates a pod, so nothing is asked of the API server before --debug-image allows it. */
export function checkNodeOptIn(opts: NodeReadSpec, namespace: string): void {
  if (opts.debugImage) return;
  const single = opts.nodes?.name != null;
  const what = single ? `node/${opts.nodes!.name}` : 'nodes';
  throw new CliError(
    `reading ${what} creates a pod on ${single ? 'the node' : 'each node'}, in namespace "${namespace}", that shares the host's PID namespace (hostPID: true) ` +
      'and so sees every process of the node; nothing was created: add --debug-image IMAGE to allow it',
    `the image needs sh and cat (e.g. --debug-image busybox:1.36); RBAC: get ${single ? '' : 'and list '}nodes, list pods in all namespaces, ` +
      `create and delete pods and create pods/exec in "${namespace}", whose Pod Security level must allow hostPID`,
    'usage', EXIT.usage);
}

export function nodeSource(opts: NodeReadSpec, read: ReadSpec, cluster: Cluster): Source {
  return { read: (ctx) => readNodes(opts, read, cluster, ctx) };
}

async function* readNodes(opts: NodeReadSpec, read: ReadSpec, cluster: Cluster, ctx: SourceContext): AsyncGenerator<Batch> {
  const namespace = opts.namespace ?? cluster.namespace;
  checkNodeOptIn(opts, namespace);
  const single = opts.nodes?.name != null;
  ctx.log(`context ${cluster.context}, server ${cluster.server}, reader pods in namespace ${namespace}`);
  const listing: ListOptions = { timeoutMs: opts.requestTimeoutMs, chunkSize: opts.chunkSize, log: ctx.log, signal: ctx.signal, warn: ctx.warn };
  const nodes = await resolveNodes(cluster, opts.nodes?.name ?? null, opts.selector, listing);
  if (nodes.length === 0) ctx.notice(`No nodes found${opts.selector ? ` matching ${opts.selector}` : ''}.`);

  const spec: ReadSpec = {
    ...read,
    files: read.files.includes('cgroup') ? read.files : [...read.files, 'cgroup'],
    // The reader's /etc/passwd and /etc/group are its image's, not those of the processes it reads: user names stay null.
    shared: read.shared.filter((f) => f === 'procstat'),
  };
  const janitor = new Janitor(cluster, opts.requestTimeoutMs, ctx);
  let done = 0;
  ctx.progress(0, nodes.length);
  try {
    for await (const batch of ordered(nodes, opts.maxConcurrency, async (node): Promise<Batch> => {
      const where: Where = { node: node.metadata.name, namespace: null, pod: null, container: null };
      try {
        return await readNode(cluster, janitor, node, namespace, spec, opts, ctx);
      } catch (err) {
        if (single) throw err;
        const f = failureOf(err, where);
        return { unit: where, items: [{ record: failedRecord(where, null, f), policy: HOST_POLICY }], failures: [f], warnings: [] };
      }
    })) {
      ctx.progress(++done, nodes.length);
      yield batch;
    }
  } finally {
    await janitor.drain();
  }
}

/** One node: create the reader, wait, read, list the node's pods, attribute; the reader is deleted whatever happens. */
async function readNode(cluster: Cluster, janitor: Janitor, node: NodeObject, namespace: string, spec: ReadSpec,
  opts: NodeReadSpec, ctx: SourceContext): Promise<Batch> {
  const nodeName = node.metadata.name;
  const where: Where = { node: nodeName, namespace: null, pod: null, container: null };
  const os = node.metadata.labels?.['kubernetes.io/os'];
  if (os && os !== 'linux') {
    throw new CliError(`node ${nodeName} runs ${os === 'windows' ? 'Windows' : os}, which has no /proc: there is no process status to read`,
      undefined, 'unsupported os');
  }
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const name = readerPodName(nodeName);
  const entry = janitor.track(namespace, name);
  try {
    ctx.log(`creating pod ${namespace}/${name} on node ${nodeName} (image ${opts.debugImage}, hostPID; label ${MANAGED_BY_LABEL}=${MANAGED_BY})`);
    const reader = await janitor.creating(entry, createReaderPod(cluster, namespace,
      { name, node: nodeName, image: opts.debugImage!, lifetimeSeconds: readerLifetime(opts.requestTimeoutMs) },
      { timeoutMs: opts.requestTimeoutMs, signal: ctx.signal }));
    await waitReaderRunning(cluster, namespace, name, {
      node: nodeName, image: opts.debugImage!, timeoutMs: opts.requestTimeoutMs, nodeReady: ready ? ready.status === 'True' : null,
      log: ctx.log, signal: ctx.signal,
    });
    const result = await readContainer(cluster, { namespace, pod: name, container: READER_CONTAINER }, where, spec,
      { timeoutMs: opts.requestTimeoutMs, maxBytes: opts.maxBytes, log: ctx.log, signal: ctx.signal });
    // Listed after the read, so every pod whose processes were read already exists.
    const pods = await podsOnNode(cluster, nodeName, {
      timeoutMs: opts.requestTimeoutMs, chunkSize: opts.chunkSize, log: ctx.log, signal: ctx.signal, warn: ctx.warn,
    });
    ctx.log(`node ${nodeName}: ${result.procs.length} processes read, ${pods.length} pods listed`);
    const attributed = attribute(result, pods, reader.metadata.uid ?? null, nodeName, spec.pids === 'all' ? null : spec.pids);
    const warnings = [...result.warnings];
    if (attributed.unknownPods > 0) {
      warnings.push(`node ${nodeName}: ${attributed.unknownProcesses} process${attributed.unknownProcesses === 1 ? ' is' : 'es are'} in the cgroups of ` +
        `${attributed.unknownPods} pod${attributed.unknownPods === 1 ? '' : 's'} the API server does not list on this node; ` +
        'shown as host processes, with the UID as cgroupPodUid in -o json');
    }
    const items = result.failure ? [...attributed.items, { record: failedRecord(where, null, result.failure), policy: HOST_POLICY }] : attributed.items;
    return { unit: where, items, failures: result.failure ? [result.failure] : [], warnings };
  } finally {
    await janitor.release(entry);
  }
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
export function attribute(read: ContainerRead, pods: Pod[], readerUid: string | null, node: string, asked: number[] | null = null): Attributed {
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
    const record = (where: Where, cgroupPodUid: string | null) =>
      buildRecord(where, frames, read.context, { status, cgroupPodUid });
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
        const policy = policyOf(`${placed.podUid}/${placed.container}`, () => podPolicy(placed.pod, placed.spec));
        items.push({ policy, record: record(where, placed.podUid) });
        break;
      }
      case 'sandbox': {
        // The pod's, but no container's: pod-level judgement (PID 1, root) without a container spec to compare.
        const where = { node, namespace: placed.pod.metadata.namespace, pod: placed.pod.metadata.name, container: null };
        const policy = policyOf(placed.podUid, () => ({ ...podPolicy(placed.pod, undefined), security: null }));
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

import { CliError, EXIT } from '../errors.js';
import { HOST_POLICY, type NamespaceLevels } from '../judge/policy.js';
import type { Cluster } from '../kube/config.js';
import type { ListOptions } from '../kube/list.js';
import { podsOnNode, resolveNodes, type NodeObject } from '../kube/nodes.js';
import { createReaderPod, readerLifetime, readerPodName, waitReaderRunning, MANAGED_BY, MANAGED_BY_LABEL, READER_CONTAINER } from '../kube/node-pod.js';
import type { NodeTarget } from '../kube/targets.js';
import { readContainer } from '../read/container.js';
import type { ReadSpec } from '../read/files.js';
import { failureOf } from '../record/failure.js';
import { failedRecord } from '../record/record.js';
import type { Where } from '../record/where.js';
import { Janitor } from './janitor.js';
import { attribute } from './node-attribution.js';
import { levelsOf } from './pods.js';
import { ordered } from './pool.js';
import type { Batch, Source, SourceContext } from './source.js';

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
  // Every namespace's Pod Security level, once, for the pods the node's processes turn out to belong to.
  const levels = nodes.length ? await levelsOf(cluster, null, listing, ctx) : new Map();
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
        return await readNode(cluster, janitor, node, namespace, spec, opts, ctx, levels);
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
  opts: NodeReadSpec, ctx: SourceContext, levels: NamespaceLevels): Promise<Batch> {
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
    const attributed = attribute(result, pods, reader.metadata.uid ?? null, nodeName, spec.pids === 'all' ? null : spec.pids, levels);
    const warnings = [...result.warnings];
    if (attributed.unknownPods > 0) {
      warnings.push(`node ${nodeName}: ${attributed.unknownProcesses} process${attributed.unknownProcesses === 1 ? ' is' : 'es are'} in the cgroups of ` +
        `${attributed.unknownPods} pod${attributed.unknownPods === 1 ? '' : 's'} the API server does not list on this node; ` +
        'shown as host processes, with the UID as cgroupPodUid in -o json');
    }
    const items = result.failure ? [...attributed.items, { record: failedRecord(where, null, result.failure), policy: HOST_POLICY }] : attributed.items;
    return { unit: where, items, failures: result.failure ? [result.failure] : [], warnings };
  } finally {
    await janitor.done(entry);
  }
}

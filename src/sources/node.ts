import { CliError, EXIT } from '../errors.js';
import { withFindings } from '../judge/findings.js';
import { errorItem, type Origin, type ProcItem } from '../record/record.js';
import { loadCluster, type Cluster } from '../kube/config.js';
import { ApiError } from '../kube/errors.js';
import { getJson } from '../kube/http.js';
import {
  createReaderPod, CreateRefused, deleteReaderPod, readerLifetime, readerPodName, waitReaderRunning, MANAGED_BY, MANAGED_BY_LABEL, READER_CONTAINER,
} from '../kube/node-pod.js';
import { apiFailure } from '../kube/pod.js';
import { podPolicy } from '../kube/security.js';
import { indexPods, place, type NodePod } from './node-attribution.js';
import type { Options } from '../cli/options.js';
import { HOST_POLICY, type FindingPolicy } from '../judge/policy.js';
import { pool } from './pool.js';
import type { ReadSpec } from '../read/files.js';
import { readContainer } from '../read/container.js';
import type { SweepHooks, SweepResult } from './pods.js';

/**
 * A node's processes, every container's and the host's, in one exec: a
 * short-lived pod on the node in the host's PID namespace (src/kube/node-pod.ts)
 * reads every /proc/PID/{status,…,cgroup}; each process is then tied to its
 * pod and container through its cgroup (src/node/attribute.ts) and judged by
 * that container's spec, as a pod read would judge it. The pod is deleted
 * afterwards, on failure and on SIGINT/SIGTERM too.
 */
export type NodeReadSpec = Pick<Options,
  'nodes' | 'selector' | 'namespace' | 'context' | 'kubeconfig' | 'maxConcurrency' | 'debugImage' | 'requestTimeoutMs' | 'maxBytes'>;

/** One process of a node: `pid` is the host's PID; nspid holds it in every PID namespace down to the container's. */
export interface NodeProcItem extends ProcItem {
  node: string | null;
  /** The pod UID the process's cgroup names, null outside pods; set also when the API server lists no such pod on the node. */
  cgroupPodUid: string | null;
}

interface NodeObject {
  metadata: { name: string; labels?: Record<string, string> };
  status?: { conditions?: { type: string; status: string }[] };
}

const HOST: Origin = { pod: null, namespace: null, container: null };

export async function readNodes(opts: NodeReadSpec, read: ReadSpec, hooks: SweepHooks): Promise<SweepResult> {
  const cluster = loadCluster(opts);
  const namespace = opts.namespace ?? cluster.namespace;
  const single = opts.nodes?.name != null;
  const what = single ? `node/${opts.nodes!.name}` : 'nodes';
  // The opt-in: nothing is asked of the API server before it is given.
  if (!opts.debugImage) {
    throw new CliError(
      `reading ${what} creates a pod on ${single ? 'the node' : 'each node'}, in namespace "${namespace}", that shares the host's PID namespace (hostPID: true) ` +
        'and so sees every process of the node; nothing was created: add --debug-image IMAGE to allow it',
      `the image needs sh and cat (e.g. --debug-image busybox:1.36); RBAC: get ${single ? '' : 'and list '}nodes, list pods in all namespaces, ` +
        `create and delete pods and create pods/exec in "${namespace}", whose Pod Security level must allow hostPID`,
      'usage', EXIT.usage);
  }
  hooks.log(`context ${cluster.context}, server ${cluster.server}, reader pods in namespace ${namespace}`);
  const nodes = await resolveNodes(cluster, opts);
  if (nodes.length === 0) hooks.notice(`No nodes found${opts.selector ? ` matching ${opts.selector}` : ''}.`);

  const spec: ReadSpec = {
    ...read,
    files: read.files.includes('cgroup') ? read.files : [...read.files, 'cgroup'],
    // The reader's /etc/passwd and /etc/group are its image's, not those of the processes it reads: user names stay null.
    shared: read.shared.filter((f) => f === 'procstat'),
  };
  const janitor = new Janitor(cluster, opts.requestTimeoutMs, hooks.notice);
  const uninstall = janitor.onSignals();
  const items: NodeProcItem[] = [];
  const warnings: string[] = [];
  const failures: CliError[] = [];
  const covered = new Set<ProcItem>();
  const pods = new Set<string>();
  const containers = new Set<string>();
  // A node's failure: its line on stderr, and an item for the node in the document.
  const failed = (name: string, error: CliError) => {
    failures.push(error);
    const item = nodeItem(errorItem(HOST, null, error.message), name, null);
    covered.add(item);
    items.push(item);
  };
  let done = 0;
  hooks.progress(0, nodes.length);
  try {
    await pool(nodes, opts.maxConcurrency, async (node) => {
      try {
        const result = await readNode(cluster, janitor, node, namespace, spec, opts, hooks);
        items.push(...result.items);
        warnings.push(...result.warnings);
        for (const i of result.items) {
          if (i.pod !== null) pods.add(`${i.namespace}/${i.pod}`);
          if (i.container !== null) containers.add(`${i.namespace}/${i.pod}/${i.container}`);
        }
        if (result.error) failed(node.metadata.name, result.error);
      } catch (err) {
        let error = err instanceof CliError ? err : new CliError((err as Error)?.message ?? String(err));
        if (single) throw error;
        if (!error.message.includes(node.metadata.name)) error = error.prefixed(`node ${node.metadata.name}: `);
        failed(node.metadata.name, error);
      } finally {
        hooks.progress(++done, nodes.length);
      }
    });
  } finally {
    await janitor.drain();
    uninstall();
  }
  // Node by node, in the order listed; within a node, the order read (by PID).
  const order = new Map(nodes.map((n, i) => [n.metadata.name, i]));
  items.sort((a, b) => (order.get(a.node ?? '') ?? 0) - (order.get(b.node ?? '') ?? 0));
  return { items, warnings, failures, covered, pods: pods.size, containers: containers.size };
}

async function resolveNodes(cluster: Cluster, opts: NodeReadSpec): Promise<NodeObject[]> {
  const name = opts.nodes?.name ?? null;
  try {
    if (name !== null) return [await getJson<NodeObject>(cluster, `/api/v1/nodes/${encodeURIComponent(name)}`, opts.requestTimeoutMs)];
    const path = opts.selector ? `/api/v1/nodes?labelSelector=${encodeURIComponent(opts.selector)}` : '/api/v1/nodes';
    const list = await getJson<{ items?: NodeObject[] }>(cluster, path, opts.requestTimeoutMs);
    return (list.items ?? []).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  } catch (err) {
    if (err instanceof ApiError) {
      throw apiFailure(err, cluster, { verb: name === null ? 'list' : 'get', resource: 'nodes', namespace: '(all)', name: name ?? '' });
    }
    throw err;
  }
}

interface NodeResult {
  items: NodeProcItem[];
  warnings: string[];
  error: CliError | null;
}

/** One node: create the reader, wait, read, list the node's pods, attribute; the reader is deleted whatever happens. */
async function readNode(cluster: Cluster, janitor: Janitor, node: NodeObject, namespace: string, spec: ReadSpec,
  opts: NodeReadSpec, hooks: SweepHooks): Promise<NodeResult> {
  const nodeName = node.metadata.name;
  const os = node.metadata.labels?.['kubernetes.io/os'];
  if (os && os !== 'linux') {
    throw new CliError(`node ${nodeName} runs ${os === 'windows' ? 'Windows' : os}, which has no /proc: there is no process status to read`,
      undefined, 'unsupported os');
  }
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const name = readerPodName(nodeName);
  const lifetimeSeconds = readerLifetime(opts.requestTimeoutMs);
  const entry = janitor.track(namespace, name);
  try {
    hooks.log(`creating pod ${namespace}/${name} on node ${nodeName} (image ${opts.debugImage}, hostPID; label ${MANAGED_BY_LABEL}=${MANAGED_BY})`);
    const creating = createReaderPod(cluster, namespace, { name, node: nodeName, image: opts.debugImage!, lifetimeSeconds }, opts.requestTimeoutMs);
    entry.creating = creating;
    let reader;
    try {
      reader = await creating;
    } catch (err) {
      // A refusal created nothing; a timeout or a dropped connection may have.
      if (err instanceof CreateRefused) entry.refused = true;
      else entry.ambiguous = true;
      throw err;
    }
    await waitReaderRunning(cluster, namespace, name, {
      node: nodeName, image: opts.debugImage!, timeoutMs: opts.requestTimeoutMs, nodeReady: ready ? ready.status === 'True' : null, log: hooks.log,
    });
    const where = { pod: name, namespace, container: READER_CONTAINER };
    const result = await readContainer(cluster, where, spec, { timeoutMs: opts.requestTimeoutMs, maxBytes: opts.maxBytes, log: hooks.log });
    const cgroups = new Map(result.frames.map((p) => [key(p.pid, p.tid), p.files.cgroup]));
    // Listed after the read, so every pod whose processes were read already exists.
    const pods = await nodePods(cluster, nodeName, opts.requestTimeoutMs);
    hooks.log(`node ${nodeName}: ${result.items.length} processes read, ${pods.length} pods listed`);
    const attributed = attribute(result.items, cgroups, pods, reader.metadata.uid ?? null, nodeName, spec.pids !== 'all');
    const warnings = [...result.warnings.map((w) => w.replace(`${namespace}/${name} (container ${READER_CONTAINER})`, `node ${nodeName}`))];
    if (attributed.unknownPods > 0) {
      warnings.push(`node ${nodeName}: ${attributed.unknownProcesses} process${attributed.unknownProcesses === 1 ? ' is' : 'es are'} in the cgroups of ` +
        `${attributed.unknownPods} pod${attributed.unknownPods === 1 ? '' : 's'} the API server does not list on this node; ` +
        'shown as host processes, with the UID as cgroupPodUid in -o json');
    }
    return { items: attributed.items, warnings, error: result.error };
  } finally {
    await janitor.release(entry);
  }
}

async function nodePods(cluster: Cluster, node: string, timeoutMs: number): Promise<NodePod[]> {
  try {
    const list = await getJson<{ items?: NodePod[] }>(cluster,
      `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`, timeoutMs);
    return list.items ?? [];
  } catch (err) {
    if (err instanceof ApiError) throw apiFailure(err, cluster, { verb: 'list', resource: 'pods', namespace: '(all)', name: '' });
    throw err;
  }
}

function key(pid: number | null, tid: number | null): string {
  return `${pid}/${tid}`;
}

export interface Attributed {
  items: NodeProcItem[];
  unknownPods: number;
  unknownProcesses: number;
}

/**
 * The read's items → the node's processes, each with its pod, container and
 * findings. Pure. `explicit`: PIDs were asked by number, so one of the
 * reader's own says so rather than vanishing.
 */
export function attribute(items: ProcItem[], cgroups: Map<string, string | undefined>, pods: NodePod[], readerUid: string | null,
  node: string, explicit = false): Attributed {
  const index = indexPods(pods);
  const unknown = new Set<string>();
  let unknownProcesses = 0;
  const out: NodeProcItem[] = [];
  for (const item of items) {
    if (item.error !== null) {
      out.push(nodeItem({ ...item, ...HOST }, node, null));
      continue;
    }
    const placed = place(cgroups.get(key(item.pid, item.tid)), index, readerUid);
    switch (placed.kind) {
      case 'reader':
        if (explicit) out.push(nodeItem(errorItem(HOST, item.pid, "a process of this tool's own reader pod", item.tid), node, readerUid));
        break;
      case 'container': {
        const origin = { pod: placed.pod.metadata.name, namespace: placed.pod.metadata.namespace, container: placed.container };
        out.push(nodeItem(judged({ ...item, ...origin }, podPolicy(placed.pod, placed.spec)), node, placed.podUid));
        break;
      }
      case 'sandbox': {
        // The pod's, but no container's: pod-level judgement (PID 1, root) without a container spec to compare.
        const origin = { pod: placed.pod.metadata.name, namespace: placed.pod.metadata.namespace, container: null };
        out.push(nodeItem(judged({ ...item, ...origin }, { ...podPolicy(placed.pod, undefined), security: null }), node, placed.podUid));
        break;
      }
      case 'unknown-pod':
        unknown.add(placed.podUid);
        unknownProcesses++;
        out.push(nodeItem(withFindings({ ...item, ...HOST }, HOST_POLICY), node, placed.podUid));
        break;
      case 'host':
        out.push(nodeItem(withFindings({ ...item, ...HOST }, HOST_POLICY), node, null));
        break;
    }
  }
  return { items: out, unknownPods: unknown.size, unknownProcesses };
}

/**
 * Findings of a pod's process, judged with the PID it has in its own PID
 * namespace (the last NSpid entry): a rule about "PID 1" means the
 * container's init, which on the node is some host PID N with NSpid "N 1".
 * The item keeps the host PID.
 * https://man7.org/linux/man-pages/man7/pid_namespaces.7.html
 */
export function judged(item: ProcItem, policy: FindingPolicy): ProcItem {
  const inner = item.nspid && item.nspid.length > 1 ? item.nspid[item.nspid.length - 1] : item.pid;
  if (inner === item.pid) return withFindings(item, policy);
  return { ...item, findings: withFindings({ ...item, pid: inner }, policy).findings };
}

function nodeItem(item: ProcItem, node: string, cgroupPodUid: string | null): NodeProcItem {
  const { pod, namespace, container, ...rest } = item;
  // "node" first in -o json, as pod, namespace and container lead a pod read's items.
  return { node, pod, namespace, container, ...rest, cgroupPodUid };
}

/**
 * The reader pods of this run, deleted when each node is done, and all of
 * them on SIGINT/SIGTERM before the process exits with 128+signal (as a shell
 * reports a signal death).
 */
interface Tracked {
  namespace: string;
  name: string;
  creating: Promise<unknown> | null;
  refused: boolean;
  /** The create failed without an answer: the pod may appear after the failure. */
  ambiguous: boolean;
}

class Janitor {
  private live = new Set<Tracked>();
  private pending = new Set<Promise<unknown>>();

  constructor(private cluster: Cluster, private timeoutMs: number, private say: (line: string) => void) {}

  track(namespace: string, name: string): Tracked {
    const t: Tracked = { namespace, name, creating: null, refused: false, ambiguous: false };
    this.live.add(t);
    return t;
  }

  /** Delete one reader pod; a failure is said with the command that finishes the job, never thrown. */
  async release(t: Tracked): Promise<void> {
    if (!this.live.delete(t)) return;
    if (t.refused) return;
    // A deletion must not wait forever on an API server that has stopped answering.
    const limit = this.timeoutMs > 0 ? Math.min(this.timeoutMs, 30_000) : 30_000;
    const work = (async () => {
      if (t.creating) await Promise.race([t.creating.catch(() => {}), sleep(limit)]);
      let outcome = await deleteReaderPod(this.cluster, t.namespace, t.name, limit);
      // A create that timed out may still be stored after this DELETE found nothing: look again, briefly.
      for (let retry = 0; t.ambiguous && outcome === 'absent' && retry < 3; retry++) {
        await sleep(1000);
        outcome = await deleteReaderPod(this.cluster, t.namespace, t.name, limit);
      }
      if (typeof outcome !== 'string') {
        const failed = outcome;
        this.say(`warning: the reader pod ${t.namespace}/${t.name} could not be deleted: ${failed.message}\n` +
          `hint: delete it with: kubectl delete pod -n ${t.namespace} ${t.name}`);
      }
    })();
    this.pending.add(work);
    try {
      await work;
    } finally {
      this.pending.delete(work);
    }
  }

  async drain(): Promise<void> {
    await Promise.all([...this.live].map((t) => this.release(t)));
    await Promise.all([...this.pending]);
  }

  /** SIGINT and SIGTERM: delete what is live, then exit; a second signal exits at once, naming what is left. */
  onSignals(): () => void {
    let stopping = false;
    const handler = (signal: NodeJS.Signals) => {
      const code = 128 + (signal === 'SIGINT' ? 2 : 15);
      if (stopping) {
        const left = [...this.live].map((t) => `${t.namespace}/${t.name}`);
        if (left.length) this.say(`warning: interrupted again; left behind: ${left.join(', ')} (label ${MANAGED_BY_LABEL}=${MANAGED_BY})`);
        process.exit(code);
      }
      stopping = true;
      void this.drain().finally(() => process.exit(code));
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

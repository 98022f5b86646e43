import { CliError } from '../errors.js';
import { kernelState, type DriftGroup, type ReplicaState } from '../judge/drift.js';
import type { FindingPolicy, NamespaceLevel, NamespaceLevels } from '../judge/policy.js';
import type { Cluster } from '../kube/config.js';
import { containersOf, type ContainerKind } from '../kube/containers.js';
import { ensureDebugContainer } from '../kube/debug.js';
import type { ListOptions } from '../kube/list.js';
import { namespaceLabels } from '../kube/namespaces.js';
import { getNode } from '../kube/nodes.js';
import { checkLinux, checkRunning, resolveContainer, type Pod } from '../kube/pod.js';
import { podPages, type Target } from '../kube/targets.js';
import { containerRecords, readContainer, type ExecLimits } from '../read/container.js';
import type { ReadSpec } from '../read/files.js';
import { failedRecord, innerPid, type ProcRecord } from '../record/record.js';
import { failureOf, type Failure } from '../record/failure.js';
import { describeWhere, inContainer, type Where } from '../record/where.js';
import { namespaceLevel, podPolicy } from './policy.js';
import { heapForSweep } from './heap.js';
import { ordered } from './pool.js';
import type { Batch, Source, SourceContext } from './source.js';

/** What a pod read needs to know: where to look and how to read. */
export interface PodsSpec {
  target: Target | null;
  selector: string | null;
  allNamespaces: boolean;
  /** null: the context's. */
  namespace: string | null;
  container: string | null;
  allContainers: boolean;
  maxConcurrency: number;
  debugImage: string | null;
  debugWhen: 'fallback' | 'always';
  requestTimeoutMs: number;
  maxBytes: number;
  chunkSize: number;
  /** --require-level enforce: the namespaces' levels must be read, and a failure to read them said. */
  namespaceLevelsNeeded?: boolean;
}

/** One container to read: everything the read needs of its pod, decided when the pod was listed; the Pod itself is let go. */
interface Unit {
  where: Where & { namespace: string; pod: string; container: string };
  kind: ContainerKind;
  policy: FindingPolicy;
  /** The pod's controller ("ReplicaSet api-6d4cf56db9") and node, for comparing replicas. */
  owner: string | null;
  node: string | null;
  /** What a debug container needs of the pod (its ephemeral containers), only with --debug-image. */
  pod: Pod | null;
}

type Task = { kind: 'read'; unit: Unit } | { kind: 'done'; batch: Batch };

/**
 * Pods (one, a workload's, a selector's, or all) → their containers → one
 * exec each, at most --max-concurrency at a time, yielded in the list's
 * order. The list comes in pages (--chunk-size); a pod's object is let go
 * once its containers are planned, so memory holds a page and a window of
 * reads, whatever the number of pods. A failing pod or container is a batch
 * with its failure, and the sweep goes on; when one named pod was asked for,
 * its failure is the run's error.
 */
export function podsSource(opts: PodsSpec, read: ReadSpec, cluster: Cluster): Source {
  return { read: (ctx) => sweep(opts, read, cluster, ctx) };
}

async function* sweep(opts: PodsSpec, read: ReadSpec, cluster: Cluster, ctx: SourceContext): AsyncGenerator<Batch> {
  const namespace = opts.namespace ?? cluster.namespace;
  ctx.log(`context ${cluster.context}, server ${cluster.server}, namespace ${opts.allNamespaces ? '(all)' : namespace}`);
  const single = opts.target?.kind === 'pod';
  if (!single) heapForSweep();
  const strict = single && !opts.allContainers;
  const listing: ListOptions = {
    timeoutMs: opts.requestTimeoutMs, chunkSize: opts.chunkSize, log: ctx.log, signal: ctx.signal, warn: ctx.warn,
  };
  const limits: ExecLimits = { timeoutMs: opts.requestTimeoutMs, maxBytes: opts.maxBytes, log: ctx.log, signal: ctx.signal };
  // Asked beside the pod list (its own connection), not before it: no round trip is added. One
  // pod's read does not ask, unless --require-level enforce needs it: it would cost that read a
  // second connection, where kubectl exec has one; a pod admitted under its namespace's level
  // that the kernel leaves below it shows as exceeds-spec there anyway.
  const levelsAsked: Promise<NamespaceLevels> = single && !opts.namespaceLevelsNeeded
    ? Promise.resolve(new Map())
    : levelsOf(cluster, opts.allNamespaces ? null : namespace, listing, ctx);
  let levels: NamespaceLevels | null = null;
  if (!single && opts.debugImage && opts.debugWhen === 'always') {
    // Ephemeral containers cannot be removed: a sweep that adds them says so before the first.
    ctx.notice(`--debug-when always: every container read gets an ephemeral container of ${opts.debugImage} in its pod ` +
      '(one already there is reused); ephemeral containers stay until their pod is deleted.');
  }
  const replicas = new Replicas();
  let pods = 0;
  let planned = 0;
  let remaining: number | null = null;
  let done = 0;

  /** A failure that stands for a whole unit: said once, and an item per PID asked in documents. */
  const failed = (where: Where, err: unknown): Batch => {
    if (strict) throw err;
    const f: Failure = failureOf(err, where);
    const pids = read.pids === 'all' ? [null] : read.pids;
    const policy: FindingPolicy = { scope: 'pod', security: null, terminationGracePeriodSeconds: 30 };
    return { unit: where, items: pids.map((pid) => ({ record: failedRecord(where, pid, f), policy })), failures: [f], warnings: [] };
  };

  async function* tasks(): AsyncGenerator<Task> {
    const query = { target: opts.target, selector: opts.selector, allNamespaces: opts.allNamespaces, namespace };
    for await (const page of podPages(cluster, query, listing)) {
      remaining = page.remaining;
      levels ??= await levelsAsked;
      for (const pod of page.pods) {
        if (ctx.signal.aborted) return;
        if (pod instanceof CliError) {
          planned++;
          yield { kind: 'done', batch: failed({ node: null, namespace: null, pod: null, container: null }, pod) };
          continue;
        }
        pods++;
        yield* plan(pod);
      }
    }
    if (pods === 0 && planned === 0) {
      ctx.notice(`No pods found${opts.allNamespaces ? '' : ` in namespace ${namespace}`}${opts.selector ? ` matching ${opts.selector}` : ''}.`);
    }
  }

  function* plan(pod: Pod): Generator<Task> {
    const podWhere = inContainer(pod.metadata.namespace, pod.metadata.name, null);
    let units: Unit[];
    try {
      checkLinux(pod);
      units = unitsOf(pod, opts, single ? ctx.notice : () => {}, levels?.get(pod.metadata.namespace) ?? null);
    } catch (err) {
      planned++;
      yield { kind: 'done', batch: failed(podWhere, err) };
      return;
    }
    for (const unit of units) {
      planned++;
      try {
        checkRunning(pod, { name: unit.where.container, kind: unit.kind });
        yield { kind: 'read', unit };
      } catch (err) {
        yield { kind: 'done', batch: failed(unit.where, err) };
      }
    }
  }

  const readUnit = async (unit: Unit): Promise<Batch> => {
    const { where } = unit;
    const target = { namespace: where.namespace, pod: where.pod, container: where.container };
    const viaDebug = async () => ensureDebugContainer(cluster, {
      pod: unit.pod!, target: where.container, image: opts.debugImage!, timeoutMs: opts.requestTimeoutMs, log: ctx.log, signal: ctx.signal,
    });
    try {
      let via: string | null = null;
      let result;
      if (opts.debugImage && opts.debugWhen === 'always') {
        via = await viaDebug();
        result = await readContainer(cluster, target, where, read, limits, via);
      } else {
        try {
          result = await readContainer(cluster, target, where, read, limits);
        } catch (err) {
          // Only an image that cannot run the read falls back; a forbidden or
          // timed-out exec would fail the same way from a debug container.
          if (!opts.debugImage || !(err instanceof CliError) || err.kind !== 'no cat or sh') throw err;
          ctx.log(`${describeWhere(where)} cannot run the read; using a debug container`);
          via = await viaDebug();
          result = await readContainer(cluster, target, where, read, limits, via);
        }
      }
      const records = containerRecords(where, result, read, via);
      replicas.add(unit, records);
      // A read cut short stands in documents as an item for the container, beside what did arrive.
      const items = result.failure ? [...records, failedRecord(where, null, result.failure)] : records;
      return { unit: where, items: items.map((record) => ({ record, policy: unit.policy })), failures: result.failure ? [result.failure] : [],
        warnings: result.warnings };
    } catch (err) {
      return failed(where, err);
    }
  };

  for await (const batch of ordered(tasks(), opts.maxConcurrency,
    (task) => (task.kind === 'done' ? Promise.resolve(task.batch) : readUnit(task.unit)))) {
    done++;
    ctx.progress(done, remaining === null ? null : planned + remaining);
    yield batch;
  }
  const drift = await replicas.drifting(cluster, listing, ctx);
  if (drift.length) yield { unit: null, items: [], failures: [], warnings: [], drift };
}

/**
 * The kernel state of each replica's PID 1, by owner and container: small
 * (one entry per pod), kept to the end of the sweep, where the owners whose
 * replicas differ get their nodes' runtime and kubelet versions.
 */
class Replicas {
  private readonly groups = new Map<string, { namespace: string; owner: string; container: string; replicas: ReplicaState[] }>();

  add(unit: Unit, records: ProcRecord[]): void {
    if (!unit.owner) return;
    const init = records.find((r) => r.failure === null && r.tid === null && innerPid(r) === 1);
    if (!init) return;
    const key = `${unit.where.namespace}/${unit.owner}/${unit.where.container}`;
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { namespace: unit.where.namespace, owner: unit.owner, container: unit.where.container, replicas: [] }));
    group.replicas.push({ pod: unit.where.pod, node: unit.node, runtime: null, kubelet: null, state: kernelState(init) });
  }

  async drifting(cluster: Cluster, listing: ListOptions, ctx: Pick<SourceContext, 'warn' | 'log'>): Promise<DriftGroup[]> {
    const same = (a: ReplicaState, b: ReplicaState) => JSON.stringify(a.state) === JSON.stringify(b.state);
    const differ = [...this.groups.values()].filter((g) => g.replicas.length > 1 && g.replicas.some((r) => !same(r, g.replicas[0])));
    if (!differ.length) return [];
    // Each node read once; without permission to read Nodes, the pods are compared without their versions.
    const nodes = new Map<string, { runtime: string | null; kubelet: string | null }>();
    let refused = false;
    for (const name of new Set(differ.flatMap((g) => g.replicas.map((r) => r.node)).filter((n): n is string => n !== null))) {
      if (refused) break;
      try {
        const node = await getNode(cluster, name, listing);
        nodes.set(name, { runtime: node.status?.nodeInfo?.containerRuntimeVersion ?? null, kubelet: node.status?.nodeInfo?.kubeletVersion ?? null });
      } catch (err) {
        refused = true;
        ctx.warn(`cannot read node ${name} (${(err as Error).message}); replicas that differ are told without their nodes' runtime and kubelet versions`);
      }
    }
    return differ.map((g) => ({ ...g, replicas: g.replicas.map((r) => ({ ...r, ...(r.node ? nodes.get(r.node) : undefined) })) }));
  }
}

/** The containers to read in one pod: -c, --all-containers, or the default. */
function unitsOf(pod: Pod, opts: Pick<PodsSpec, 'allContainers' | 'container' | 'debugImage'>, notice: (line: string) => void,
  namespaceLevel: NamespaceLevel | null): Unit[] {
  const all = containersOf(pod);
  const controller = pod.metadata.ownerReferences?.find((o) => o?.controller === true);
  const unit = (name: string, kind: ContainerKind): Unit => ({
    where: inContainer(pod.metadata.namespace, pod.metadata.name, name) as Unit['where'],
    kind,
    owner: controller && typeof controller.kind === 'string' && typeof controller.name === 'string' ? `${controller.kind} ${controller.name}` : null,
    node: typeof pod.spec.nodeName === 'string' ? pod.spec.nodeName : null,
    policy: { ...podPolicy(pod, all.find((c) => c.name === name)?.spec), namespaceLevel },
    pod: opts.debugImage ? debugView(pod) : null,
  });
  if (opts.allContainers) {
    // Regular containers, plus init and ephemeral ones that are running now
    // (restartable "sidecar" init containers, debug containers).
    return all.filter((c) => c.kind === 'container' || c.status?.state?.running).map((c) => unit(c.name, c.kind));
  }
  const chosen = resolveContainer(pod, opts.container);
  if (chosen.notice) notice(chosen.notice);
  return [unit(chosen.name, chosen.kind)];
}

/**
 * Each namespace's Pod Security level, for judging processes against what
 * admission enforces there: one namespace, or all (-A, a node). A label is
 * read when a pod of its namespace is, so a label no level names is said only
 * where it matters, once. Without permission to read namespaces, said once,
 * and the read goes on without.
 */
export async function levelsOf(cluster: Cluster, namespace: string | null, listing: ListOptions, ctx: Pick<SourceContext, 'warn' | 'log'>):
  Promise<NamespaceLevels> {
  let labels = new Map<string, Record<string, string>>();
  try {
    labels = await namespaceLabels(cluster, namespace, listing);
  } catch (err) {
    ctx.warn(`cannot read the namespace${namespace ? ` ${namespace}` : 's'} (${(err as Error).message}); ` +
      'processes are judged without their namespace\'s Pod Security level (pod-security.kubernetes.io/enforce)');
  }
  const parsed = new Map<string, NamespaceLevel | null>();
  return {
    get(ns: string) {
      if (!parsed.has(ns)) {
        const of = labels.get(ns);
        parsed.set(ns, of ? namespaceLevel(ns, of, ctx.warn) : null);
      }
      return parsed.get(ns);
    },
  };
}

/** The little of a pod a debug container needs (its ephemeral containers and their states), so the rest can go. */
function debugView(pod: Pod): Pod {
  return {
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace },
    spec: { containers: [], ephemeralContainers: pod.spec.ephemeralContainers },
    status: { ephemeralContainerStatuses: pod.status?.ephemeralContainerStatuses },
  };
}

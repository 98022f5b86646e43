import { CliError } from '../errors.js';
import type { FindingPolicy } from '../judge/policy.js';
import type { Cluster } from '../kube/config.js';
import { containersOf, type ContainerKind } from '../kube/containers.js';
import { ensureDebugContainer } from '../kube/debug.js';
import type { ListOptions } from '../kube/list.js';
import { checkLinux, checkRunning, resolveContainer, type Pod } from '../kube/pod.js';
import { podPages, type Target } from '../kube/targets.js';
import { containerRecords, readContainer, type ExecLimits } from '../read/container.js';
import type { ReadSpec } from '../read/files.js';
import { failedRecord } from '../record/record.js';
import { failureOf, type Failure } from '../record/failure.js';
import { describeWhere, inContainer, type Where } from '../record/where.js';
import { podPolicy } from './policy.js';
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
}

/** One container to read: everything the read needs of its pod, decided when the pod was listed; the Pod itself is let go. */
interface Unit {
  where: Where & { namespace: string; pod: string; container: string };
  kind: ContainerKind;
  policy: FindingPolicy;
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
  const strict = single && !opts.allContainers;
  const listing: ListOptions = {
    timeoutMs: opts.requestTimeoutMs, chunkSize: opts.chunkSize, log: ctx.log, signal: ctx.signal, warn: ctx.warn,
  };
  const limits: ExecLimits = { timeoutMs: opts.requestTimeoutMs, maxBytes: opts.maxBytes, log: ctx.log, signal: ctx.signal };
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
      units = unitsOf(pod, opts, single ? ctx.notice : () => {});
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
}

/** The containers to read in one pod: -c, --all-containers, or the default. */
function unitsOf(pod: Pod, opts: Pick<PodsSpec, 'allContainers' | 'container' | 'debugImage'>, notice: (line: string) => void): Unit[] {
  const all = containersOf(pod);
  const unit = (name: string, kind: ContainerKind): Unit => ({
    where: inContainer(pod.metadata.namespace, pod.metadata.name, name) as Unit['where'],
    kind,
    policy: podPolicy(pod, all.find((c) => c.name === name)?.spec),
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

/** The little of a pod a debug container needs (its ephemeral containers and their states), so the rest can go. */
function debugView(pod: Pod): Pod {
  return {
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace },
    spec: { containers: [], ephemeralContainers: pod.spec.ephemeralContainers },
    status: { ephemeralContainerStatuses: pod.status?.ephemeralContainerStatuses },
  };
}

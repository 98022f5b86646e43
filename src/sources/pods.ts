import { CliError } from '../errors.js';
import { withFindings } from '../judge/findings.js';
import { errorItem, type ProcItem } from '../record/record.js';
import { loadCluster } from '../kube/config.js';
import { checkLinux, checkRunning, resolveContainer, type ContainerSpec, type Pod } from '../kube/pod.js';
import { ensureDebugContainer } from '../kube/debug.js';
import { podPolicy } from '../kube/security.js';
import { resolvePods } from '../kube/targets.js';
import type { Options } from '../cli/options.js';
import { pool } from './pool.js';
import type { ReadSpec } from '../read/files.js';
import { readContainer, type SourceResult } from '../read/container.js';

/** The part of the options a cluster read needs: where to look and how to reach it. */
export type SweepSpec = Pick<Options,
  'target' | 'selector' | 'allNamespaces' | 'namespace' | 'context' | 'kubeconfig' | 'container' | 'allContainers' |
  'maxConcurrency' | 'debugImage' | 'debugWhen' | 'requestTimeoutMs' | 'maxBytes'>;

export interface SweepResult {
  items: ProcItem[];
  warnings: string[];
  failures: CliError[];
  /** Items that stand for a whole failed pod or container: their failure is already among `failures`. */
  covered: Set<ProcItem>;
  pods: number;
  containers: number;
}

export interface SweepHooks {
  log: (line: string) => void;
  notice: (line: string) => void;
  progress: (done: number, total: number) => void;
}

interface Unit {
  pod: Pod;
  container: string;
  spec: ContainerSpec | undefined;
  kind: 'container' | 'init' | 'ephemeral';
}

/**
 * Pods (one, a workload's, a selector's, or all) → their containers → one
 * exec each, at most --max-concurrency at a time. A failing pod is reported
 * and the sweep goes on; when one named pod was asked for, its failure is the
 * run's error.
 */
export async function sweep(opts: SweepSpec, read: ReadSpec, hooks: SweepHooks): Promise<SweepResult> {
  const cluster = loadCluster(opts);
  const namespace = opts.namespace ?? cluster.namespace;
  hooks.log(`context ${cluster.context}, server ${cluster.server}, namespace ${opts.allNamespaces ? '(all)' : namespace}`);
  const pods = await resolvePods(cluster, {
    target: opts.target, selector: opts.selector, allNamespaces: opts.allNamespaces, namespace,
    timeoutMs: opts.requestTimeoutMs, log: hooks.log,
  });
  const single = opts.target?.kind === 'pod';
  if (pods.length === 0) {
    hooks.notice(`No pods found${opts.allNamespaces ? '' : ` in namespace ${namespace}`}${opts.selector ? ` matching ${opts.selector}` : ''}.`);
  }

  const failures: CliError[] = [];
  const items: ProcItem[] = [];
  const warnings: string[] = [];
  const covered = new Set<ProcItem>();
  const origin = (pod: Pod, container: string | null) => ({ pod: pod.metadata.name, namespace: pod.metadata.namespace, container });
  const failed = (pod: Pod, container: string | null, err: unknown) => {
    let error = err instanceof CliError ? err : new CliError((err as Error)?.message ?? String(err));
    if (single && !opts.allContainers) throw error;
    // In a sweep every line must say which pod it is about.
    const where = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (!error.message.includes(where)) error = error.prefixed(`pod ${where}: `);
    failures.push(error);
    const pids = read.pids === 'all' ? [null] : read.pids;
    for (const pid of pids) {
      const item = errorItem(origin(pod, container), pid, error.message);
      covered.add(item);
      items.push(item);
    }
  };

  const units: Unit[] = [];
  for (const pod of pods) {
    try {
      checkLinux(pod);
      units.push(...unitsOf(pod, opts, single ? hooks.notice : () => {}));
    } catch (err) {
      failed(pod, opts.container, err);
    }
  }

  const limits = { timeoutMs: opts.requestTimeoutMs, maxBytes: opts.maxBytes, log: hooks.log };
  let done = 0;
  hooks.progress(0, units.length);
  await pool(units, opts.maxConcurrency, async (unit) => {
    try {
      checkRunning(unit.pod, { name: unit.container, kind: unit.kind, notice: null });
      const where = { pod: unit.pod.metadata.name, namespace: unit.pod.metadata.namespace, container: unit.container };
      const viaDebug = async () => readContainer(cluster, where, read, limits, await ensureDebugContainer(cluster, {
        pod: unit.pod, target: unit.container, image: opts.debugImage!, timeoutMs: opts.requestTimeoutMs, log: hooks.log,
      }));
      let result: SourceResult;
      if (opts.debugImage && opts.debugWhen === 'always') {
        result = await viaDebug();
      } else {
        try {
          result = await readContainer(cluster, where, read, limits);
        } catch (err) {
          // Only an image that cannot run the read falls back; a forbidden or
          // timed-out exec would fail the same way from a debug container.
          if (!opts.debugImage || !(err instanceof CliError) || err.kind !== 'no cat or sh') throw err;
          hooks.log(`${where.namespace}/${where.pod} (container ${where.container}) cannot run the read; using a debug container`);
          result = await viaDebug();
        }
      }
      const policy = podPolicy(unit.pod, unit.spec);
      const found = result.items.map((item) => withFindings(item, policy));
      items.push(...found);
      warnings.push(...result.warnings);
      if (result.error) {
        // The document says so too: an item for the container, beside what did arrive.
        failures.push(result.error);
        const item = errorItem(where, null, result.error.message);
        covered.add(item);
        items.push(item);
        // The container's line says why the rest never arrived; no second line per PID.
        for (const missing of found) if (missing.error !== null) covered.add(missing);
      }
    } catch (err) {
      failed(unit.pod, unit.container, err);
    } finally {
      hooks.progress(++done, units.length);
    }
  });
  // Results arrive in completion order; print them in pod order.
  const order = new Map(pods.map((p, i) => [`${p.metadata.namespace}/${p.metadata.name}`, i]));
  const rank = (i: ProcItem) => order.get(`${i.namespace}/${i.pod}`) ?? 0;
  // Stable: within a container, the order the source gave (the order asked).
  items.sort((a, b) => rank(a) - rank(b) || (a.container ?? '').localeCompare(b.container ?? ''));
  return { items, warnings, failures, covered, pods: pods.length, containers: units.length };
}

/** The containers to read in one pod: -c, --all-containers, or the default. */
function unitsOf(pod: Pod, opts: Pick<SweepSpec, 'allContainers' | 'container'>, notice: (line: string) => void): Unit[] {
  const all = allContainers(pod);
  if (opts.allContainers) {
    // Regular containers, plus init and ephemeral ones that are running now
    // (restartable "sidecar" init containers, debug containers).
    const running = (list: { name: string; state?: { running?: object } }[] | undefined) =>
      new Set((list ?? []).filter((s) => s.state?.running).map((s) => s.name));
    const init = running(pod.status?.initContainerStatuses);
    const eph = running(pod.status?.ephemeralContainerStatuses);
    return all.filter((u) => u.kind === 'container' || (u.kind === 'init' ? init : eph).has(u.container));
  }
  const chosen = resolveContainer(pod, opts.container);
  if (chosen.notice) notice(chosen.notice);
  return [{ pod, container: chosen.name, spec: all.find((u) => u.container === chosen.name)?.spec, kind: chosen.kind }];
}

/** Every container of a pod, regular, init and ephemeral, with its spec. */
function allContainers(pod: Pod): Unit[] {
  return [
    ...pod.spec.containers.map((c) => ({ pod, container: c.name, spec: c, kind: 'container' as const })),
    ...(pod.spec.initContainers ?? []).map((c) => ({ pod, container: c.name, spec: c, kind: 'init' as const })),
    ...(pod.spec.ephemeralContainers ?? []).map((c) => ({ pod, container: c.name, spec: c, kind: 'ephemeral' as const })),
  ];
}

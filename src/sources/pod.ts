import { CliError } from '../errors.js';
import type { Origin, ProcItem } from '../item.js';
import { allRecords, assignRecords } from '../procfs/assign.js';
import { missingExecutable, missingFromStderr, splitSelfPid, statusCommand } from '../procfs/command.js';
import { loadCluster } from '../kube/config.js';
import { networkError } from '../kube/errors.js';
import { execCollect, UpgradeRefused, type ExecResult } from '../kube/exec.js';
import { apiFailure, checkRunning, getPod, resolveContainer } from '../kube/pod.js';
import { safe } from '../render/sanitize.js';

export interface PodRequest {
  pod: string;
  container: string | null;
  namespace: string | null;
  context: string | null;
  kubeconfig: string | null;
  pids: number[] | 'all';
  requestTimeoutMs: number;
  maxBytes: number;
  log: (line: string) => void;
  /** Lines for stderr that are not errors (the defaulted container). */
  notice: (line: string) => void;
}

export interface SourceResult {
  items: ProcItem[];
  warnings: string[];
}

/** One pod: GET it, pick the container, one exec for every PID asked. */
export async function readPod(req: PodRequest): Promise<SourceResult> {
  const cluster = loadCluster(req);
  const namespace = req.namespace ?? cluster.namespace;
  req.log(`context ${cluster.context}, server ${cluster.server}, namespace ${namespace}`);
  const pod = await getPod(cluster, namespace, req.pod, req.requestTimeoutMs);
  const container = resolveContainer(pod, req.container);
  if (container.notice) req.notice(container.notice);
  checkRunning(pod, container);

  const origin: Origin = { pod: req.pod, namespace, container: container.name };
  const command = statusCommand(req.pids);
  let result: ExecResult;
  try {
    result = await execCollect(cluster, {
      namespace, pod: req.pod, container: container.name, command,
      maxBytes: req.maxBytes, timeoutMs: req.requestTimeoutMs, log: req.log,
    });
  } catch (err) {
    if (err instanceof UpgradeRefused) {
      throw apiFailure(err, cluster, { verb: 'create', resource: 'pods/exec', namespace, name: req.pod });
    }
    if (err instanceof CliError) throw err;
    throw networkError(err, cluster.server, req.requestTimeoutMs);
  }
  return interpret(origin, req.pids, command, result);
}

/** What came back → items, keeping every PID that did arrive. */
export function interpret(origin: Origin, pids: number[] | 'all', command: string[], result: ExecResult): SourceResult {
  const warnings: string[] = [];
  const status = result.status;
  const exitCode = exitCodeOf(status);
  const message = status?.message ?? '';
  if (status && status.status !== 'Success') {
    const missing = missingExecutable(`${message}\n${result.stderr}`, exitCode);
    if (missing) {
      throw new CliError(
        `container "${origin.container}" of pod ${origin.namespace}/${origin.pod} has no "${missing}" to run` +
          ` (a distroless or scratch image?): ${safe(firstLine(message || result.stderr))}`,
        'read it from a debug container that shares its PID namespace, e.g. ' +
          `kubectl debug -it ${origin.pod} -n ${origin.namespace} --image=busybox:1.36 --target=${origin.container} -- cat /proc/1/status`,
      );
    }
    if (exitCode === null) {
      throw new CliError(`exec in ${origin.namespace}/${origin.pod} (container ${origin.container}) failed: ${safe(firstLine(message) || 'no reason given')}`);
    }
  }
  if (result.truncated) warnings.push(`output cut at the --max-bytes limit; showing what was read before it`);
  if (result.failure) warnings.push(result.failure);

  if (pids === 'all') {
    const { self, rest } = splitSelfPid(result.stdout);
    const assigned = allRecords(origin, rest, new Set(self === null ? [] : [self]));
    if (self === null && result.stdout.length > 0) warnings.push('the --all-pids helper did not report its own PID; it may be listed');
    if (assigned.items.length === 0) {
      const why = result.failure ?? (result.stderr ? safe(firstLine(result.stderr)) : 'no status records came back');
      throw new CliError(`no process status could be read from ${origin.namespace}/${origin.pod} (container ${origin.container}): ${why}`);
    }
    return { items: assigned.items, warnings: [...warnings, ...assigned.warnings] };
  }
  const missing = missingFromStderr(result.stderr);
  if (result.failure || result.truncated) {
    // PIDs that never arrived carry the reason the stream ended.
    const reason = result.truncated ? 'output cut at the --max-bytes limit before this process' : result.failure!;
    for (const pid of pids) if (!missing.has(pid)) missing.set(pid, reason);
    // …but a PID whose record did arrive is still matched by its Pid field.
  }
  const assigned = assignRecords(origin, result.stdout, pids, missing);
  return { items: assigned.items, warnings: [...warnings, ...assigned.warnings] };
}

/**
 * The exit code from a NonZeroExitCode Status (details.causes ExitCode), or 0
 * for Success; null when the command did not run to an exit.
 * https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/client-go/tools/remotecommand/websocket.go
 */
function exitCodeOf(status: ExecResult['status']): number | null {
  if (!status) return null;
  if (status.status === 'Success') return 0;
  if (status.reason !== 'NonZeroExitCode') return null;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : null;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

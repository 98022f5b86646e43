import { CliError } from '../errors.js';
import { errorItem, type Origin, type ProcItem } from '../item.js';
import { allRecords, assignRecords, threadRecords } from '../procfs/assign.js';
import { debugCommand, missingExecutable, missingFromStderr, splitHelperPids, statusCommand } from '../procfs/command.js';
import type { Cluster } from '../kube/config.js';
import { networkError } from '../kube/errors.js';
import { execCollect, UpgradeRefused, type ExecResult } from '../kube/exec.js';
import { apiFailure } from '../kube/pod.js';
import { safe } from '../render/sanitize.js';

export interface ReadRequest {
  pids: number[] | 'all';
  threads: boolean;
  requestTimeoutMs: number;
  maxBytes: number;
  log: (line: string) => void;
}

export interface SourceResult {
  items: ProcItem[];
  warnings: string[];
  /**
   * The container's read went wrong although some of it arrived (a stream cut
   * at --max-bytes, closed without a Status, timed out): the items that came
   * are kept, and this fails the run.
   */
  error: CliError | null;
}

/**
 * One container: one exec for every PID asked, however many. With `via`, the
 * exec runs in that ephemeral debug container, which shares the target's PID
 * namespace.
 */
export async function readContainer(cluster: Cluster, origin: Origin & { pod: string; namespace: string; container: string },
  req: ReadRequest, via: string | null = null): Promise<SourceResult> {
  const command = via ? debugCommand(req.pids, req.threads) : statusCommand(req.pids, req.threads);
  let result: ExecResult;
  try {
    result = await execCollect(cluster, {
      namespace: origin.namespace, pod: origin.pod, container: via ?? origin.container, command,
      maxBytes: req.maxBytes, timeoutMs: req.requestTimeoutMs, log: req.log,
    });
  } catch (err) {
    if (err instanceof UpgradeRefused) {
      throw apiFailure(err, cluster, { verb: 'create', resource: 'pods/exec', namespace: origin.namespace, name: origin.pod });
    }
    if (err instanceof CliError) throw err;
    throw networkError(err, cluster.server, req.requestTimeoutMs);
  }
  const read = interpret(origin, req.pids, req.threads, result, via);
  for (const item of read.items) item.debugContainer = via;
  return read;
}

/** What came back → items, keeping every PID that did arrive. */
export function interpret(origin: Origin, pids: number[] | 'all', threads: boolean, result: ExecResult,
  via: string | null = null): SourceResult {
  const warnings: string[] = [];
  const status = result.status;
  const exitCode = exitCodeOf(status);
  const message = status?.message ?? '';
  if (status && status.status !== 'Success') {
    const missing = missingExecutable(`${message}\n${result.stderr}`, exitCode);
    if (missing && via) {
      throw new CliError(`the debug container ${via} has no "${missing}": its image needs sh, cat and readlink (busybox has them)`,
        undefined, 'debug container');
    }
    if (missing) throw distroless(origin, missing, message || result.stderr);
    if (exitCode === null) {
      throw new CliError(`exec in ${origin.namespace}/${origin.pod} (container ${origin.container}) failed: ${safe(firstLine(message) || 'no reason given')}`);
    }
  }
  const error = result.truncated
    ? new CliError(`${where(origin)}: output cut at ${result.maxBytes} bytes (--max-bytes); showing what was read before it`, undefined, 'output cut')
    : result.failure ? new CliError(`${where(origin)}: ${result.failure}`, undefined, 'stream failed') : null;

  // The --all-pids and debug container scripts start with a line of their own
  // PIDs, which are not the target's.
  const scripted = pids === 'all' || via !== null;
  const { helpers, rest } = scripted ? splitHelperPids(result.stdout) : { helpers: null, rest: result.stdout };
  // With targeting, PID 1 of the shared namespace is the target's init; when
  // it is the debug container's own, the runtime ignored targetContainerName.
  if (via !== null && helpers?.has(1)) throw noTargeting(origin, via);

  if (pids === 'all') {
    const exclude = helpers ?? new Set<number>();
    const assigned = threads ? threadRecords(origin, rest, 'all', new Map(), exclude) : allRecords(origin, rest, exclude);
    if (!helpers && result.stdout.length > 0) warnings.push(`${where(origin)}: the --all-pids helper did not report its own PID; it may be listed`);
    if (assigned.items.length === 0) {
      if (error) throw error;
      if (via !== null && helpers && helpers.size > 0) throw noTargeting(origin, via);
      const why = result.stderr ? safe(firstLine(result.stderr)) : 'no status records came back';
      throw new CliError(`no process status could be read from ${where(origin)}: ${why}`);
    }
    return { items: assigned.items, warnings: [...warnings, ...assigned.warnings], error };
  }
  const missing = missingFromStderr(result.stderr);
  if (result.failure || result.truncated) {
    // PIDs that never arrived carry the reason the stream ended; a PID whose
    // record did arrive is still matched by its Pid field.
    const reason = result.truncated ? 'output cut at the --max-bytes limit before this process' : result.failure!;
    for (const pid of pids) if (!missing.has(pid)) missing.set(pid, reason);
  }
  const assigned = threads
    ? threadRecords(origin, rest, pids, missing, new Set())
    : assignRecords(origin, rest, pids, missing);
  // A PID asked for that is the debug container's own is never shown as the target's.
  const items = assigned.items.map((i) => (helpers && i.pid !== null && helpers.has(i.pid)
    ? errorItem(origin, i.pid, `a process of the debug container ${via}, not of the target`, i.tid) : i));
  return { items, warnings: [...warnings, ...assigned.warnings], error };
}

/** What a runtime without process-namespace targeting looks like from inside. */
function noTargeting(origin: Origin, via: string): CliError {
  return new CliError(
    `the debug container ${via} sees only its own processes, not those of container "${origin.container}" in ` +
      `${origin.namespace}/${origin.pod}: the container runtime does not support targetContainerName (process namespace targeting)`,
    'set shareProcessNamespace: true on the pod, or use a runtime that supports ephemeral container targeting',
    'no targeting',
  );
}

function distroless(origin: Origin, program: string, said: string): CliError {
  return new CliError(
    `container "${origin.container}" of pod ${origin.namespace}/${origin.pod} has no "${program}" to run` +
      ` (a distroless or scratch image?): ${safe(firstLine(said))}`,
    'read it from a debug container that shares its PID namespace: add --debug-image busybox:1.36 ' +
      '(this adds an ephemeral container to the pod, which cannot be removed afterwards)',
    'no cat or sh',
  );
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

function where(origin: Origin): string {
  return `${origin.namespace}/${origin.pod} (container ${origin.container})`;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

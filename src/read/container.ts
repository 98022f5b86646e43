import { CliError, firstLine } from '../errors.js';
import { buildItem, errorItem, type Origin, type ProcItem } from '../record/record.js';
import { parseStatus } from '../procfs/status.js';
import { readContext } from './context.js';
import { missingExecutable, isWindowsRuntime } from './exec-failure.js';
import { readCommand, unframe, type ProcFrames, type ReadMode } from './frame.js';
import type { ReadSpec } from './files.js';
import type { Cluster } from '../kube/config.js';
import { networkError } from '../kube/errors.js';
import { execCollect, UpgradeRefused, type ExecResult } from '../kube/exec.js';
import { apiFailure } from '../kube/pod.js';

export interface ExecLimits {
  timeoutMs: number;
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
  /** The frames the items were built from, for readers that need more of a process than its item (a node's cgroups). */
  frames: ProcFrames[];
}

type Where = Origin & { pod: string; namespace: string; container: string };

/**
 * One container: one exec for every PID asked, however many. With `via`, the
 * exec runs in that ephemeral debug container, which shares the target's PID
 * namespace.
 */
export async function readContainer(cluster: Cluster, origin: Where, spec: ReadSpec, limits: ExecLimits,
  via: string | null = null): Promise<SourceResult> {
  const mode: ReadMode = via ? 'debug' : 'direct';
  let result: ExecResult;
  const exec = () => execCollect(cluster, {
    namespace: origin.namespace, pod: origin.pod, container: via ?? origin.container, command: readCommand(spec, mode),
    maxBytes: limits.maxBytes, timeoutMs: limits.timeoutMs, log: limits.log,
  });
  try {
    try {
      result = await exec();
    } catch (err) {
      // A reset before the upgrade was answered: most often a kept-alive connection
      // the server had just closed. The read only reads, so it is tried once more.
      const code = (err as NodeJS.ErrnoException).code;
      if (err instanceof UpgradeRefused || (code !== 'ECONNRESET' && code !== 'EPIPE')) throw err;
      limits.log(`exec ${origin.namespace}/${origin.pod}: connection reset before the upgrade (${code}); once more`);
      result = await exec();
    }
  } catch (err) {
    if (err instanceof UpgradeRefused) {
      throw apiFailure(err, cluster, { verb: 'create', resource: 'pods/exec', namespace: origin.namespace, name: origin.pod });
    }
    if (err instanceof CliError) throw err;
    throw networkError(err, cluster.server, limits.timeoutMs);
  }
  return interpret(origin, spec, result, via);
}

/** What came back → items, keeping every PID that did arrive. */
export function interpret(origin: Where, spec: ReadSpec, result: ExecResult, via: string | null = null): SourceResult {
  const status = result.status;
  const exitCode = exitCodeOf(status);
  const message = status?.message ?? '';
  if (status && status.status !== 'Success') {
    const said = `${message}\n${result.stderr}`;
    if (isWindowsRuntime(said)) throw windows(origin);
    const missing = missingExecutable(said, exitCode);
    if (missing && via) {
      throw new CliError(`the debug container ${via} has no "${missing}": its image needs sh, cat and readlink (busybox has them)`,
        undefined, 'debug container');
    }
    if (missing) throw distroless(origin, missing, message && !/non-zero exit code/.test(message) ? message : result.stderr || message);
    if (exitCode === null) {
      throw new CliError(`exec in ${where(origin)} failed: ${firstLine(message.trim()) || 'no reason given'}`);
    }
  }
  // A stream that ended early says why for every PID that never arrived.
  const cutReason = result.truncated ? 'output cut at the --max-bytes limit before this process' : result.failure;
  const read = unframe(spec, via ? 'debug' : 'direct', result.stdout, result.stderr, cutReason);
  if (read.error) throw new CliError(`${where(origin)}: ${read.error}`, undefined, 'garbled output');
  const error = result.truncated
    ? new CliError(`${where(origin)}: output cut at ${result.maxBytes} bytes (--max-bytes); showing what was read before it`, undefined, 'output cut')
    : result.failure ? new CliError(`${where(origin)}: ${result.failure}`, undefined, 'stream failed') : null;

  const warnings = read.warnings.map((w) => `${where(origin)}: ${w}`);
  const helpers = read.helpers;
  // With targeting, PID 1 of the shared namespace is the target's init; when
  // it is the debug container's own, the runtime ignored targetContainerName.
  if (via !== null && helpers?.has(1)) throw noTargeting(origin, via);
  if (spec.pids === 'all' && !helpers && result.stdout.length > 0) {
    warnings.push(`${where(origin)}: the --all-pids helper did not report its own PID; it may be listed`);
  }

  const context = readContext(read.shared);
  const items: ProcItem[] = [];
  const repeated: string[] = [];
  for (const proc of read.procs) {
    if (spec.pids === 'all' && helpers?.has(proc.pid)) continue;
    if (spec.pids !== 'all' && !spec.pids.includes(proc.pid)) continue;
    if (helpers?.has(proc.pid)) {
      items.push(errorItem(origin, proc.pid, `a process of the debug container ${via}, not of the target`, proc.tid));
      continue;
    }
    const status = parseStatus(proc.files.status ?? '');
    const item = buildItem(origin, proc, context, via, status);
    const dups = status.duplicates;
    if (dups.length && repeated.length < 3) repeated.push(`pid ${proc.pid}: ${dups.join(', ')}`);
    items.push(item);
  }
  // One line per container, however many processes repeat keys: what is said about one container is bounded.
  if (repeated.length) warnings.push(`${where(origin)}: repeated keys ignored (${repeated.join('; ')})`);

  if (spec.pids === 'all') {
    if (items.length === 0) {
      if (error) throw error;
      if (via !== null && helpers && helpers.size > 0) throw noTargeting(origin, via);
      const why = result.stderr ? firstLine(result.stderr.trim()) : 'no status records came back';
      throw new CliError(`no process status could be read from ${where(origin)}: ${why}`);
    }
    items.sort(byPid);
    return { items, warnings, error, frames: read.procs };
  }
  for (const [pid, why] of read.missing) {
    if (!items.some((i) => i.pid === pid)) items.push(errorItem(origin, pid, why));
  }
  const order = new Map(spec.pids.map((p, i) => [p, i]));
  items.sort((a, b) => (order.get(a.pid!) ?? 0) - (order.get(b.pid!) ?? 0) || (a.tid ?? 0) - (b.tid ?? 0));
  return { items, warnings, error, frames: read.procs };
}

function byPid(a: ProcItem, b: ProcItem): number {
  return (a.pid ?? 0) - (b.pid ?? 0) || (a.tid ?? 0) - (b.tid ?? 0);
}

/** What a runtime without process-namespace targeting looks like from inside. */
function noTargeting(origin: Where, via: string): CliError {
  return new CliError(
    `the debug container ${via} sees only its own processes, not those of container "${origin.container}" in ` +
      `${origin.namespace}/${origin.pod}: the container runtime does not support targetContainerName (process namespace targeting)`,
    'set shareProcessNamespace: true on the pod, or use a runtime that supports ephemeral container targeting',
    'no targeting',
  );
}

function distroless(origin: Where, program: string, said: string): CliError {
  return new CliError(
    `container "${origin.container}" of pod ${origin.namespace}/${origin.pod} has no "${program}" to run` +
      ` (a distroless or scratch image?): ${firstLine(said.trim())}`,
    'read it from a debug container that shares its PID namespace: add --debug-image busybox:1.36 ' +
      '(this adds an ephemeral container to the pod, which cannot be removed afterwards)',
    'no cat or sh',
  );
}

/** A Windows container has no /proc; reached only when the pod did not say so in its spec. */
export function windows(origin: Where): CliError {
  return new CliError(`container "${origin.container}" of pod ${origin.namespace}/${origin.pod} runs on Windows, ` +
    'which has no /proc: there is no process status to read', undefined, 'unsupported os');
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

function where(origin: Where): string {
  return `${origin.namespace}/${origin.pod} (container ${origin.container})`;
}

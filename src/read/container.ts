import { CliError, firstLine } from '../errors.js';
import { failure, partOf, type Failure } from '../record/failure.js';
import { buildRecord, failedRecord, type ProcRecord, type ReadContext } from '../record/record.js';
import { describeWhere, type Where } from '../record/where.js';
import { parseStatus, type StatusRecord } from '../procfs/status.js';
import { readContext } from './context.js';
import { missingExecutable, isWindowsRuntime } from './exec-failure.js';
import { readCommand, unframe, type Missed, type ProcFrames, type ReadMode } from './frame.js';
import type { ReadSpec } from './files.js';
import type { Cluster } from '../kube/config.js';
import { execCollect, type ExecResult } from '../kube/exec.js';
import { withRetry, type ApiWhat } from '../kube/api.js';

export interface ExecLimits {
  timeoutMs: number;
  maxBytes: number;
  log: (line: string) => void;
  /** Ends the exec early (Ctrl-C). */
  signal?: AbortSignal;
}

/** The container an exec runs in. */
export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
}

/** One process whose status arrived: its frames, and its status parsed once. */
export interface ReadProc {
  frames: ProcFrames;
  status: StatusRecord;
}

/** What one exec gave, tied to its processes; records are built from it by whoever knows where each process belongs. */
export interface ContainerRead {
  procs: ReadProc[];
  context: ReadContext;
  /** Processes asked for by PID that did not arrive, and why (in the order asked). */
  missing: { pid: number; tid: number | null; missed: Missed }[];
  warnings: string[];
  /**
   * The read went wrong although some of it arrived (a stream cut at
   * --max-bytes, closed without a Status, timed out): what came is kept, and
   * this fails the run.
   */
  failure: Failure | null;
}

/**
 * One container: one exec for every PID asked, however many. With `via`, the
 * exec runs in that ephemeral debug container, which shares the target's PID
 * namespace. `where` is the place messages name (a node read's reader pod is
 * "node n" to the user). A failure of the whole read is thrown as a CliError.
 */
export async function readContainer(cluster: Cluster, target: ExecTarget, where: Where, spec: ReadSpec, limits: ExecLimits,
  via: string | null = null): Promise<ContainerRead> {
  const mode: ReadMode = via ? 'debug' : 'direct';
  const what: ApiWhat = { verb: 'create', resource: 'pods/exec', namespace: target.namespace, name: target.pod };
  const result = await withRetry(cluster, what, { timeoutMs: limits.timeoutMs, log: limits.log, signal: limits.signal, exec: true },
    () => execCollect(cluster, {
      namespace: target.namespace, pod: target.pod, container: via ?? target.container, command: readCommand(spec, mode),
      maxBytes: limits.maxBytes, timeoutMs: limits.timeoutMs, log: limits.log, signal: limits.signal,
    }));
  return interpret(target, where, spec, result, via);
}

/** What came back → processes, keeping every PID that did arrive. */
export function interpret(target: ExecTarget, where: Where, spec: ReadSpec, result: ExecResult, via: string | null = null): ContainerRead {
  const place = describeWhere(where);
  const status = result.status;
  const exitCode = exitCodeOf(status);
  const message = status?.message ?? '';
  if (status && status.status !== 'Success') {
    const said = `${message}\n${result.stderr}`;
    if (isWindowsRuntime(said)) throw windows(target);
    const missing = missingExecutable(said, exitCode);
    if (missing && via) {
      throw new CliError(`the debug container ${via} has no "${missing}": its image needs sh, cat and readlink (busybox has them)`,
        undefined, 'debug container');
    }
    if (missing) throw distroless(target, missing, message && !/non-zero exit code/.test(message) ? message : result.stderr || message);
    if (exitCode === null) {
      // The runtime's own reason ("cannot exec in a stopped container"), not only that it failed.
      throw new CliError(`exec in ${place} failed: ${firstLine(message.trim()) || firstLine(result.stderr.trim()) || 'no reason given'}`);
    }
  }
  // A stream that ended early says why for every PID that never arrived.
  const cut: Missed | null = result.truncated ? { kind: 'output cut', message: 'output cut at the --max-bytes limit before this process' }
    : result.failure ? { kind: 'stream failed', message: result.failure } : null;
  const read = unframe(spec, via ? 'debug' : 'direct', result.stdout, result.stderr, cut);
  if (read.error) throw new CliError(`${place}: ${read.error}`, undefined, 'garbled output');
  const unitFailure = result.truncated
    ? failure('output cut', where, `output cut at ${result.maxBytes} bytes (--max-bytes); showing what was read before it`)
    : result.failure ? failure('stream failed', where, result.failure) : null;

  const warnings = read.warnings.map((w) => `${place}: ${w}`);
  const helpers = read.helpers;
  // With targeting, PID 1 of the shared namespace is the target's init; when
  // it is the debug container's own, the runtime ignored targetContainerName.
  if (via !== null && helpers?.has(1)) throw noTargeting(target, via);
  if (spec.pids === 'all' && !helpers && result.stdout.length > 0) {
    warnings.push(`${place}: the --all-pids helper did not report its own PID; it may be listed`);
  }

  const procs: ReadProc[] = [];
  const missing: ContainerRead['missing'] = [];
  const repeated: string[] = [];
  for (const frames of read.procs) {
    if (spec.pids === 'all' && helpers?.has(frames.pid)) continue;
    if (spec.pids !== 'all' && !spec.pids.includes(frames.pid)) continue;
    if (helpers?.has(frames.pid)) {
      missing.push({ pid: frames.pid, tid: frames.tid,
        missed: { kind: 'failed', message: `a process of the debug container ${via}, not of the target` } });
      continue;
    }
    const parsed = parseStatus(frames.files.status ?? '');
    if (parsed.duplicates.length && repeated.length < 3) repeated.push(`pid ${frames.pid}: ${parsed.duplicates.join(', ')}`);
    procs.push({ frames, status: parsed });
  }
  // One line per container, however many processes repeat keys: what is said about one container is bounded.
  if (repeated.length) warnings.push(`${place}: repeated keys ignored (${repeated.join('; ')})`);

  if (spec.pids === 'all') {
    if (procs.length === 0) {
      if (unitFailure) throw new CliError(unitFailure.message, undefined, unitFailure.kind);
      if (via !== null && helpers && helpers.size > 0) throw noTargeting(target, via);
      const why = result.stderr ? firstLine(result.stderr.trim()) : 'no status records came back';
      throw new CliError(`no process status could be read from ${place}: ${why}`);
    }
    procs.sort((a, b) => a.frames.pid - b.frames.pid || (a.frames.tid ?? 0) - (b.frames.tid ?? 0));
  } else {
    for (const [pid, missed] of read.missing) {
      if (!procs.some((p) => p.frames.pid === pid) && !missing.some((m) => m.pid === pid)) missing.push({ pid, tid: null, missed });
    }
    const order = new Map(spec.pids.map((p, i) => [p, i]));
    procs.sort((a, b) => (order.get(a.frames.pid) ?? 0) - (order.get(b.frames.pid) ?? 0) || (a.frames.tid ?? 0) - (b.frames.tid ?? 0));
  }
  return { procs, context: readContext(read.shared, read.sharedMissing), missing, warnings, failure: unitFailure };
}

/**
 * A container read → its records, in the order asked (by PID for
 * --all-pids), each process that did not arrive as a failed record. When the
 * read as a whole failed (cut, stream failed), theirs are part of that one
 * failure, which is said once for the container, not again per PID.
 */
export function containerRecords(where: Where, read: ContainerRead, spec: ReadSpec, via: string | null): ProcRecord[] {
  const records = read.procs.map((p) => buildRecord(where, p.frames, read.context, { debugContainer: via, status: p.status }));
  if (spec.pids === 'all' && read.missing.length === 0) return records;
  const failed = read.missing.map((m) => failedRecord(where, m.pid, partOf(failure(m.missed.kind, where, m.missed.message), read.failure), m.tid));
  if (spec.pids === 'all') return [...records, ...failed].sort(byPid);
  const order = new Map(spec.pids.map((p, i) => [p, i]));
  return [...records, ...failed].sort((a, b) => (order.get(a.pid!) ?? 0) - (order.get(b.pid!) ?? 0) || (a.tid ?? 0) - (b.tid ?? 0));
}

function byPid(a: ProcRecord, b: ProcRecord): number {
  return (a.pid ?? 0) - (b.pid ?? 0) || (a.tid ?? 0) - (b.tid ?? 0);
}

/** What a runtime without process-namespace targeting looks like from inside. */
function noTargeting(target: ExecTarget, via: string): CliError {
  return new CliError(
    `the debug container ${via} sees only its own processes, not those of container "${target.container}" in ` +
      `${target.namespace}/${target.pod}: the container runtime does not support targetContainerName (process namespace targeting)`,
    'set shareProcessNamespace: true on the pod, or use a runtime that supports ephemeral container targeting',
    'no targeting',
  );
}

function distroless(target: ExecTarget, program: string, said: string): CliError {
  return new CliError(
    `container "${target.container}" of pod ${target.namespace}/${target.pod} has no "${program}" to run` +
      ` (a distroless or scratch image?): ${firstLine(said.trim())}`,
    'read it from a debug container that shares its PID namespace: add --debug-image busybox:1.36 ' +
      '(this adds an ephemeral container to the pod, which cannot be removed afterwards)',
    'no cat or sh',
  );
}

/** A Windows container has no /proc; reached only when the pod did not say so in its spec. */
export function windows(target: ExecTarget): CliError {
  return new CliError(`container "${target.container}" of pod ${target.namespace}/${target.pod} runs on Windows, ` +
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

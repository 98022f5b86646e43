import type { Judged } from '../judge/judge.js';
import { failureLine, type Failure } from '../record/failure.js';
import { describeProcess, type Where } from '../record/where.js';

/** Failures only a process has: a unit never fails with these (src/read/frame.ts, src/sources/local.ts). */
const PROCESS_KINDS: ReadonlySet<string> = new Set(['no such process', 'permission denied']);

/** One failure of a read, as a document tells it: once, with the place and the words stderr gives it. */
export interface ReadFailure {
  readonly failure: Failure;
  readonly where: Where;
  /** The process, when the failure is one process's own (a PID that is gone); null for a container, pod or node. */
  readonly pid: number | null;
  readonly tid: number | null;
  /** The line the run says on stderr after `error: ` (not yet escaped). */
  readonly line: string;
}

/**
 * The failures among judged items, each once, in the order of the items,
 * in the words src/run.ts gives them on stderr. A unit that failed as a
 * whole (a pod not running, a refused exec, a cut stream) stands in every
 * item it cost, as the same Failure object or as their `within`: that is
 * the container's failure (failureLine). A process's own failure (a PID
 * that is gone, a file it may not read) is shared with no other item, and
 * either is of a kind only a process has or sits beside other items of its
 * container, or on this machine, where only processes are read:
 * "pid 7 in ns/pod (container c): no such process".
 */
export function readFailures(items: readonly Judged[]): ReadFailure[] {
  const uses = new Map<Failure, number>();
  const beside = new Map<string, number>();
  for (const { record } of items) {
    const f = record.failure;
    if (f) uses.set(f.within ?? f, (uses.get(f.within ?? f) ?? 0) + 1);
    beside.set(placeKey(record.where), (beside.get(placeKey(record.where)) ?? 0) + 1);
  }
  const told = new Set<Failure>();
  const out: ReadFailure[] = [];
  for (const { record } of items) {
    if (!record.failure) continue;
    const f = record.failure.within ?? record.failure;
    if (told.has(f)) continue;
    told.add(f);
    const own = record.pid !== null && record.failure.within === undefined && uses.get(f) === 1
      && (PROCESS_KINDS.has(f.kind) || beside.get(placeKey(record.where))! > 1 || isThisMachine(record.where));
    out.push(own
      ? { failure: f, where: record.where, pid: record.pid, tid: record.tid, line: `${describeProcess(record.where, record.pid, record.tid)}: ${f.message}` }
      : { failure: f, where: f.where, pid: null, tid: null, line: failureLine(f) });
  }
  return out;
}

function isThisMachine(where: Where): boolean {
  return where.node === null && where.pod === null && where.container === null;
}

/** A place as a key: node, namespace, pod and container. */
export function placeKey(where: Where): string {
  return JSON.stringify([where.node, where.namespace, where.pod, where.container]);
}

import type { DriftGroup } from '../judge/drift.js';
import type { FindingPolicy } from '../judge/policy.js';
import type { Failure } from '../record/failure.js';
import type { ProcRecord } from '../record/record.js';
import type { Where } from '../record/where.js';

/**
 * Where records come from: this machine's /proc (local.ts), the containers of
 * pods (pods.ts), or a node's processes (node.ts). Every source yields the
 * same thing, batch by batch, in a deterministic order (the API's list
 * order), so the judging and render stages after it never know which one
 * ran, and a sweep of any size streams through in bounded memory.
 */
export interface Source {
  read(ctx: SourceContext): AsyncIterable<Batch>;
}

/** A record and the policy it is judged by: its container's spec, or the host's. */
export interface Unjudged {
  readonly record: ProcRecord;
  readonly policy: FindingPolicy;
}

/**
 * What one unit of a read gave: a container of a pod, a node, or this
 * machine. `failures` are the unit's own (a refused exec, a pod that is not
 * running, a cut stream): each is said once, and records that carry the same
 * Failure object stand for it in documents without a line of their own.
 */
export interface Batch {
  /** The unit read, for the summary's counts; null for this machine. */
  readonly unit: Where | null;
  readonly items: readonly Unjudged[];
  readonly failures: readonly Failure[];
  readonly warnings: readonly string[];
  /** At the end of a sweep: owners whose replicas' kernel state was compared (judge/drift.ts). */
  readonly drift?: readonly DriftGroup[];
}

/** What a source may do besides yielding: log, tell, show progress, and stop when asked. */
export interface SourceContext {
  /** -v lines. */
  log(line: string): void;
  /** A failure outside any batch (cleanup that could not be done): said, and the run fails. */
  fail(f: Failure): void;
  /** A warning about the read as a whole (an inconsistent list), said at once. */
  warn(line: string): void;
  /** A line for stderr as kubectl prints its notices ("Defaulted container …", "No resources found"). */
  notice(line: string): void;
  /** Units done, and the total when it is known (a chunked list knows it only roughly). */
  progress(done: number, total: number | null): void;
  /** Aborted on Ctrl-C, SIGTERM, a closed output: stop starting work, end what is running. */
  readonly signal: AbortSignal;
  /**
   * Aborted on a second interrupt: cleanup that waits (deleting what the read
   * created) stops waiting, and says what it left behind.
   */
  readonly hurry: AbortSignal;
}

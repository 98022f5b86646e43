import { CliError, type FailureKind } from '../errors.js';
import { describeWhere, type Where } from './where.js';

/**
 * A read that failed, as data: what kind of failure (the summary counts by
 * it, the debug-container fallback branches on it), where it happened, and
 * what was said, without the place (describeWhere adds it once, when a line
 * is written). Built once, never changed.
 */
export interface Failure {
  readonly kind: FailureKind;
  readonly where: Where;
  readonly message: string;
  /** A second line saying what to do about it. */
  readonly hint?: string;
  /**
   * The failure of the whole read this one is part of (a process that never
   * arrived because the stream was cut): that one is said, once, for the
   * container; this one stays in the process's item.
   */
  readonly within?: Failure;
}

export function failure(kind: FailureKind, where: Where, message: string, hint?: string): Failure {
  return hint === undefined ? { kind, where, message } : { kind, where, message, hint };
}

/** A process's own failure, as part of its read's failure when there is one. */
export function partOf(f: Failure, whole: Failure | null): Failure {
  return whole ? { ...f, within: whole } : f;
}

/** Any thrown value → a failure at `where`, keeping a CliError's kind and hint. */
export function failureOf(err: unknown, where: Where): Failure {
  if (err instanceof CliError) return failure(err.kind, where, err.message, err.hint);
  return failure('failed', where, (err as Error)?.message ?? String(err));
}

/**
 * The failure as one line: the message, after its place unless the message
 * already names it (an API server's own words often do: `pods "x" is forbidden`
 * does not, `pod ns/x is not running` does).
 */
export function failureLine(f: Failure): string {
  const { where } = f;
  if (where.pod === null && where.node === null) return f.message;
  if (f.message.includes(where.pod !== null ? `${where.namespace}/${where.pod}` : `node ${where.node}`)) return f.message;
  return `${where.pod !== null && where.container === null ? 'pod ' : ''}${describeWhere(where)}: ${f.message}`;
}

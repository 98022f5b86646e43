// Records for unit tests, built by the tool's own builders from captured texts.
import type { FindingPolicy } from '../../src/judge/policy.js';
import { judge, type Judged } from '../../src/judge/judge.js';
import { containerRecords, interpret, type ExecTarget } from '../../src/read/container.js';
import type { ReadSpec } from '../../src/read/files.js';
import type { ProcFiles } from '../../src/read/frame.js';
import { failure } from '../../src/record/failure.js';
import { buildRecord, failedRecord, type ProcRecord, type ReadContext } from '../../src/record/record.js';
import type { Where } from '../../src/record/where.js';
import type { ExecResult } from '../../src/kube/exec.js';

export const HERE: Where = { node: null, namespace: null, pod: null, container: null };

/** A Where from its named parts, the rest null. */
export function at(parts: Partial<Where>): Where {
  return { ...HERE, ...parts };
}

/** One process's status text (and any other files) → its record. */
export function statusRecord(where: Partial<Where>, pid: number, status: string, files: ProcFiles = {}, ctx?: ReadContext): ProcRecord {
  return buildRecord(at(where), { pid, tid: null, files: { status, ...files } }, ctx);
}

/** A process that could not be read. */
export function failedAt(where: Partial<Where>, pid: number | null, message: string): ProcRecord {
  return failedRecord(at(where), pid, failure('failed', at(where), message));
}

/** Judged, as the run judges it. */
export function judged(record: ProcRecord, policy: FindingPolicy): Judged {
  return judge(record, policy);
}

/** An exec's result → the records a pod read makes of it. */
export function readRecords(target: ExecTarget, spec: ReadSpec, result: ExecResult, via: string | null = null): ProcRecord[] {
  const where = at(target);
  return containerRecords(where, interpret(target, where, spec, result, via), spec, via);
}

/** pid, name and error of each record: what a document item says of them. */
export function summary(records: ProcRecord[]): { pid: number | null; name: string | null; error: string | null }[] {
  return records.map((r) => ({ pid: r.pid, name: r.name, error: r.failure?.message ?? null }));
}

/** A record shown as it is, with no judgement (tables and documents of it, without findings). */
export function bare(record: ProcRecord): Judged {
  return { record, judgement: { podSecurity: null, findings: [] } };
}

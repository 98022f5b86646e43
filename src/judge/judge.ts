import type { ProcRecord } from '../record/record.js';
import type { Finding } from './finding.js';
import { findingsFor, podSecurityFor } from './findings.js';
import type { FindingPolicy } from './policy.js';
import type { PodSecurity } from './pss.js';

/** What the judging stage says of one process: the level its kernel state meets, and the findings. */
export interface Judgement {
  /** null when not judged (a failed read, a kernel thread of the host). */
  readonly podSecurity: PodSecurity | null;
  readonly findings: readonly Finding[];
}

/** A record and its judgement: what the render stage gets. Neither is changed after. */
export interface Judged {
  readonly record: ProcRecord;
  readonly judgement: Judgement;
}

const NOTHING: Judgement = Object.freeze({ podSecurity: null, findings: Object.freeze([]) as readonly Finding[] });

/**
 * The judging stage: one record, by the policy its source attached (its
 * container's spec, or the host's). Pure; every source's records come
 * through here, and only here.
 */
export function judge(record: ProcRecord, policy: FindingPolicy): Judged {
  if (record.failure !== null) return { record, judgement: NOTHING };
  const podSecurity = podSecurityFor(record, policy);
  return { record, judgement: { podSecurity, findings: findingsFor(record, policy, podSecurity) } };
}

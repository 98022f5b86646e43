import type { DecodedSet } from '../decode/capabilities.js';
import { innerPid, type ProcRecord } from '../record/record.js';
import type { Finding } from './finding.js';
import type { Judged } from './judge.js';

/**
 * Processes weaker than their container's PID 1: what a shell exec'd into a
 * container, or a child that raised itself, looks like. The runtime applies
 * the spec to PID 1; an exec does not always get the same (no_new_privs is
 * not set on exec'd processes by every runtime: kubernetes/kubernetes#73275),
 * and a setuid binary can raise a child above it. Within one container's
 * read, each process is compared with that container's PID 1, where it was
 * read. Pure: new Judged for those with a finding, the others as they were.
 * https://github.com/kubernetes/kubernetes/issues/73275
 */
export function relate(judged: readonly Judged[]): Judged[] {
  const pid1 = new Map<string, ProcRecord>();
  const key = (r: ProcRecord) => `${r.where.node}/${r.where.namespace}/${r.where.pod}/${r.where.container}`;
  for (const j of judged) {
    const r = j.record;
    if (r.failure === null && r.where.pod !== null && r.where.container !== null && r.tid === null && innerPid(r) === 1) pid1.set(key(r), r);
  }
  if (pid1.size === 0) return [...judged];
  return judged.map((j) => {
    const r = j.record;
    const init = r.failure === null && r.where.pod !== null ? pid1.get(key(r)) : undefined;
    if (!init || init === r || (r.tid !== null && r.pid === init.pid)) return j;
    const weaker = weakerThan(r, init);
    if (!weaker.length) return j;
    const finding: Finding = {
      id: 'weaker-than-pid1', severity: 'warning',
      message: `pid ${r.pid} (${r.name ?? '?'}) is less confined than its container's PID 1 (pid ${init.pid}, ${init.name ?? '?'}): ${weaker.join('; ')}. ` +
        'An exec\'d shell or a child that raised itself looks like this: https://github.com/kubernetes/kubernetes/issues/73275',
    };
    return { record: r, judgement: { ...j.judgement, findings: [...j.judgement.findings, finding] } };
  });
}

/** How `p` holds more than PID 1 does: each difference in words; none when it holds no more. */
export function weakerThan(p: ProcRecord, init: ProcRecord): string[] {
  const out: string[] = [];
  if (init.noNewPrivs === true && p.noNewPrivs === false) out.push('NoNewPrivs is 0 where PID 1 has 1');
  for (const [key, field] of [['bounding', 'CapBnd'], ['effective', 'CapEff']] as const) {
    const more = beyond(p.capabilities?.[key], init.capabilities?.[key]);
    if (more.length) out.push(`${field} holds ${more.join(', ')}, which PID 1's lacks`);
  }
  if (init.seccomp === 'filter' && p.seccomp === 'disabled') out.push('Seccomp is 0 where PID 1 has a filter');
  else if (init.seccompFilters !== null && p.seccompFilters !== null && p.seccompFilters < init.seccompFilters) {
    out.push(`${p.seccompFilters} seccomp filter${p.seccompFilters === 1 ? '' : 's'} where PID 1 has ${init.seccompFilters}`);
  }
  // Another user is often less (a server's workers); root where PID 1 is not, is more.
  if (p.uid && init.uid && p.uid[1] === 0 && init.uid[1] !== 0) out.push(`effective uid 0 where PID 1 runs as ${init.uid[1]}`);
  return out;
}

/** Names in `a` that `b` lacks; nothing when either did not decode (no finding rests on an unreadable mask). */
function beyond(a: DecodedSet | undefined, b: DecodedSet | undefined): string[] {
  if (!a?.names || !b?.names) return [];
  const have = new Set(b.names);
  return a.names.filter((n) => !have.has(n));
}

import { atLeast, type Finding, type Severity } from './judge/finding.js';
import type { Judged } from './judge/judge.js';
import { belowLevel, PodLevels, type PodLevel } from './judge/levels.js';
import type { Level } from './judge/pss.js';
import type { Where } from './record/where.js';

/**
 * What the run needs to know at its end, counted as the batches go by: never
 * the records themselves. The exit code, the summary line and the
 * document's `pods` come from here.
 */
export class Tally {
  /** Judged items seen. */
  items = 0;
  /** Failures said (units, processes, cleanup): exit 1. */
  failed = 0;
  /** A --fail-on finding or a process below --require-level: exit 3. */
  findings = false;
  /** Whether anything reached stdout. */
  written = false;
  private readonly counts = { critical: 0, warning: 0, info: 0 };
  private readonly levels = new PodLevels();
  private readonly pods_ = new Set<string>();
  private units = 0;
  private unitsFailed = 0;
  private readonly kinds = new Map<string, number>();

  add(j: Judged, o: { failOn: Severity | null; requireLevel: Level | 'enforce' | null }): void {
    this.items++;
    this.levels.add(j);
    for (const f of j.judgement.findings) {
      this.counts[f.severity]++;
      if (o.failOn && atLeast(f.severity, o.failOn)) this.findings = true;
    }
    if (o.requireLevel === 'enforce') {
      if (j.judgement.findings.some((f) => f.id === 'below-namespace-level')) this.findings = true;
    } else if (o.requireLevel && belowLevel(j, o.requireLevel)) {
      this.findings = true;
    }
  }

  /** Findings about a group rather than one process (replicas that drift apart). */
  extra(findings: readonly Finding[], o: { failOn: Severity | null }): void {
    for (const f of findings) {
      this.counts[f.severity]++;
      if (o.failOn && atLeast(f.severity, o.failOn)) this.findings = true;
    }
  }

  fail(kind?: string): void {
    this.failed++;
    if (kind) this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
  }

  wrote(): void {
    this.written = true;
  }

  /** One container (or a pod or node failing as a whole) done: read, or failed. */
  unit(where: Where, failed: boolean, kind?: string): void {
    this.units++;
    this.pods_.add(where.pod !== null ? `${where.namespace}/${where.pod}` : `#${this.units}`);
    if (failed) {
      this.unitsFailed++;
      if (kind) this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
    }
  }

  pods(): PodLevel[] {
    return this.levels.list();
  }

  /**
   * "summary: 12 pods, 14 containers: 13 read, 1 failed (forbidden 1); findings: 2 critical, 5 warning;
   * levels: 1 privileged, 10 baseline, 1 restricted". Each container is read or failed, never both.
   */
  summary(): string {
    const pods = this.pods_.size;
    const read = this.units - this.unitsFailed;
    const failed = this.unitsFailed
      ? `, ${this.unitsFailed} failed (${[...this.kinds].map(([k, n]) => `${k} ${n}`).join(', ')})` : '';
    const levels = this.levels.counts();
    return `summary: ${pods} pod${pods === 1 ? '' : 's'}, ${this.units} container${this.units === 1 ? '' : 's'}: ` +
      `${read} read${failed}; findings: ${this.counts.critical} critical, ${this.counts.warning} warning` +
      `${levels ? `; ${levels}` : ''}`;
  }
}

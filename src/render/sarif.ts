import type { Log, Notification, Result } from 'sarif';
import type { Judged } from '../judge/judge.js';
import { VERSION } from '../version.js';
import { readFailures } from './failures.js';
import { renderJson } from './json.js';
import { processLabel } from './process-label.js';
import { wholeRead, type DriftReport, type Renderer, type RenderSpec } from './renderer.js';
import { driftFingerprint, fingerprint, Locations } from './sarif-locations.js';
import { HOMEPAGE, rulesFor, SARIF_LEVEL } from './sarif-rules.js';
import { visibleText } from './visible.js';

/** The schema of the OASIS Standard with its errata (draft-04), which test/fixtures/schemas/ carries. */
export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/** -o sarif: the whole read as one SARIF 2.1.0 log, written at the end. */
export const sarifRenderer: Renderer = wholeRead((all, spec, tail) => renderJson(sarifLog(all, spec, tail.drift)));

/**
 * Judged items → a SARIF 2.1.0 log of one run.
 * https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
 *
 * - Every finding is a result of the rule of its id, at its severity's level
 *   (critical → error, warning → warning, info → note), with the finding's
 *   message, the process's location (sarif-locations.ts) and fingerprints.
 * - Replicas that drift apart (replica-drift) are a result of their owner's
 *   container, located as their pods' results are (one artifact for the
 *   workload), with the owner in the logical tree.
 * - Processes and containers that could not be read are not results: each
 *   failure is one error notification of the invocation, in stderr's words,
 *   at the place it names, and executionSuccessful is then false.
 * - The invocation has no exitCode: the document is written before the run
 *   knows it (--fail-on, --require-level and interrupts decide it after).
 *   The exit code of the tool is the one to read (README "Exit codes").
 */
export function sarifLog(items: readonly Judged[], spec: Pick<RenderSpec, 'now'>, drift: readonly DriftReport[] = []): Log {
  const locations = new Locations();
  const rules = rulesFor([...items.flatMap((j) => j.judgement.findings), ...drift.flatMap((d) => d.findings)]);
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const results: Result[] = items.flatMap(({ record, judgement }) => judgement.findings.map((f): Result => {
    const print = fingerprint(record, f);
    return {
      ruleId: f.id,
      ruleIndex: ruleIndex.get(f.id)!,
      level: SARIF_LEVEL[f.severity],
      message: { text: visibleText(f.message) },
      locations: [locations.at(record.where, record, processLabel(record))],
      // GitHub code scanning reads only primaryLocationLineHash; it gets the same identity.
      partialFingerprints: { 'procstatusFinding/v1': print, primaryLocationLineHash: print },
    };
  }));
  for (const d of drift) {
    for (const f of d.findings) {
      const print = driftFingerprint(d, f);
      results.push({
        ruleId: f.id,
        ruleIndex: ruleIndex.get(f.id)!,
        level: SARIF_LEVEL[f.severity],
        message: { text: visibleText(f.message) },
        locations: [locations.owner(d)],
        partialFingerprints: { 'procstatusFinding/v1': print, primaryLocationLineHash: print },
      });
    }
  }
  const failures = readFailures(items);
  const notifications: Notification[] = failures.map((f) => {
    const at = locations.at(f.where, f.pid !== null ? { pid: f.pid, tid: f.tid, name: null } : null);
    return {
      level: 'error',
      message: { text: visibleText(f.line) },
      ...(Object.keys(at).length ? { locations: [at] } : {}),
      properties: { failureKind: f.failure.kind },
    };
  });
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'kubectl-procstatus', version: VERSION, informationUri: HOMEPAGE, rules } },
      invocations: [{
        executionSuccessful: failures.length === 0,
        startTimeUtc: new Date(spec.now).toISOString(),
        ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
      }],
      ...(locations.logical.length ? { logicalLocations: locations.logical } : {}),
      columnKind: 'unicodeCodePoints',
      results,
    }],
  };
}

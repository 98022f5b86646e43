import XMLBuilder from 'fast-xml-builder';
import { atLeast, SEVERITIES, type Finding, type Severity } from '../judge/finding.js';
import type { Judged } from '../judge/judge.js';
import type { Where } from '../record/where.js';
import { placeKey, readFailures, type ReadFailure } from './failures.js';
import { processLabel } from './process-label.js';
import { wholeRead, type DriftReport, type Renderer, type RenderSpec } from './renderer.js';
import { visibleText } from './visible.js';

/** -o junit: the whole read as JUnit XML, written at the end. */
export const junitRenderer: Renderer = wholeRead((all, spec, tail) => renderJunit(all, spec, tail.drift));

/**
 * Judged items → JUnit XML, the shape Jenkins, GitLab, GitHub Actions'
 * reporters and the rest read (Ant's, as test/fixtures/schemas/jenkins-junit.xsd
 * gives it):
 *
 * - one <testsuite> per pod ("namespace/pod"), per node for a node read
 *   ("node NAME"), one for this machine ("localhost");
 * - one <testcase> per container: classname "namespace/pod", name the
 *   container ("<none>" for a pod's sandbox; a node's own processes are
 *   "<host>" of "node NAME"; this machine's processes are one case,
 *   "processes" of "localhost", so a case keeps its name from run to run
 *   as PIDs change);
 * - a <failure> when a process of it has findings at or above --fail-on
 *   (warning when it is not given), each finding once with the processes
 *   that have it; the findings below that in <system-out>;
 * - an <error> for each failure to read it (a container not running, a
 *   PID that is gone), in the words stderr gives it, with its hint;
 * - replicas that drift apart: a suite per owner ("namespace/ReplicaSet
 *   NAME"), a case per container, failing as any other case does, with
 *   the replicas for processes.
 *
 * Every text from a container is made visible first (visible.ts), then the
 * builder escapes the markup: the document stays well-formed XML 1.0.
 */
export function renderJunit(items: readonly Judged[], spec: Pick<RenderSpec, 'now' | 'failOn' | 'hints'>, drift: readonly DriftReport[] = []): string {
  const floor: Severity = spec.failOn ?? 'warning';
  const failures = new Map<string, ReadFailure[]>();
  for (const f of readFailures(items)) failures.set(placeKey(f.where), [...(failures.get(placeKey(f.where)) ?? []), f]);
  const suites = new Map<string, { name: string; cases: Map<string, Case> }>();
  for (const j of items) {
    const suite = suiteOf(j.record.where, spec.hints.origins);
    let s = suites.get(suite);
    if (!s) suites.set(suite, (s = { name: suite, cases: new Map() }));
    const key = placeKey(j.record.where);
    let c = s.cases.get(key);
    if (!c) s.cases.set(key, (c = { ...caseName(j.record.where, spec.hints.origins), found: [], failures: failures.get(key) ?? [] }));
    const process = processLabel(j.record);
    for (const finding of j.judgement.findings) c.found.push({ finding, process });
  }
  for (const d of drift) {
    const name = `${d.namespace}/${d.owner}`;
    const replicas = d.replicas.map((r) => r.pod).join(', ');
    const s = suites.get(name) ?? { name, cases: new Map() };
    suites.set(name, s);
    s.cases.set(d.container, { classname: name, name: d.container, failures: [], found: d.findings.map((finding) => ({ finding, process: replicas })) });
  }
  const timestamp = new Date(spec.now).toISOString().replace(/\.\d+Z$/, 'Z');
  let tests = 0;
  let failed = 0;
  let errors = 0;
  const testsuite = [...suites.values()].map((s) => {
    const cases = [...s.cases.values()].map((c) => testcase(c, floor));
    const counts = { tests: cases.length, failures: cases.filter((c) => c.failure && !c.error).length, errors: cases.filter((c) => c.error).length };
    tests += counts.tests;
    failed += counts.failures;
    errors += counts.errors;
    return {
      '@_name': visibleText(s.name), '@_tests': String(counts.tests), '@_failures': String(counts.failures),
      '@_errors': String(counts.errors), '@_skipped': '0', '@_timestamp': timestamp, testcase: cases,
    };
  });
  return BUILDER.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: { '@_name': 'kubectl-procstatus', '@_tests': String(tests), '@_failures': String(failed), '@_errors': String(errors), testsuite },
  });
}

const BUILDER = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true, processEntities: true });

interface Case {
  classname: string;
  name: string;
  /** Each finding with the process (or, for drift, the replicas) it was found on. */
  found: { finding: Finding; process: string }[];
  failures: ReadFailure[];
}

/** One test case's element: errors, then the failure, then what is below the floor (the schema's order). */
function testcase(c: Case, floor: Severity): Record<string, unknown> {
  const above = findingGroups(c.found, (f) => atLeast(f.severity, floor));
  const below = findingGroups(c.found, (f) => !atLeast(f.severity, floor));
  const out: Record<string, unknown> = { '@_classname': visibleText(c.classname), '@_name': visibleText(c.name) };
  if (c.failures.length) {
    out.error = c.failures.map((f) => ({
      '@_message': visibleText(f.line), '@_type': f.failure.kind, ...(f.failure.hint ? { '#text': visibleText(f.failure.hint) } : {}),
    }));
  }
  if (above.length) {
    const count = above.reduce((n, g) => n + g.processes.length, 0);
    const ids = [...new Set(above.map((g) => g.finding.id))];
    const top = SEVERITIES.filter((s) => above.some((g) => g.finding.severity === s)).at(-1)!;
    out.failure = {
      '@_message': `${count} finding${count === 1 ? '' : 's'} at ${floor} or above: ${ids.join(', ')}`,
      '@_type': top,
      '#text': above.map(groupText).join('\n'),
    };
  }
  if (below.length) out['system-out'] = below.map(groupText).join('\n');
  return out;
}

interface FindingGroup {
  finding: Finding;
  processes: string[];
}

/** The findings that pass `keep`, each id and message once (most severe first), with the processes that have it. */
function findingGroups(found: Case['found'], keep: (f: Finding) => boolean): FindingGroup[] {
  const groups = new Map<string, FindingGroup>();
  for (const { finding: f, process } of found) {
    if (!keep(f)) continue;
    const key = `${f.severity}\n${f.id}\n${f.message}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { finding: f, processes: [] }));
    g.processes.push(process);
  }
  return [...groups.values()].sort((a, b) => SEVERITIES.indexOf(b.finding.severity) - SEVERITIES.indexOf(a.finding.severity));
}

/** "critical exceeds-spec: MESSAGE", then the processes on the next line. */
function groupText(g: FindingGroup): string {
  return `${g.finding.severity} ${g.finding.id}: ${visibleText(g.finding.message)}\n  ${g.processes.map(visibleText).join(', ')}`;
}

function suiteOf(where: Where, sweep: boolean): string {
  if (where.node !== null) return `node ${where.node}`;
  if (where.pod !== null) return `${where.namespace}/${where.pod}`;
  // Only an unusable item of a pod list has no place in a sweep.
  return sweep ? 'pod list' : 'localhost';
}

function caseName(where: Where, sweep: boolean): { classname: string; name: string } {
  if (where.pod !== null) return { classname: `${where.namespace}/${where.pod}`, name: where.container ?? '<none>' };
  if (where.node !== null) return { classname: `node ${where.node}`, name: '<host>' };
  return sweep ? { classname: 'pod list', name: 'items' } : { classname: 'localhost', name: 'processes' };
}

// The pieces -o sarif and -o junit share: a pod's workload name, the
// failures of a read told once, untrusted text made visible; and the schema
// validators the SARIF and JUnit tests rely on, shown to reject what is wrong.
import { describe, expect, it } from 'vitest';
import { judge } from '../src/judge/judge.js';
import { HOST_POLICY } from '../src/judge/policy.js';
import { failure, partOf } from '../src/record/failure.js';
import { failedRecord } from '../src/record/record.js';
import { readFailures } from '../src/render/failures.js';
import { visibleText } from '../src/render/visible.js';
import { workloadName } from '../src/render/workload-name.js';
import { at } from './helpers/records.js';
import { junitErrors, sarifErrors } from './helpers/schemas.js';

describe('workloadName', () => {
  it.each([
    ['web-6c9d5b7f4-xk2zq', 'web-*'], // a Deployment's ReplicaSet's pod
    ['web-58f7cd9b4d-tz5lw', 'web-*'], // after a rollout: another pod-template-hash
    ['node-exporter-9bq7t', 'node-exporter-*'], // a DaemonSet's or a Job's
    ['backup-29412000-v2hzq', 'backup-*'], // a CronJob's Job's
    ['db-0', 'db-0'], // a StatefulSet's: its name is its identity
    ['web', 'web'],
    ['api-server', 'api-server'], // a word has vowels: no generated suffix
    ['broken-500', 'broken-500'],
  ])('%s → %s', (pod, name) => {
    expect(workloadName(pod)).toBe(name);
  });
});

describe('readFailures: each failure once, in the words stderr gives it', () => {
  const POD = at({ namespace: 'default', pod: 'web', container: 'app' });
  const failed = (pid: number | null, f: ReturnType<typeof failure>) => judge(failedRecord(f.where, pid, f), HOST_POLICY);

  it("a unit's failure standing in every PID asked is one failure of the container", () => {
    const f = failure('not running', POD, 'container "app" of pod default/web is not running');
    expect(readFailures([failed(1, f), failed(7, f)]).map((r) => [r.line, r.pid])).toEqual([['container "app" of pod default/web is not running', null]]);
  });

  it('a single PID asked of a container that failed as a whole is still the container failing', () => {
    const f = failure('timeout', POD, 'the API server did not answer within 5s (--request-timeout)');
    expect(readFailures([failed(1, f)]).map((r) => r.line)).toEqual(['default/web (container app): the API server did not answer within 5s (--request-timeout)']);
  });

  it("a PID that is gone is that process's own, beside the container's other processes or alone", () => {
    const gone = failure('no such process', POD, 'no such process');
    expect(readFailures([failed(42, gone)]).map((r) => [r.line, r.pid])).toEqual([['pid 42 in default/web (container app): no such process', 42]]);
    const other = failure('failed', POD, 'no status returned for this process');
    const ok = judge({ ...failedRecord(POD, 1, gone), failure: null }, HOST_POLICY);
    expect(readFailures([ok, failed(9, other)]).map((r) => r.line)).toEqual(['pid 9 in default/web (container app): no status returned for this process']);
  });

  it('processes lost to a cut read are told as the cut, once', () => {
    const cut = failure('output cut', POD, 'output cut at 65536 bytes (--max-bytes)');
    const lost = (pid: number) => failed(pid, partOf(failure('output cut', POD, 'output cut before this process'), cut));
    expect(readFailures([lost(1), lost(2), failed(null, cut)]).map((r) => r.line)).toEqual(['default/web (container app): output cut at 65536 bytes (--max-bytes)']);
  });

  it("this machine's failures are its processes'", () => {
    const f = failure('permission denied', at({}), 'permission denied reading /proc/1/status');
    expect(readFailures([failed(1, f)]).map((r) => r.line)).toEqual(['pid 1: permission denied reading /proc/1/status']);
  });
});

describe('visibleText', () => {
  it('escapes every control, tabs and newlines too, and what XML 1.0 cannot carry', () => {
    expect(visibleText('a\tb\nc\u001b[2J\u009b\u202e\ufffe\uffff')).toBe('a\\x09b\\x0ac\\x1b[2J\\x9b\\u202e\\ufffe\\uffff');
    expect(visibleText('lone \ud800 and \udc00, a pair \ud83d\ude00')).toBe('lone \\ud800 and \\udc00, a pair \ud83d\ude00');
  });
});

describe('the validators the document tests rely on', () => {
  const minimal = { version: '2.1.0', runs: [{ tool: { driver: { name: 't' } }, results: [] }] };

  it('SARIF: a valid log passes; a missing message, a bad level, a region with no start, a bad URI do not', () => {
    expect(sarifErrors(minimal)).toEqual([]);
    const result = (r: Record<string, unknown>) => ({ ...minimal, runs: [{ ...minimal.runs[0], results: [r] }] });
    expect(sarifErrors(result({ ruleId: 'x' }))).not.toEqual([]);
    expect(sarifErrors(result({ ruleId: 'x', message: { text: 'm' }, level: 'critical' }))).not.toEqual([]);
    expect(sarifErrors(result({ message: { text: 'm' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'a' }, region: { endLine: 2 } } }] })))
      .not.toEqual([]);
    expect(sarifErrors(result({ message: { text: 'm' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'a b' } } }] }))).not.toEqual([]);
    expect(sarifErrors({ ...minimal, version: '2.0.0' })).not.toEqual([]);
  });

  it('JUnit: a valid document passes; a case with no name, a suite with no count, an unknown element, a raw control do not', async () => {
    expect(await junitErrors('<testsuites><testsuite name="s" tests="1"><testcase name="c"/></testsuite></testsuites>')).toEqual([]);
    expect(await junitErrors('<testsuites><testsuite name="s" tests="1"><testcase/></testsuite></testsuites>')).not.toEqual([]);
    expect(await junitErrors('<testsuites><testsuite name="s"><testcase name="c"/></testsuite></testsuites>')).not.toEqual([]);
    expect(await junitErrors('<testsuites><testsuite name="s" tests="1"><testcase name="c"><oops/></testcase></testsuite></testsuites>')).not.toEqual([]);
    expect(await junitErrors('<testsuites><testsuite name="s" tests="1"><testcase name="c\u0001"/></testsuite></testsuites>')).not.toEqual([]);
    expect(await junitErrors('<testsuites><testsuite name="s" tests="1"><testcase name="c"><failure/><error/></testcase></testsuite></testsuites>'))
      .not.toEqual([]);
  });
});

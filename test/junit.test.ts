// -o junit on judged records built from captured status texts: suites,
// cases, what fails a case (--fail-on), what errs, and every document valid
// against Jenkins' junit.xsd.
import { describe, expect, it } from 'vitest';
import type { Severity } from '../src/judge/finding.js';
import type { Judged } from '../src/judge/judge.js';
import { HOST_POLICY } from '../src/judge/policy.js';
import { failure } from '../src/record/failure.js';
import { failedRecord } from '../src/record/record.js';
import { renderJunit } from '../src/render/junit.js';
import type { TableHints } from '../src/render/table.js';
import { containerPolicy, FULL, inPod, NNP, RESTRICTED } from './helpers/captured.js';
import { at, failedAt, judged, statusRecord } from './helpers/records.js';
import { junitErrors } from './helpers/schemas.js';

const HINTS: TableHints = { namespaces: true, origins: true, nodes: false, manyNodes: false, threads: false, cmdline: false, debug: false };
const NOW = Date.parse('2026-12-02T09:14:03.410Z');

/** The document, checked against the schema first. */
async function junit(items: Judged[], failOn?: Severity | null, hints: Partial<TableHints> = {}): Promise<string> {
  const xml = renderJunit(items, { now: NOW, failOn, hints: { ...HINTS, ...hints } });
  expect(await junitErrors(xml)).toEqual([]);
  return xml;
}
/** The <testcase> elements, each as its own text. */
const cases = (xml: string) => [...xml.matchAll(/<testcase [^>]*?(?:\/>|>[\s\S]*?<\/testcase>)/g)].map((m) => m[0]);

describe('-o junit: suites and cases', () => {
  it('one suite per pod, one case per container, counted; the run counted at the top', async () => {
    const xml = await junit([
      judged(statusRecord(inPod('web'), 7, RESTRICTED), containerPolicy()),
      judged(statusRecord(inPod('web', 'sidecar'), 1, NNP), containerPolicy('sidecar')),
      judged(statusRecord(inPod('db-0', 'db', 'data'), 7, RESTRICTED), containerPolicy('db')),
    ]);
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="kubectl-procstatus" tests="3" failures="1" errors="0">/);
    expect(xml).toContain('<testsuite name="default/web" tests="2" failures="1" errors="0" skipped="0" timestamp="2026-12-02T09:14:03Z">');
    expect(xml).toContain('<testsuite name="data/db-0" tests="1" failures="0" errors="0" skipped="0" timestamp="2026-12-02T09:14:03Z">');
    expect(cases(xml).map((c) => /classname="([^"]*)" name="([^"]*)"/.exec(c)!.slice(1).join(' '))).toEqual([
      'default/web app', 'default/web sidecar', 'data/db-0 db',
    ]);
  });

  it("a node read: one suite per node; a node's own processes are one case, a pod's sandbox is <none>", async () => {
    const xml = await junit([
      judged(statusRecord({ node: 'node-1' }, 1, FULL), HOST_POLICY),
      judged(statusRecord({ node: 'node-1', namespace: 'default', pod: 'web', container: 'app' }, 4242, NNP), containerPolicy()),
      judged(statusRecord({ node: 'node-1', namespace: 'default', pod: 'web', container: null }, 4240, RESTRICTED), containerPolicy()),
      judged(statusRecord({ node: 'node-2' }, 1, RESTRICTED), HOST_POLICY),
    ], null, { nodes: true, manyNodes: true });
    expect([...xml.matchAll(/<testsuite name="([^"]*)" tests="(\d+)"/g)].map((m) => `${m[1]}:${m[2]}`)).toEqual(['node node-1:3', 'node node-2:1']);
    expect(cases(xml).map((c) => /classname="([^"]*)" name="([^"]*)"/.exec(c)!.slice(1).join(' '))).toEqual([
      'node node-1 &lt;host&gt;', 'default/web app', 'default/web &lt;none&gt;', 'node node-2 &lt;host&gt;',
    ]);
  });

  it('this machine: one case for all its processes, named the same whatever their PIDs', async () => {
    const xml = await junit([
      judged(statusRecord({}, 1, FULL), HOST_POLICY), judged(statusRecord({}, 77, RESTRICTED), HOST_POLICY),
    ], null, { namespaces: false, origins: false });
    expect(cases(xml)).toHaveLength(1);
    expect(xml).toContain('<testsuite name="localhost" tests="1" failures="1"');
    expect(cases(xml)[0]).toMatch(/^<testcase classname="localhost" name="processes">/);
    expect(cases(xml)[0]).toContain('critical all-capabilities: Privileged Containers (baseline)');
  });

  it('an empty read is an empty, valid document', async () => {
    expect(await junit([])).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="kubectl-procstatus" tests="0" failures="0" errors="0"/>\n');
  });
});

describe('-o junit: what fails a case', () => {
  // PID 1 ignores SIGTERM (warning); root, NoNewPrivs 0, no filter (info).
  const warned = () => judged(statusRecord(inPod('web'), 1, NNP), containerPolicy());
  const critical = () => judged(statusRecord(inPod('ops'), 1, FULL), containerPolicy());

  it('without --fail-on, a warning fails it: the failure lists each finding and its processes; info goes to system-out', async () => {
    const [c] = cases(await junit([warned()]));
    expect(c).toMatch(/<failure message="1 finding at warning or above: pid1-ignores-sigterm" type="warning">warning pid1-ignores-sigterm: PID 1 \(cat\) ignores SIGTERM;[^<]*\n {2}pid 1 \(cat\)<\/failure>/);
    expect(c).toMatch(/<system-out>info [\s\S]*runs-as-root[\s\S]*<\/system-out>/);
    expect(c).not.toMatch(/<failure[^>]*>[^<]*info /);
  });

  it('--fail-on critical: the warning is no failure, only told in system-out; a critical one still fails', async () => {
    const [c] = cases(await junit([warned()], 'critical'));
    expect(c).not.toContain('<failure');
    expect(c).toMatch(/<system-out>warning pid1-ignores-sigterm: [\s\S]*info /);
    const [d] = cases(await junit([critical()], 'critical'));
    expect(d).toMatch(/<failure message="\d+ findings? at critical or above: [^"]*" type="critical">/);
  });

  it('a container with no finding passes: an empty case', async () => {
    const clean = judged(statusRecord(inPod('clean'), 7, RESTRICTED), containerPolicy());
    expect(clean.judgement.findings).toEqual([]);
    expect(cases(await junit([clean]))).toEqual(['<testcase classname="default/clean" name="app"/>']);
  });

  it("the same finding on several of a container's processes is told once, with each process", async () => {
    const procs = [2, 7, 9].map((pid) => judged(statusRecord(inPod('web'), pid, FULL), containerPolicy('app', { privileged: true })));
    const [c] = cases(await junit(procs));
    expect(c.match(/critical all-capabilities:/g)).toHaveLength(1);
    expect(c).toContain('\n  pid 2 (process_api), pid 7 (process_api), pid 9 (process_api)');
    expect(c).toContain('<failure message="3 findings at warning or above: all-capabilities" type="critical">');
  });
});

describe('-o junit: what could not be read', () => {
  it('a container whose read failed is an error case, in the words stderr gives, with its kind and hint', async () => {
    const crash = failure('no cat or sh', at(inPod('distroless')), 'container "app" of pod default/distroless has no "cat" to run', 'add --debug-image busybox:1.36');
    const xml = await junit([
      judged(statusRecord(inPod('web'), 1, RESTRICTED), containerPolicy()),
      judged(failedRecord(at(inPod('distroless')), 1, crash), containerPolicy()),
    ]);
    expect(xml).toMatch(/<testsuites [^>]*tests="2" failures="1" errors="1">/);
    expect(xml).toContain('<testsuite name="default/distroless" tests="1" failures="0" errors="1"');
    expect(cases(xml)[1]).toBe('<testcase classname="default/distroless" name="app">\n'
      + '      <error message="container &quot;app&quot; of pod default/distroless has no &quot;cat&quot; to run" type="no cat or sh">add --debug-image busybox:1.36</error>\n'
      + '    </testcase>');
  });

  it('a PID that is gone errs its container, which still fails on what the others show', async () => {
    const xml = await junit([judged(statusRecord(inPod('web'), 1, NNP), containerPolicy()), judged(failedAt(inPod('web'), 42, 'no such process'), containerPolicy())]);
    const [c] = cases(xml);
    expect(c).toMatch(/<error message="pid 42 in default\/web \(container app\): no such process" type="failed"\/>\n\s*<failure /);
    expect(xml).toMatch(/<testsuites [^>]*tests="1" failures="0" errors="1">/);
  });
});

describe('-o junit: untrusted text', () => {
  it('a forged Name becomes visible escapes; what XML 1.0 cannot carry at all too; the document stays valid', async () => {
    const EVIL = 'ev\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202e\ufffe<x>&"\u0001';
    const forged = judged(statusRecord(inPod('hostile'), 1, NNP.replace(/^Name:.*$/m, `Name:\t${EVIL}`)), containerPolicy());
    const lost = failure('failed', at(inPod('hostile', 'side')), `it said \u0000\u001b[31m\ud800 and ended`);
    const xml = await junit([forged, judged(failedRecord(at(inPod('hostile', 'side')), null, lost), containerPolicy('side'))]);
    // eslint-disable-next-line no-control-regex
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\ufffe\ufffd]|[\ud800-\udfff]/);
    expect(xml).toContain('pid 1 (ev\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202e\\ufffe&lt;x&gt;&amp;&quot;\\x01)');
    expect(xml).toContain('message="default/hostile (container side): it said \\x00\\x1b[31m\\ud800 and ended"');
  });
});

describe('-o junit: replicas that drift apart', () => {
  const report = {
    namespace: 'shop', owner: 'ReplicaSet api-6d4cf56db9', container: 'api',
    findings: [{ id: 'replica-drift', severity: 'warning' as const, message: 'its pods share one template, yet Seccomp differs' }],
    replicas: ['api-6d4cf56db9-m9q4r', 'api-6d4cf56db9-t5w8z'].map((pod) => ({ pod, node: 'node-1', runtime: null, kubelet: null,
      state: { CapBnd: null, CapEff: null, Seccomp: null, NoNewPrivs: null, LSM: null, UidMap: null, GidMap: null } })),
  };

  it('a suite for the owner, a case for its container, failing at the floor, the replicas named', async () => {
    const xml = renderJunit([], { now: NOW, failOn: null, hints: HINTS }, [report]);
    expect(await junitErrors(xml)).toEqual([]);
    expect(xml).toContain('<testsuite name="shop/ReplicaSet api-6d4cf56db9" tests="1" failures="1" errors="0"');
    const [c] = cases(xml);
    expect(c).toMatch(/classname="shop\/ReplicaSet api-6d4cf56db9" name="api"/);
    expect(c).toMatch(/<failure message="1 finding at warning or above: replica-drift" type="warning">/);
    expect(c).toContain('api-6d4cf56db9-m9q4r, api-6d4cf56db9-t5w8z');
    // Below the floor it is told, not failed.
    const quiet = renderJunit([], { now: NOW, failOn: 'critical', hints: HINTS }, [report]);
    expect(quiet).toContain('failures="0"');
    expect(cases(quiet)[0]).toContain('<system-out>warning replica-drift');
  });
});

// -o sarif and -o junit end to end: the built tool against the shared test
// cluster (real namespaced pods, some built to fail) and this machine. Every
// document it writes is validated against the SARIF 2.1.0 schema or
// Jenkins' junit.xsd, and checked against the -o json document and the
// stderr lines of the same read.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Log, Result } from 'sarif';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { has, runCliAsync } from './helpers/cli.ts';
import { junitErrors, sarifErrors } from './helpers/schemas.ts';

interface Item {
  namespace: string | null; pod: string | null; container: string | null; pid: number | null; error: string | null; name: string | null;
  findings: { id: string; severity: string; message: string }[];
}
/** An owner whose replicas drift apart (the document's top-level drift). */
interface Drift { namespace: string; owner: string; container: string; findings: Item['findings'] }

const cluster = inject('cluster');
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;
// Pods that cannot be read stop the sweep's execs within these bounds, as in trust.e2e.test.ts.
const SWEEP = ['-A', '--request-timeout', '5s', '--max-bytes', '65536'];

/** The SARIF log on stdout, valid against the schema, with no raw control character in its text. */
function sarifOf(stdout: string): Log {
  expect(stdout).not.toMatch(RAW_CONTROL);
  const log = JSON.parse(stdout) as Log;
  expect(sarifErrors(log)).toEqual([]);
  return log;
}

/** The JUnit document on stdout, valid against the schema; its cases as classname, name and what they hold. */
async function junitOf(stdout: string): Promise<{ classname: string; name: string; error: boolean; failure: string | null; out: string }[]> {
  expect(stdout).not.toMatch(RAW_CONTROL);
  expect(await junitErrors(stdout)).toEqual([]);
  return [...stdout.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"(?:\/>|>([\s\S]*?)<\/testcase>)/g)].map((m) => ({
    classname: m[1], name: m[2], error: /<error /.test(m[3] ?? ''),
    failure: /<failure [^>]*type="(\w+)"/.exec(m[3] ?? '')?.[1] ?? null,
    out: /<system-out>([\s\S]*?)<\/system-out>/.exec(m[3] ?? '')?.[1] ?? '',
  }));
}

// --fail-on reaches the renderers through RenderSpec.failOn, which src/run.ts's renderSpec() sets; until it
// does, a JUnit case fails at warning whatever the flag says (the renderer's default), and the test of the
// flag itself waits for it.
const FAIL_ON_REACHES_RENDERER = /\bfailOn\s*:/.test(readFileSync(new URL('../src/run.ts', import.meta.url), 'utf8'));
const SEVERITIES = ['info', 'warning', 'critical'];

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error: ')).map((l) => l.slice('error: '.length));
const fqn = (i: Item) => `${i.namespace}/${i.pod}/${i.container}/pid ${i.pid}`;
const located = (r: Result) => `${r.locations![0].logicalLocations![0].fullyQualifiedName} ${r.ruleId}`;

describe.skipIf(!cluster)('-o sarif and -o junit on the test cluster', () => {
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', cluster!.kubeconfig, ...args]);
  let sweep: { code: number | null; stdout: string; stderr: string };
  let json: Item[];
  let drift: Drift[];

  beforeAll(async () => {
    const [s, j] = await Promise.all([cli(...SWEEP, '--pid', '1', '-o', 'sarif'), cli(...SWEEP, '--pid', '1', '-o', 'json')]);
    sweep = s;
    json = JSON.parse(j.stdout).items;
    drift = JSON.parse(j.stdout).drift ?? [];
  }, 120_000);

  it('-A --pid 1 -o sarif: a valid log with a result for every finding of the -o json document, at its process', () => {
    expect(sweep.code).toBe(1); // some fixture pods cannot be read, by design
    const log = sarifOf(sweep.stdout);
    const run = log.runs[0];
    // Each process's findings at the process; replicas that drift apart at their owner's container.
    const expected = [...json.flatMap((i) => i.findings.map((f) => `${fqn(i)} ${f.id}`)),
      ...drift.flatMap((d) => d.findings.map((f) => `${d.namespace}/${d.owner}/${d.container} ${f.id}`))].sort();
    expect(expected.length).toBeGreaterThan(20);
    expect(drift.length).toBeGreaterThan(0);
    expect((run.results ?? []).map(located).sort()).toEqual(expected);
    expect(run.tool.driver.rules!.map((r) => r.id)).toEqual([...new Set([...json, ...drift].flatMap((i) => i.findings.map((f) => f.id)))].sort());
    expect(run.tool.driver.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('-A --pid 1 -o sarif: every failure of the read is an error notification, in the words of its stderr line, and none is a result', () => {
    const inv = sweep.stdout ? (JSON.parse(sweep.stdout) as Log).runs[0].invocations![0] : null;
    expect(inv!.executionSuccessful).toBe(false);
    const notes = inv!.toolExecutionNotifications!;
    expect(notes.every((n) => n.level === 'error')).toBe(true);
    expect(notes.map((n) => n.message.text).sort()).toEqual(errorLines(sweep.stderr).sort());
    for (const pod of ['crashy', 'broken-500', 'windows', 'distroless', 'hang-exec']) {
      expect(notes.some((n) => n.locations?.[0].logicalLocations?.[0].fullyQualifiedName?.startsWith(`default/${pod}`)), pod).toBe(true);
    }
    const unread = new Set(json.filter((i) => i.error).map(fqn));
    expect(unread.size).toBeGreaterThan(8);
    expect((JSON.parse(sweep.stdout) as Log).runs[0].results!.filter((r) => unread.has(located(r).split(' ')[0]))).toEqual([]);
  });

  it('the hostile pod\'s forged Name comes out as visible escapes', () => {
    const run = sarifOf(sweep.stdout).runs[0];
    const hostile = run.results!.filter((r) => located(r).startsWith('default/hostile/'));
    expect(hostile.length).toBeGreaterThan(0);
    expect(hostile[0].locations![0].message!.text).toBe('pid 1 (\\x1b]0;pwned\\x07\\x1b[2Jevil)');
  });

  it('fingerprints are the same in another run that reads the same pods', async () => {
    const again = await cli('-A', '-l', 'app=web', '--pid', '1', '-o', 'sarif');
    expect(again.code, again.stderr).toBe(0);
    const print = (rs: Result[]) => new Map(rs.map((r) => [located(r), r.partialFingerprints!['procstatusFinding/v1']]));
    const first = print(sarifOf(sweep.stdout).runs[0].results!);
    const second = print(sarifOf(again.stdout).runs[0].results!);
    expect(second.size).toBeGreaterThan(2);
    for (const [where, fp] of second) expect(first.get(where), where).toBe(fp);
  });

  it('-o sarif keeps the exit codes: --fail-on warning still exits 3, after the whole log', async () => {
    const r = await cli('web', '--pid', '1', '-o', 'sarif', '--fail-on', 'warning');
    expect(r.code, r.stderr).toBe(3);
    expect(sarifOf(r.stdout).runs[0].results!.some((x) => x.level === 'error')).toBe(true);
  });

  it('-A -o junit --fail-on critical: a valid document; a case per container, failing on findings at the floor, erring where the read failed', async () => {
    // PID 1 of each container, not --all-pids: other test files exec into this shared cluster's pods
    // at the same time, and a process caught starting (before its exec applies the container's
    // seccomp, as runc init is) would be in one of the two reads and not the other.
    const args = [...SWEEP, '--pid', '1'];
    const [r, j] = await Promise.all([cli(...args, '-o', 'junit', '--fail-on', 'critical'), cli(...args, '-o', 'json')]);
    expect(r.code).toBe(1);
    const cases = await junitOf(r.stdout);
    const items: Item[] = JSON.parse(j.stdout).items;
    const key = (i: Item) => `${i.namespace}/${i.pod} ${i.container ?? '&lt;none&gt;'}`;
    const containers = new Map<string, Pick<Item, 'findings' | 'error'>[]>();
    for (const i of items) containers.set(key(i), [...(containers.get(key(i)) ?? []), i]);
    // Replicas that drift apart: a case for the owner's container.
    for (const d of (JSON.parse(j.stdout).drift ?? []) as Drift[]) containers.set(`${d.namespace}/${d.owner} ${d.container}`, [{ findings: d.findings, error: null }]);
    expect(cases.map((c) => `${c.classname} ${c.name}`).sort()).toEqual([...containers.keys()].sort());
    const floor = FAIL_ON_REACHES_RENDERER ? 'critical' : 'warning';
    for (const c of cases) {
      const its = containers.get(`${c.classname} ${c.name}`)!;
      const above = its.flatMap((i) => i.findings).filter((f) => SEVERITIES.indexOf(f.severity) >= SEVERITIES.indexOf(floor));
      expect(c.error, c.classname).toBe(its.some((i) => i.error !== null));
      expect(c.failure, c.classname).toBe(above.length ? (above.some((f) => f.severity === 'critical') ? 'critical' : 'warning') : null);
    }
    expect(cases.filter((c) => c.failure === 'critical').length).toBeGreaterThan(5);
    for (const pod of ['crashy', 'broken-500', 'windows', 'hang-exec']) expect(cases.find((c) => c.classname === `default/${pod}`)!.error, pod).toBe(true);
    expect(r.stdout).toContain('pid 1 (\\x1b]0;pwned\\x07\\x1b[2Jevil)');
  }, 120_000);

  it.skipIf(!FAIL_ON_REACHES_RENDERER)('-o junit --fail-on critical: a warning is below the floor, told in system-out', async () => {
    const r = await cli('restricted', '--pid', '1', '-o', 'junit', '--fail-on', 'critical');
    expect(r.code, r.stderr).toBe(0);
    const [c] = await junitOf(r.stdout);
    expect(c).toMatchObject({ classname: 'default/restricted', name: 'app', error: false, failure: null });
    expect(c.out).toMatch(/^warning pid1-ignores-sigterm: /);
  });

  it('-o junit without --fail-on fails a case on a warning', async () => {
    const r = await cli('restricted', '--pid', '1', '-o', 'junit');
    expect(r.code, r.stderr).toBe(0);
    const [c] = await junitOf(r.stdout);
    expect(c).toMatchObject({ classname: 'default/restricted', name: 'app', error: false, failure: 'warning' });
  });
});

describe.skipIf(!has('python3'))('-o sarif and -o junit on this machine', () => {
  // A process may name itself anything (prctl PR_SET_NAME): ESC, TAB, CR, BEL, DEL, a C1 CSI, a bidi override.
  const NAME = 'ev\x1b\t\r\x07\x7f\u009b\u202e';
  const NAME_ESCAPED = 'ev\\x1b\\x09\\x0d\\x07\\x7f\\x9b\\u202e';
  let child: ChildProcess;
  let pid = '';

  beforeAll(async () => {
    const script = `import ctypes, time\nctypes.CDLL(None).prctl(15, ${JSON.stringify(NAME)}.encode(), 0, 0, 0)\nprint("ready", flush=True)\ntime.sleep(600)`;
    child = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => child.stdout!.once('data', resolve));
    pid = String(child.pid);
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8')).toBe(`${NAME}\n`);
  });
  afterAll(() => child?.kill('SIGKILL'));

  it('--all-pids -o sarif: a valid log of this machine\'s processes', async () => {
    const r = await runCliAsync(['--all-pids', '-o', 'sarif']);
    const log = sarifOf(r.stdout);
    const results = log.runs[0].results!;
    expect(results.length).toBeGreaterThan(0);
    for (const x of results) expect(x.locations![0].logicalLocations![0].fullyQualifiedName).toMatch(/^pid \d+$/);
    const ours = results.find((x) => x.locations![0].logicalLocations![0].fullyQualifiedName === `pid ${pid}`);
    if (ours) expect(ours.locations![0].physicalLocation!.artifactLocation!.uri).toBe(`processes/${encodeURIComponent(NAME_ESCAPED)}`);
  });

  it('--all-pids -o junit: one valid case for the machine', async () => {
    const r = await runCliAsync(['--all-pids', '-o', 'junit']);
    const cases = await junitOf(r.stdout);
    expect(cases.map((c) => `${c.classname} ${c.name}`)).toEqual(['localhost processes']);
  });

  it.skipIf(process.getuid?.() !== 0)('a forged process name comes out escaped, and both documents stay valid', async () => {
    const [s, j] = await Promise.all([runCliAsync(['--pid', pid, '-o', 'sarif']), runCliAsync(['--pid', pid, '-o', 'junit', '--fail-on', 'critical'])]);
    expect(s.code, s.stderr).toBe(0);
    expect(j.code, j.stderr).toBe(3); // --fail-on critical found what it looks for
    const log = sarifOf(s.stdout);
    // Root with (nearly) every capability on the host: a baseline control, the only ones local mode tells.
    const [result] = log.runs[0].results!;
    expect(result).toMatchObject({ ruleId: expect.stringMatching(/^(all|dangerous)-capabilities$/), level: 'error' });
    expect(result.locations![0].message!.text).toBe(`pid ${pid} (${NAME_ESCAPED})`);
    const [c] = await junitOf(j.stdout);
    expect(c).toMatchObject({ classname: 'localhost', name: 'processes', failure: 'critical' });
    expect(j.stdout).toContain(`pid ${pid} (${NAME_ESCAPED})`);
  });
});

// Every list table prints one line per row, as kubectl and ps do: checked on
// real reads of every pod of the test cluster, and of this machine. Rows of
// a list never begin with a blank (a wrapped continuation would), and each
// row has its PID where the header says.
import { describe, expect, inject, it } from 'vitest';
import { runCli, runCliAsync } from './helpers/cli.js';

const cluster = inject('cluster');

/** The header's columns, and each row's words before the NAME column (which may hold spaces). */
function rows(stdout: string, width = 400) {
  const lines = stdout.replace(/\n$/, '').split('\n');
  const head = lines[0].split(/\s+/);
  const pidAt = head.indexOf('PID');
  return { head, pidAt, lines, body: lines.slice(1), width };
}

function expectOneLinePerRow(stdout: string, count: number) {
  const { head, pidAt, body } = rows(stdout);
  expect(pidAt).toBeGreaterThanOrEqual(0);
  expect(body).toHaveLength(count);
  for (const line of body) {
    expect(line, line).toMatch(/^\S/);
    expect(line.split(/\s+/)[pidAt], line).toMatch(/^\d+$/);
  }
  expect(head.at(-1)).not.toBe('');
}

describe.skipIf(!cluster)('one line per row: the test cluster', () => {
  // The fixture's hanging pods end at the timeout: keep it short.
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', cluster!.kubeconfig, '--request-timeout', '5s', ...args], { COLUMNS: '60' });

  it.each([
    [['--pid', '1']],
    [['--pid', '1', '--capabilities', '--all-containers', '-o', 'wide']],
  ])('-A %j: as many rows as -o json has items read, each one line, at 60 columns', async (args) => {
    // Without the pods whose reads end by chance or by a timer (a stream cut at a random point, a
    // hanging exec): two runs of the rest read the same processes.
    const stable = ['-l', 'app notin (hang,flaky,flood)'];
    const [table, json] = await Promise.all([cli('-A', ...stable, ...args), cli('-A', ...stable, ...args, '-o', 'json')]);
    const read = (JSON.parse(json.stdout).items as { error: string | null }[]).filter((i) => i.error === null).length;
    expect(read).toBeGreaterThan(10);
    expectOneLinePerRow(table.stdout, read);
  }, 120_000);

  it.each([
    [['--all-pids']],
    [['--all-pids', '--all-containers', '-o', 'wide']],
    [['--all-pids', '--signals', '--cmdline']],
  ])('-A %j: every process one line (processes come and go, so no count)', async (args) => {
    const r = await cli('-A', ...args);
    const { pidAt, body } = rows(r.stdout);
    expect(body.length).toBeGreaterThan(400);
    for (const line of body) {
      expect(line, line).toMatch(/^\S/);
      expect(line.split(/\s+/)[pidAt], line).toMatch(/^\d+$/);
    }
  }, 120_000);

  it('sets are short words: the demo-like sweep has no row wider than its widest cell needs', async () => {
    const r = await cli('-A', '--pid', '1');
    const { body } = rows(r.stdout);
    // A full capability set is one word, never forty names.
    expect(r.stdout).not.toMatch(/CAP_CHOWN/);
    expect(body.some((l) => /\s(ALL|default|none|ALL-\S+|default[+-]\S+)\s/.test(l))).toBe(true);
  }, 60_000);
});

describe('one line per row: this machine', () => {
  it('--all-pids and --threads: every process one line', () => {
    for (const args of [['--all-pids'], ['--all-pids', '--threads', '--signals'], ['--all-pids', '-o', 'wide']]) {
      const r = runCli(args, { COLUMNS: '50' });
      expect(r.code, r.stderr).toBe(0);
      const { pidAt, body } = rows(r.stdout);
      expect(body.length).toBeGreaterThan(3);
      for (const line of body) {
        expect(line, line).toMatch(/^\S/);
        expect(line.split(/\s+/)[pidAt], line).toMatch(/^\d+$/);
      }
    }
  });
});

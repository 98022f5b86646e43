// The built bundle as a CLI, reading this machine's /proc: processes started
// here with known capabilities and signal dispositions are read back.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, has, runCli } from './helpers/cli.js';

const canSetpriv = has('setpriv') && spawnSync('setpriv', ['--bounding-set=-all', 'true']).status === 0;

describe.skipIf(!canSetpriv)('local mode', () => {
  let child: ChildProcess;
  let pid: number;

  beforeAll(async () => {
    // A shell that catches TERM and ignores HUP, with a bounding set of two caps.
    child = spawn('setpriv', ['--inh-caps=-all', '--bounding-set=-all,+net_bind_service,+kill', '--no-new-privs', '--',
      'sh', '-c', 'trap "exit 0" TERM; trap "" HUP; echo ready; while :; do sleep 1; done'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => child.stdout!.once('data', resolve));
    pid = child.pid!;
  });
  afterAll(() => child?.kill('SIGKILL'));

  it('a thread\'s ID as --pid: its status, with the process it belongs to (tgid), said on stderr and in the detail view', () => {
    // This test's own process has threads (libuv's pool, V8's workers): any task but the leader is one.
    const tid = Number(fs.readdirSync(`/proc/${process.pid}/task`).find((t) => Number(t) !== process.pid));
    const r = runCli(['--pid', String(tid), '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).items[0]).toMatchObject({ pid: tid, tgid: process.pid, tid: null });
    expect(r.stderr).toBe(`warning: pid ${tid} is a thread of process ${process.pid}, not a process: its status is that thread's (--pid ${process.pid} --threads reads every thread of it)\n`);
    expect(runCli(['--pid', String(tid)]).stdout).toMatch(new RegExp(`^Tgid:\\s+${process.pid}\\s+\\(pid ${tid} is a thread of process ${process.pid}\\)$`, 'm'));
    // A process's own ID says nothing of the kind.
    const own = runCli(['--pid', String(process.pid), '-o', 'json']);
    expect(own.stderr).toBe('');
    expect(JSON.parse(own.stdout).items[0].tgid).toBe(process.pid);
  });

  it('--pid -o json decodes what the kernel says', () => {
    const r = runCli(['--pid', String(pid), '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [item] = JSON.parse(r.stdout).items;
    expect(item).toMatchObject({ pod: null, namespace: null, container: null, pid, error: null, name: 'sh', noNewPrivs: true });
    expect(item.capabilities.bounding.names).toEqual(['CAP_KILL', 'CAP_NET_BIND_SERVICE']);
    expect(item.signals.caught.names).toContain('SIGTERM');
    expect(item.signals.ignored.names).toContain('SIGHUP');
  });

  it('the table answers the guide question "does it catch SIGTERM?"', () => {
    const r = runCli(['--pid', String(pid), '--signals']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Process: \d+ \(sh\)/);
    expect(r.stdout).toMatch(/SigCgt\s+caught\s+[0-9a-f]{16}\s+.*SIGTERM/);
    expect(r.stdout).not.toMatch(/CAPABILITIES/);
  });

  it('a missing PID is reported and the others still print, exit 1', () => {
    const r = runCli(['--pid', `${pid},4194000`, '-o', 'json']);
    expect(r.code).toBe(1);
    const items = JSON.parse(r.stdout).items;
    expect(items[0]).toMatchObject({ pid, error: null });
    expect(items[1]).toMatchObject({ pid: 4194000, error: 'no such process' });
    expect(r.stderr.trim()).toBe('error: pid 4194000: no such process');
  });

  it('--all-pids sweeps this machine and leaves the tool itself out', () => {
    const r = runCli(['--all-pids', '-o', 'json', '--capabilities']);
    expect(r.code).toBe(0);
    const items = JSON.parse(r.stdout).items as { pid: number; name: string; signals?: unknown }[];
    expect(items.map((i) => i.pid)).toContain(pid);
    expect(items.length).toBeGreaterThan(3);
    expect(items.every((i) => i.signals === undefined)).toBe(true);
    // The tool's own process (node running the bundle) is not among them.
    expect(items.some((i) => i.name === 'kubectl-procsta' || i.name === 'node' && i.pid > pid + 1000)).toBe(false);
  });

  it('output to a pipe has no escape codes, even with a forced terminal width', () => {
    const r = runCli(['--pid', `1,${pid}`, '--signals'], { COLUMNS: '100' });
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout.split('\n').length).toBeGreaterThan(3);
    expect(Math.max(...r.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100);
  });
});

describe('bad input', () => {
  it.each([
    [['--signals'], /^error: --pid is required/],
    [['-n'], /^error: flag needs an argument: 'n' in -n$/],
    [['--namespace'], /^error: flag needs an argument: --namespace$/],
    [['--pid', '0'], /^error: invalid --pid 0: must be a positive integer/],
    [['--pid', 'x'], /^error: invalid --pid "x": not a number/],
    [['--pid', '1', '-o', 'xml'], /^error: unable to match a printer suitable for the output format "xml"/],
  ])('%j → one error line, usage hint, exit 2', (args, message) => {
    const r = runCli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(message);
    expect(lines).toHaveLength(2);
    expect(r.stderr).not.toMatch(/\s+at \S+ \(/);
  });

  it('no arguments: a short usage with examples on stdout, exit 0, as kubectl plugins do', () => {
    const r = runCli([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage:$/m);
    expect(r.stdout).toMatch(/^ {2}kubectl procstatus my-pod --pid 1$/m);
  });

  it('--version and --help', () => {
    expect(runCli(['--version']).stdout).toMatch(/^kubectl-procstatus \d+\.\d+\.\d+\n$/);
    const help = runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('kubectl procstatus [POD | TYPE/NAME]');
  });
});

const canHidepid = has('unshare') && spawnSync('unshare', ['--mount', '--pid', '--fork', 'sh', '-c',
  'mount -t proc -o hidepid=1 proc /proc']).status === 0;

describe.skipIf(!canHidepid)('permission denied', () => {
  it("another user's status behind hidepid=1 is an error for that PID, exit 1", () => {
    // In a new mount+PID namespace /proc is mounted with hidepid=1, so an
    // unprivileged user sees PID 1 (root's) but may not read its status.
    // CAP_DAC_READ_SEARCH lets that user reach the bundle and Node wherever the
    // checkout is (mktemp -d makes 0700 directories); hidepid's check is a
    // ptrace-access check, which it does not bypass.
    const script = 'mount -t proc -o hidepid=1 proc /proc && setpriv --reuid 65534 --regid 65534 --clear-groups ' +
      '--inh-caps +dac_read_search --ambient-caps +dac_read_search "$0" --pid 1 -o json';
    const r = spawnSync('unshare', ['--mount', '--pid', '--fork', 'sh', '-c', script, BUNDLE], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${process.execPath.replace(/\/node$/, '')}:${process.env.PATH}` },
    });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).items[0]).toMatchObject({ pid: 1, error: 'permission denied reading /proc/1/status' });
    expect(r.stderr.trim()).toBe('error: pid 1: permission denied reading /proc/1/status');
  });
});

describe.skipIf(!has('kubectl'))('as a kubectl plugin', () => {
  it('with dist/ on PATH, kubectl lists it and runs it', () => {
    const dist = BUNDLE.replace(/\/kubectl-procstatus$/, '');
    const env = { PATH: `${dist}:${process.execPath.replace(/\/node$/, '')}:/usr/local/bin:/usr/bin:/bin` };
    const list = spawnSync('kubectl', ['plugin', 'list'], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect(list.stdout).toContain(`${dist}/kubectl-procstatus`);
    const version = spawnSync('kubectl', ['procstatus', '--version'], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^kubectl-procstatus \d+\.\d+\.\d+/);
    const local = spawnSync('kubectl', ['procstatus', '--pid', '1', '-o', 'json'], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect(JSON.parse(local.stdout).items[0]).toMatchObject({ pid: 1, error: null });
  });
});

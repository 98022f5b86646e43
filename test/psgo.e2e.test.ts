// psgo's process columns, as ps prints them for the same processes: CPU time
// and lifetime %CPU, nice, process group and terminal; start times to the
// second, elapsed time from /proc/uptime; and, for a process in another mount
// namespace, its user as its own root names it beside the host's name.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRootfs } from './apiserver/runtime/rootfs.ts';
import { has, runCli } from './helpers/cli.js';

interface Item {
  pid: number; cpuSeconds: number; pcpu: number; nice: number | null; pgid: number; tty: string;
  startTime: string; elapsedSeconds: number; user: string | null; hostUser: string | null;
  supplementaryGroups: { id: number; name: string | null }[] | null;
}

const children: ChildProcess[] = [];
const start = (cmd: string, args: string[], opts: Parameters<typeof spawn>[2] = {}) => {
  const c = spawn(cmd, args, { stdio: 'ignore', ...opts });
  children.push(c);
  return c.pid!;
};
afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

/** ps's own columns for these PIDs, by PID. */
function ps(pids: number[]): Map<number, Record<string, string>> {
  const r = spawnSync('ps', ['-o', 'pid=,time=,nice=,pgid=,tty=,pcpu=', '-p', pids.join(',')], { encoding: 'utf8' });
  const out = new Map<number, Record<string, string>>();
  for (const line of r.stdout.trim().split('\n')) {
    const [pid, time, nice, pgid, tty, pcpu] = line.trim().split(/\s+/);
    out.set(Number(pid), { time, nice, pgid, tty, pcpu });
  }
  return out;
}

/** ps's TIME: [DD-]HH:MM:SS of whole CPU seconds. */
const psTime = (s: number) => {
  const d = Math.floor(s / 86400);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d ? `${d}-` : ''}${two(Math.floor((s % 86400) / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
};

describe.skipIf(!has('ps') || !has('python3'))('the columns ps prints, for the same processes', () => {
  let pids: number[];
  beforeAll(async () => {
    // One that burns a second of CPU, then sleeps; one niced; one leading a process group of its own.
    const burner = start('python3', ['-c', 'import time\nt=time.process_time()\nwhile time.process_time()-t<1.1: pass\ntime.sleep(600)']);
    const niced = start('nice', ['-n', '7', 'sleep', '600']);
    const leader = start('sleep', ['600'], { detached: true });
    pids = [burner, niced, leader, process.pid];
    // Until the burner sleeps: from then on its lifetime average only falls, so ps before and after bracket ours.
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const stat = readFileSync(`/proc/${burner}/stat`, 'utf8');
      const [state, , , , , , , , , , , utime, stime] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'S' && Number(utime) + Number(stime) >= 100) break;
    }
  }, 30_000);

  it('time, nice, pgid, tty and %cpu match ps', () => {
    // ps just before and just after: a lifetime average moves while it is read.
    const before = ps(pids);
    const r = runCli(['--pid', pids.join(','), '-o', 'json']);
    const theirs = ps(pids);
    expect(r.code, r.stderr).toBe(0);
    const items: Item[] = JSON.parse(r.stdout).items;
    for (const item of items) {
      const p = theirs.get(item.pid)!;
      expect(String(item.nice), `pid ${item.pid}`).toBe(p.nice);
      expect(String(item.pgid), `pid ${item.pid}`).toBe(p.pgid);
      expect(item.tty, `pid ${item.pid}`).toBe(p.tty);
      // Not the test's own process, whose CPU time and average move while it runs.
      if (item.pid === process.pid) continue;
      expect(psTime(Math.floor(item.cpuSeconds)), `pid ${item.pid}`).toBe(p.time);
      const [lo, hi] = [Number(before.get(item.pid)!.pcpu), Number(p.pcpu)].sort((a, b) => a - b);
      expect(item.pcpu, `pid ${item.pid}`).toBeGreaterThanOrEqual(lo - 0.1);
      expect(item.pcpu, `pid ${item.pid}`).toBeLessThanOrEqual(hi + 0.1);
    }
    const burner = items.find((i) => i.pid === pids[0])!;
    expect(burner.cpuSeconds).toBeGreaterThanOrEqual(1);
    expect(items.find((i) => i.pid === pids[1])!.nice).toBe(7);
    expect(items.find((i) => i.pid === pids[2])!.pgid).toBe(pids[2]);
  });

  it('start times to the second, elapsed time from /proc/uptime', () => {
    const [item]: Item[] = JSON.parse(runCli(['--pid', String(pids[1]), '-o', 'json']).stdout).items;
    expect(item.startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // It has lived at least as long as the burner took to burn its second (whole seconds, rounded down).
    expect(item.elapsedSeconds).toBeGreaterThanOrEqual(1);
    const etime = spawnSync('ps', ['-o', 'etimes=', '-p', String(pids[1])], { encoding: 'utf8' }).stdout.trim();
    expect(Math.abs(item.elapsedSeconds - Number(etime))).toBeLessThanOrEqual(1);
    // The table's wide columns say the same, one line per process.
    const wide = runCli(['--pid', pids.join(','), '-o', 'wide']).stdout.trimEnd().split('\n');
    expect(wide[0]).toMatch(/\sTIME\s+%CPU\s+NI\s+PGID\s+TTY\s/);
    expect(wide).toHaveLength(pids.length + 1);
  });
});

const asRoot = process.getuid?.() === 0 && has('unshare') && has('chroot');

describe.skipIf(!asRoot)('a process in another mount namespace: its own root names its user', () => {
  let dir: string;
  let pid: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(os.tmpdir(), 'procstatus-root-'));
    // uid 0 is "appadmin" to the container, "root" to this machine; gid 0 "appgroup".
    buildRootfs(dir, {
      rootfs: { '/bin/sleep': spawnSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).stdout.trim() },
      files: { '/etc/passwd': 'appadmin:x:0:0::/:/bin/sleep\n', '/etc/group': 'appgroup:x:0:\n' },
    });
    pid = start('unshare', ['--mount', '--fork', 'chroot', dir, '/bin/sleep', '600']);
    // The chrooted sleep is unshare's child.
    for (let i = 0; i < 50; i++) {
      const child = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.trim();
      if (child) {
        pid = Number(child.split('\n')[0]);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('USER is the container\'s name, HUSER the host\'s', () => {
    const [item]: Item[] = JSON.parse(runCli(['--pid', String(pid), '-o', 'json']).stdout).items;
    expect(item.user).toBe('appadmin');
    expect(item.hostUser).toBe('root');
    const wide = runCli(['--pid', `${pid},${process.pid}`, '-o', 'wide']).stdout;
    expect(wide.split('\n')[0]).toMatch(/\sUSER\s+HUSER\s/);
    expect(wide).toMatch(new RegExp(`^${pid}\\s.*\\sappadmin\\s+root\\s`, 'm'));
  });
});

// Framed reads: the command the tool sends, run here for real with this
// machine's cat and sh, so the frames come from the kernel; then the framing's
// defences on hostile variations of that output.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSpec } from '../src/read/files.js';
import { BOOT_ID, readCommand, stderrByPath, unframe } from '../src/read/frame.js';
import { parseStatus } from '../src/procfs/status.js';

const run = (argv: string[]) => {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { stdout: r.stdout, stderr: r.stderr };
};
const bootId = readFileSync(BOOT_ID, 'utf8');

describe('explicit PIDs: one cat, no shell', () => {
  const spec = readSpec([1, process.pid, 4_000_000], false);
  const argv = readCommand(spec, 'direct');

  it('is cat with the marker after every file, PIDs as separate arguments', () => {
    expect(argv[0]).toBe('cat');
    // One marker first, one after each per-container file, and one after each of a process's frames (stat shares status's).
    expect(argv.filter((a) => a === BOOT_ID)).toHaveLength(1 + spec.shared.length + 3 * (spec.files.length - 1));
    expect(argv).toContain(`/proc/${process.pid}/status`);
    expect(argv).toContain('/etc/passwd');
  });

  it('ties every frame to its file, from the kernel', () => {
    const { stdout, stderr } = run(argv);
    const r = unframe(spec, 'direct', stdout, stderr, null);
    expect(r.warnings).toEqual([]);
    const me = r.procs.find((p) => p.pid === process.pid)!;
    expect(parseStatus(me.files.status!).fields.Pid).toBe(String(process.pid));
    expect(me.files.stat!.startsWith(`${process.pid} (`)).toBe(true);
    expect(me.files.uid_map).toMatch(/^\s*0\s+0\s+4294967295\s*$/);
    // No LSM on this kernel: attr/current answers EINVAL, so no frame and no error for the process.
    expect(me.files.attr).toBeUndefined();
    expect(r.shared.passwd).toMatch(/^root:/m);
    expect(r.shared.procstat).toMatch(/^btime \d+$/m);
    expect(r.missing.get(4_000_000)?.message).toBe('no such process');
  });
});

describe('scripted reads (--all-pids, --threads, a debug container)', () => {
  it('--all-pids: the helper is named, and every listed process gets its own frames', () => {
    const spec = readSpec('all', false);
    const argv = readCommand(spec, 'direct');
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    const { stdout, stderr } = run(argv);
    const r = unframe(spec, 'direct', stdout, stderr, null);
    expect(r.warnings).toEqual([]);
    expect(r.helpers!.size).toBe(1);
    expect(r.procs.length).toBeGreaterThan(3);
    for (const p of r.procs) {
      if (!r.helpers!.has(p.pid)) expect(parseStatus(p.files.status!).fields.Pid).toBe(String(p.pid));
    }
  });

  it('--threads with PIDs passes them as positional parameters, never as script text', () => {
    const spec = readSpec([process.pid, 4_000_000], true);
    const argv = readCommand(spec, 'direct');
    expect(argv.slice(3)).toEqual(['sh', 'threads', String(process.pid), '4000000']);
    expect(argv[2]).not.toContain(String(process.pid));
    const { stdout, stderr } = run(argv);
    const r = unframe(spec, 'direct', stdout, stderr, null);
    const mine = r.procs.filter((p) => p.pid === process.pid);
    expect(mine.length).toBeGreaterThan(1); // node has several threads
    for (const t of mine) expect(parseStatus(t.files.status!).fields.Pid).toBe(String(t.tid));
    expect(r.missing.get(4_000_000)?.message).toBe('no such process');
  });

  it('a debug container\'s script lists its own mount namespace\'s PIDs first', () => {
    const spec = readSpec([1], false);
    const argv = readCommand(spec, 'debug');
    expect(argv.slice(3)).toEqual(['sh', 'pids', '1']);
    // In a PID namespace of its own, as in a pod: the script visits every process, so keep them few.
    const own = spawnSync('unshare', ['--pid', '--fork', '--mount', '--mount-proc', 'true']).status === 0;
    const { stdout, stderr } = run(own ? ['unshare', '--pid', '--fork', '--mount', '--mount-proc', ...argv] : argv);
    const r = unframe(spec, 'debug', stdout, stderr, null);
    if (!own) return void expect(r.helpers).not.toBeNull();
    // PID 1 there is unshare's child, the script itself: in its own mount namespace, so a helper.
    expect(r.helpers!.has(1)).toBe(true);
    // A debug container's /etc is its image's, not the target's: not read.
    expect(r.shared.passwd).toBeUndefined();
    expect(r.procs.map((p) => p.pid)).toEqual([1]);
  });

  it('stays linear in the number of processes (the list is built in one substitution)', () => {
    const argv = readCommand(readSpec('all', false), 'direct');
    expect(argv[2]).toContain('$(for d do echo');
    expect(argv[2]).not.toMatch(/set -- "\$@" \$d/);
  });
});

describe('hostile output', () => {
  const spec = readSpec([1], false);
  const frames = (contents: string[]) => bootId + contents.map((c) => c + bootId).join('');

  it('a forged marker inside a file the container controls adds a frame: caught, never misattributed', () => {
    const status = 'Name:\tsh\nPid:\t1\n';
    // status+stat, attr, uid_map, gid_map; then passwd (forging a marker), group, /proc/stat, /proc/uptime.
    const texts = [status + '1 (sh) S 0', '', '0 0 1\n', '0 0 1\n', 'root:x:0:0::/:/bin/sh\n' + bootId + 'Name:\tforged\nPid:\t1\n', '', 'btime 1\n', '1.0 1.0\n'];
    const r = unframe(spec, 'direct', frames(texts), '', null);
    expect(r.error).toMatch(/frame markers that do not match the files asked for/);
    expect(r.procs).toEqual([]);
    expect(r.missing.get(1)?.message).toMatch(/forged/);
  });

  it('a cut stream keeps whole frames and says why the rest is missing', () => {
    const texts = ['Name:\tsh\nPid:\t1\n1 (sh) S 0', '', '', '', 'Name:\tsh\nPid:\t2\n'];
    const out = frames(texts).slice(0, -10);
    const two = unframe(readSpec([1, 2], false), 'direct', out, '',
      { kind: 'output cut', message: 'output cut at the --max-bytes limit before this process' });
    expect(two.procs.map((p) => p.pid)).toEqual([1]);
    expect(two.missing.get(2)?.message).toMatch(/--max-bytes/);
    expect(two.missing.get(2)?.kind).toBe('output cut');
  });

  it('status and stat share a frame: split where stat starts, whatever the comm holds', () => {
    const status = 'Name:\tsh\nPid:\t7\n';
    const stat = '7 (a\n7 (b) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242 0\n';
    const r = unframe(readSpec([7], false), 'direct', frames([status + stat, '', '', '', '', '', '', '']), '', null);
    expect(r.procs[0].files.status).toBe(status);
    expect(r.procs[0].files.stat).toBe(stat);
    // A process whose status could not be read, but whose stat could: no status, so not shown.
    const gone = unframe(readSpec([7], false), 'direct', frames([stat, '', '', '', '', '', '', '']), 'cat: /proc/7/status: No such file or directory\n', null);
    expect(gone.procs).toEqual([]);
  });

  it('garbage never throws', () => {
    for (const junk of ['', '\u0000'.repeat(100), bootId.repeat(50), 'x\n'.repeat(1000), `${bootId}${'a'.repeat(1 << 20)}`]) {
      expect(() => unframe(spec, 'direct', junk, junk, null)).not.toThrow();
      expect(() => unframe(readSpec('all', true), 'debug', junk, junk, { kind: 'output cut', message: 'cut' })).not.toThrow();
    }
  });

  it('cat\'s complaints in GNU and busybox wording name the path', () => {
    expect(stderrByPath("cat: can't open '/proc/7/status': No such file or directory\ncat: /proc/8/attr/current: Invalid argument\n"))
      .toEqual(new Map([['/proc/7/status', { kind: 'no such process', message: 'no such process' }],
        ['/proc/8/attr/current', { kind: 'failed', message: 'Invalid argument' }]]));
  });
});

it('the host has what the framing relies on', () => {
  expect(bootId).toMatch(/^[0-9a-f-]{36}\n$/);
  expect(execFileSync('cat', [BOOT_ID, BOOT_ID], { encoding: 'utf8' })).toBe(bootId + bootId);
});

// The debug container's pure parts: the script's first line, its command,
// and names that let a second run find the container the first one added.
import { describe, expect, it } from 'vitest';
import { debugContainerName } from '../src/kube/debug.js';
import { readSpec } from '../src/read/files.js';
import { readRecords, summary } from './helpers/records.js';

const TARGET = { pod: 'app', namespace: 'default', container: 'main' };
const ok = { stdout: '', status: { status: 'Success' }, stderr: '', truncated: false, failure: null, maxBytes: 1 << 20 };

describe('debug container names', () => {
  it('stable names: same target and image, same name; kept within 63 characters', () => {
    expect(debugContainerName('app', 'busybox:1.36')).toBe(debugContainerName('app', 'busybox:1.36'));
    expect(debugContainerName('app', 'busybox:1.36')).not.toBe(debugContainerName('app', 'busybox:1.37'));
    expect(debugContainerName('x'.repeat(80), 'busybox', 3).length).toBeLessThanOrEqual(63);
    expect(debugContainerName('app', 'busybox')).toMatch(/^procstatus-app-[0-9a-f]{8}$/);
  });

});

describe('reading through a debug container', () => {
  const status = (pid: number, name: string) => `Name:\t${name}\nPid:\t${pid}\nCapEff:\t0000000000000000\n`;
  const B = '0b8a4f5c-1d2e-4f60-9a7b-8c9d0e1f2a3b\n';
  // What the debug script prints: its own PIDs, the directories, then framed files (each process's,
  // then the files of its PID namespace: /proc/stat and /proc/uptime; /etc's are the debug image's).
  const out = (helpers: string, procs: [number, string][]) =>
    `${helpers}\n${procs.map(([p]) => `/proc/${p}`).join(' ')}\n${B}` +
    procs.map(([p, n]) => `${status(p, n)}${B}${B}${B}${B}`).join('') + `btime 1\n${B}1.0 1.0\n${B}`;
  const spec = (pids: number[] | 'all') => readSpec(pids, false);

  it('leaves out the debug container\'s own processes', () => {
    const stdout = out('5 9 ', [[1, 'server'], [5, 'sleep'], [7, 'worker'], [9, 'cat']]);
    const r = summary(readRecords(TARGET, spec('all'), { ...ok, stdout }, 'procstatus-main-12345678'));
    expect(r.map((i) => [i.pid, i.name])).toEqual([[1, 'server'], [7, 'worker']]);
  });

  it('a PID of the debug container itself is not presented as the target\'s', () => {
    const stdout = out('5 9 ', [[1, 'server'], [5, 'sleep']]);
    const r = summary(readRecords(TARGET, spec([1, 5]), { ...ok, stdout }, 'procstatus-main-12345678'));
    expect(r[0]).toMatchObject({ pid: 1, name: 'server', error: null });
    expect(r[1]).toMatchObject({ pid: 5, name: null, error: 'a process of the debug container procstatus-main-12345678, not of the target' });
  });

  it('a runtime without targeting: only its own processes are visible → a clear error, never its processes as the target\'s', () => {
    const stdout = out('1 6 ', [[1, 'sleep'], [6, 'cat']]);
    expect(() => readRecords(TARGET, spec('all'), { ...ok, stdout }, 'procstatus-main-12345678')).toThrow(/sees only its own processes/);
    expect(() => readRecords(TARGET, spec([1]), { ...ok, stdout: out('1 6 ', [[1, 'sleep']]) }, 'procstatus-main-12345678'))
      .toThrow(/does not support targetContainerName/);
  });
});

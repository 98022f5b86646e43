// The debug container's pure parts: the script's first line, its command,
// and names that let a second run find the container the first one added.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { debugContainerName } from '../src/kube/debug.js';
import { debugCommand, missingFromStderr, splitHelperPids } from '../src/procfs/command.js';
import { interpret } from '../src/sources/pod.js';

const ORIGIN = { pod: 'app', namespace: 'default', container: 'main' };
const ok = { status: { status: 'Success' }, stderr: '', truncated: false, failure: null, maxBytes: 1 << 20 };

describe('debug command', () => {
  it('passes PIDs as positional parameters, never in the script', () => {
    const cmd = debugCommand([1, 42]);
    expect(cmd.slice(0, 2)).toEqual(['sh', '-c']);
    expect(cmd.slice(3)).toEqual(['sh', 'pids', '1', '42']);
    expect(cmd[2]).not.toMatch(/\b42\b/);
    expect(debugCommand('all', true).slice(3)).toEqual(['sh', 'all-threads']);
  });

  it('the script lists its own mount namespace first, then cats (run here with sh)', () => {
    // On this machine every process shares our mount namespace or is
    // unreadable; the script must print a line of PIDs, then status records.
    const out = execFileSync('sh', debugCommand([process.pid]).slice(1), { encoding: 'utf8' });
    const { helpers, rest } = splitHelperPids(out);
    expect(helpers).not.toBeNull();
    expect(helpers!.has(process.pid)).toBe(true);
    expect(rest).toMatch(/^Name:\t/);
  });

  it('stable names: same target and image, same name; kept within 63 characters', () => {
    expect(debugContainerName('app', 'busybox:1.36')).toBe(debugContainerName('app', 'busybox:1.36'));
    expect(debugContainerName('app', 'busybox:1.36')).not.toBe(debugContainerName('app', 'busybox:1.37'));
    expect(debugContainerName('x'.repeat(80), 'busybox', 3).length).toBeLessThanOrEqual(63);
    expect(debugContainerName('app', 'busybox')).toMatch(/^procstatus-app-[0-9a-f]{8}$/);
  });

  it("busybox cat's error names the PID too", () => {
    expect(missingFromStderr("cat: can't open '/proc/7/status': No such file or directory\n")).toEqual(new Map([[7, 'no such process']]));
  });
});

describe('reading through a debug container', () => {
  const status = (pid: number, name: string) => `Name:\t${name}\nPid:\t${pid}\nCapEff:\t0000000000000000\n`;

  it('leaves out the debug container\'s own processes', () => {
    const stdout = '5 9 \n' + status(1, 'server') + status(5, 'sleep') + status(7, 'worker') + status(9, 'cat');
    const r = interpret(ORIGIN, 'all', false, { ...ok, stdout }, 'procstatus-main-12345678');
    expect(r.items.map((i) => [i.pid, i.name])).toEqual([[1, 'server'], [7, 'worker']]);
  });

  it('a PID of the debug container itself is not presented as the target\'s', () => {
    const stdout = '5 9 \n' + status(1, 'server') + status(5, 'sleep');
    const r = interpret(ORIGIN, [1, 5], false, { ...ok, stdout }, 'procstatus-main-12345678');
    expect(r.items[0]).toMatchObject({ pid: 1, name: 'server', error: null });
    expect(r.items[1]).toMatchObject({ pid: 5, name: null, error: 'a process of the debug container procstatus-main-12345678, not of the target' });
  });

  it('a runtime without targeting: only its own processes are visible → a clear error, never its processes as the target\'s', () => {
    const stdout = '1 6 \n' + status(1, 'sleep') + status(6, 'cat');
    expect(() => interpret(ORIGIN, 'all', false, { ...ok, stdout }, 'procstatus-main-12345678')).toThrow(/sees only its own processes/);
    expect(() => interpret(ORIGIN, [1], false, { ...ok, stdout: '1 6 \n' + status(1, 'sleep') }, 'procstatus-main-12345678'))
      .toThrow(/does not support targetContainerName/);
  });
});

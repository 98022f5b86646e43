// The parser on captured kernel texts (test/fixtures/status, captured on
// Linux 6.18), on those texts cut down the way older kernels print them, and
// on hostile variations.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildRecord, type ProcRecord } from '../src/record/record.js';
import type { StatusRecord } from '../src/procfs/status.js';
import { unframe } from '../src/read/frame.js';
import { readSpec } from '../src/read/files.js';
import { parseStatus, splitStatuses } from '../src/procfs/status.js';

const fixture = (name: string) => readFileSync(new URL(`fixtures/status/${name}`, import.meta.url), 'utf8');
const host = fixture('pid1-host-6.18.txt');
const nnp = fixture('setpriv-nnp-6.18.txt');
const LOCAL = { node: null, pod: null, namespace: null, container: null };

describe('parseStatus on captured texts', () => {
  it('reads every key of a 6.18 status, in order', () => {
    const { fields, duplicates } = parseStatus(host);
    const keys = host.trim().split('\n').map((l) => l.slice(0, l.indexOf(':')));
    expect(Object.keys(fields)).toEqual(keys);
    expect(duplicates).toEqual([]);
    expect(fields.Name).toBe('process_api');
    expect(fields.Uid).toBe('0\t0\t0\t0');
  });

  it('decodes identity fields into the item', () => {
    const item = fromStatus(parseStatus(nnp));
    expect(item.name).toBe('cat');
    expect(item.noNewPrivs).toBe(true);
    expect(item.seccomp).toBe('disabled');
    expect(item.uid).toEqual([0, 0, 0, 0]);
    expect(item.capabilities!.bounding.names).toEqual(['CAP_CHOWN', 'CAP_NET_BIND_SERVICE']);
    expect(item.signals!.ignored.names).toEqual(['SIGTERM']);
    expect(item.signals!.queueLimit).toBeGreaterThan(0);
    expect(item.fields.CapBnd).toBe('0000000000000401');
  });

  it('tolerates an older kernel without CapAmb, NoNewPrivs, Seccomp and NSpid (before 4.3/4.10)', () => {
    const old = host.split('\n').filter((l) => !/^(CapAmb|NoNewPrivs|Seccomp|Seccomp_filters|NSpid|NStgid|NSpgid|NSsid):/.test(l)).join('\n');
    const item = fromStatus(parseStatus(old));
    expect(item.capabilities!.ambient).toEqual({ mask: null, names: null, error: 'field missing' });
    expect(item.capabilities!.effective.names!.length).toBeGreaterThan(30);
    expect(item.noNewPrivs).toBeNull();
    expect(item.seccomp).toBeNull();
    expect(item.nspid).toBeNull();
  });

  it('names come from the image\'s passwd and group; without them, numbers only', () => {
    const frames = { pid: 1, tid: null, files: { status: nnp } };
    const named = buildRecord(LOCAL, frames, { users: new Map([[0, 'root']]), groups: new Map([[0, 'wheel']]), bootTime: 1_700_000_000 });
    expect([named.user, named.group]).toEqual(['root', 'wheel']);
    expect(buildRecord(LOCAL, frames).user).toBeNull();
  });

  it('a start time from stat\'s starttime (clock ticks) and the boot time', () => {
    const stat = `1 (a) b) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 12345 1000 10 18446744073709551615\n`;
    const item = buildRecord(LOCAL, { pid: 1, tid: null, files: { status: nnp, stat } }, { users: null, groups: null, bootTime: 1_700_000_000 });
    // btime is whole seconds, so the start is told to the second: 1,700,000,000 + 12345 ticks (123.45 s) → 123 s.
    expect(item.startTime).toBe('2023-11-14T22:15:23Z');
    expect(Date.parse(item.startTime!)).toBe((1_700_000_000 + 123) * 1000);
  });

  it('ps\'s etime, time, %cpu, nice, pgid and tty from stat and /proc/uptime', () => {
    // utime 150 + stime 50 ticks = 2 s of CPU; started at tick 1000 (10 s after boot); read at uptime 110 s: 100 s old, 2.0% CPU (ps truncates to the tenth).
    const stat = '7 (x) S 1 7 7 34816 7 4194560 1 0 0 0 150 50 0 0 20 -5 1 0 1000 1000 10 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n';
    const item = buildRecord(LOCAL, { pid: 7, tid: null, files: { status: nnp, stat } }, { users: null, groups: null, bootTime: 1_700_000_000, uptime: 110 });
    expect(item).toMatchObject({ cpuSeconds: 2, elapsedSeconds: 100, pcpu: 2, nice: -5, pgid: 7, tty: 'pts/0' });
    // A real-time policy (field 41 = 1, SCHED_FIFO): no nice value, as ps prints "-".
    const rt = stat.replace(/ 17 0 0 0 0 0 0\n$/, ' 17 0 0 1 0 0 0\n');
    expect(buildRecord(LOCAL, { pid: 7, tid: null, files: { status: nnp, stat: rt } }).nice).toBeNull();
  });

  it('keeps unknown keys from newer kernels in fields', () => {
    const item = fromStatus(parseStatus(host + 'Future_Key:\tsomething\n'));
    expect(item.fields.Future_Key).toBe('something');
  });
});

describe('hostile and malformed texts', () => {
  it('a malformed mask is an error for that field only', () => {
    const text = nnp.replace(/^CapEff:.*$/m, 'CapEff:\tzzzz00000000000z').replace(/^SigCgt:.*$/m, 'SigCgt:\t12');
    const item = fromStatus(parseStatus(text));
    expect(item.capabilities!.effective).toMatchObject({ names: null, mask: 'zzzz00000000000z' });
    expect(item.capabilities!.effective.error).toMatch(/malformed/);
    expect(item.signals!.caught.names).toBeNull();
    expect(item.capabilities!.bounding.names).toEqual(['CAP_CHOWN', 'CAP_NET_BIND_SERVICE']);
  });

  it('a repeated key keeps its first value and is reported', () => {
    const text = nnp.replace(/^(CapEff:.*)$/m, '$1\nCapEff:\t000001ffffffffff');
    const record = parseStatus(text);
    expect(record.fields.CapEff).toBe('0000000000000401');
    expect(record.duplicates).toEqual(['CapEff']);
  });

  it('out-of-order keys decode the same', () => {
    const lines = nnp.trim().split('\n').reverse().join('\n');
    expect(fromStatus(parseStatus(lines)).capabilities).toEqual(fromStatus(parseStatus(nnp)).capabilities);
  });

  it('a text without Name: is still one record', () => {
    const text = nnp.split('\n').filter((l) => !l.startsWith('Name:')).join('\n');
    const records = splitStatuses(text);
    expect(records).toHaveLength(1);
    expect(fromStatus(records[0]).name).toBeNull();
  });

  it('garbage, binary and huge values never throw', () => {
    const junk = '\u0000\u0001\u00ff'.repeat(1000) + '\nName:\t' + 'A'.repeat(100_000) + '\nnot a line\n:\n::::\nCapEff:\n';
    const records = splitStatuses(junk);
    expect(records).toHaveLength(1);
    expect(records[0].fields.Name.length).toBeLessThan(5000);
    expect(fromStatus(records[0]).capabilities!.effective.error).toMatch(/malformed/);
  });
});

describe('status texts without frames (a container with no boot_id), matched by their own Pid', () => {
  const a = host;
  const b = nnp.replace(/^Pid:.*$/m, 'Pid:\t7');
  const one = Number(host.match(/^Pid:\s*(\d+)/m)![1]);
  const pids = (spec: ReturnType<typeof readSpec>, text: string, stderr = '') => unframe(spec, 'direct', text, stderr, null);

  it('splits them at Name: and matches each by its Pid field', () => {
    const r = pids(readSpec([7, one], false), a + b);
    expect(r.procs.map((p) => p.pid).sort((x, y) => x - y)).toEqual([7, one].sort((x, y) => x - y));
    expect(r.warnings.join()).toMatch(/without frame markers/);
  });

  it('reports a missing PID with the reason stderr gave', () => {
    const r = pids(readSpec([7, 9], false), b, 'cat: /proc/9/status: No such file or directory\n');
    expect(r.procs.map((p) => p.pid)).toEqual([7]);
    expect(r.missing.get(9)?.message).toBe('no such process');
  });

  it('does not hand a record to a PID it was not asked for', () => {
    const r = pids(readSpec([8], false), b);
    expect(r.procs.filter((p) => p.pid === 8)).toEqual([]);
    expect(r.missing.get(8)?.message).toMatch(/no status returned/);
  });
});

/** A record built from an already parsed status, as the container read builds one. */
function fromStatus(status: StatusRecord): ProcRecord {
  return buildRecord(LOCAL, { pid: 1, tid: null, files: {} }, undefined, { status });
}

describe('the image\'s account files, untrusted', () => {
  it('names that could forge output are not names: the id stays a number', async () => {
    const { parseIdNames } = await import('../src/procfs/passwd.js');
    const names = parseIdNames([
      'root:x:0:0::/root:/bin/sh',
      'evil\u001b[2J:x:1:1::/:/bin/sh',
      'two words:x:2:2::/:/bin/sh',
      `${'a'.repeat(300)}:x:3:3::/:/bin/sh`,
      'rtl\u202eoverride:x:4:4::/:/bin/sh',
      'garbage line without colons',
      ':x:5:5::/:/bin/sh',
      'app:x:notanumber:6::/:/bin/sh',
      'svc$:x:7:7::/:/bin/sh',
    ].join('\n'));
    expect([...names]).toEqual([[0, 'root'], [7, 'svc$']]);
  });

  it('a huge or binary file is bounded: at most 10,000 entries, and garbage is skipped', async () => {
    const { parseIdNames } = await import('../src/procfs/passwd.js');
    const big = Array.from({ length: 20_000 }, (_, i) => `u${i}:x:${i}:${i}::/:/bin/sh`).join('\n');
    expect(parseIdNames(big).size).toBe(10_000);
    const binary = Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 7919) % 256)).toString('latin1');
    expect(() => parseIdNames(binary)).not.toThrow();
  });
});

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
    expect(item.startTime).toBe(new Date(1_700_000_000_000 + 123_450).toISOString());
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

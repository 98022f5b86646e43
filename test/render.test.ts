import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { judge } from '../src/judge/judge.js';
import { bare, failedAt, statusRecord } from './helpers/records.js';
import { podPolicy } from '../src/sources/policy.js';
import { HOST_POLICY } from '../src/judge/policy.js';
import { toDocument } from '../src/render/document.js';
import { renderJson } from '../src/render/json.js';
import { safe } from '../src/safe.js';
import { renderTable } from '../src/render/table.js';
import { capabilityPhrase, signalPhrase } from '../src/render/names.js';
import { CAPABILITY_NAMES } from '../src/decode/capabilities.js';
import { RUNTIME_DEFAULT_CAPABILITIES } from '../src/judge/pss.js';
import { renderYaml } from '../src/render/yaml.js';

const nnp = readFileSync(new URL('fixtures/status/setpriv-nnp-6.18.txt', import.meta.url), 'utf8');
const host = readFileSync(new URL('fixtures/status/pid1-host-6.18.txt', import.meta.url), 'utf8');
const POD = { pod: 'web', namespace: 'default', container: 'app' };
const both = { capabilities: true, signals: true };
const docSpec = { show: both, rawFields: true };
const style = { width: 100, color: false };
// A forged Name: retitles the terminal (OSC 0), clears it (CSI 2J), and uses
// an 8-bit CSI and a bidi override.
const EVIL = 'evil\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202eexe.txt';
const hostile = bare(statusRecord(POD, 1, nnp.replace(/^Name:.*$/m, `Name:\t${EVIL}`)));

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

describe('sanitising untrusted text', () => {
  it('turns escapes into visible text', () => {
    expect(safe(EVIL)).toBe('evil\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202eexe.txt');
  });

  it.each(['table', 'wide'] as const)('-o %s carries no raw control character', (output) => {
    const text = renderTable([hostile, hostile], { show: both, wide: output === 'wide', noHeaders: false }, style)
      + renderTable([hostile], { show: both, wide: output === 'wide', noHeaders: false }, style);
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toContain('evil\\x1b]0;pwned');
  });

  it('-o json escapes them and still round-trips', () => {
    const text = renderJson(toDocument([hostile], docSpec));
    expect(text).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(text).items[0].name).toBe(EVIL);
  });

  it('-o yaml escapes them and still round-trips', () => {
    const text = renderYaml(toDocument([hostile], docSpec));
    expect(text).not.toMatch(RAW_CONTROL);
    expect((load(text) as { items: { name: string }[] }).items[0].name).toBe(EVIL);
  });
});

describe('the json contract', () => {
  const doc = JSON.parse(renderJson(toDocument([bare(statusRecord(POD, 1, nnp)), bare(failedAt(POD, 9, 'no such process'))], docSpec)));

  it('has the documented keys and types', () => {
    expect(doc.kind).toBe('ProcStatusList');
    const item = doc.items[0];
    expect(item).toMatchObject({
      pod: 'web', namespace: 'default', container: 'app', pid: 1, error: null, name: 'cat',
      state: expect.stringMatching(/^R/), ppid: expect.any(Number), uid: [0, 0, 0, 0], gid: [0, 0, 0, 0], threads: 1,
      noNewPrivs: true, seccomp: 'disabled',
    });
    expect(Object.keys(item.capabilities)).toEqual(['inheritable', 'permitted', 'effective', 'bounding', 'ambient']);
    expect(item.capabilities.bounding).toEqual({ mask: '0000000000000401', names: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE'] });
    expect(Object.keys(item.signals)).toEqual(['queued', 'queueLimit', 'pending', 'sharedPending', 'blocked', 'ignored', 'caught']);
    expect(item.signals.ignored).toEqual({ mask: '0000000000004000', names: ['SIGTERM'] });
    expect(item.fields.CapBnd).toBe('0000000000000401');
  });

  it('an unreadable process is an item with its error', () => {
    expect(doc.items[1]).toMatchObject({ pid: 9, error: 'no such process', name: null, capabilities: null });
  });

  it('a filter leaves the other section out', () => {
    const caps = toDocument([hostile], { show: { capabilities: true, signals: false }, rawFields: false }).items[0];
    expect(caps).toHaveProperty('capabilities');
    expect(caps).not.toHaveProperty('signals');
  });

  it('raw fields only when asked for (--raw-fields)', () => {
    expect(toDocument([hostile], { show: both, rawFields: false }).items[0]).not.toHaveProperty('fields');
    expect(toDocument([hostile], docSpec).items[0]).toHaveProperty('fields.CapBnd', '0000000000000401');
  });
});

describe('tables', () => {
  const full = bare(statusRecord(POD, 1, host));
  const small = bare(statusRecord(POD, 7, nnp));

  it('one PID: a detail view with every set, mask and name', () => {
    const text = renderTable([small], { show: both, wide: false, noHeaders: false }, style);
    expect(text).toMatch(/^Process: 7 \(cat\)/);
    expect(text).toMatch(/CapBnd\s+bounding\s+0000000000000401\s+CAP_CHOWN, CAP_NET_BIND_SERVICE/);
    expect(text).toMatch(/SigIgn\s+ignored\s+0000000000004000\s+SIGTERM/);
    expect(text).toMatch(/NoNewPrivs:\s+1/);
  });

  it('many PIDs: one line per row, whatever the width; every row has as many words as the header', () => {
    for (const width of [40, 100, 300]) {
      const text = renderTable([full, small, full], { show: both, wide: false, noHeaders: false }, { width, color: false });
      const lines = text.trimEnd().split('\n');
      expect(lines).toHaveLength(4);
      expect(lines[0]).toMatch(/^PID\s+NAME\s+STATE\s+UID\s+CAP_EFF\s+SIG_IGN\s+SIG_CGT$/);
      expect(lines[2]).toMatch(/^7\s+cat\s+R\s+0\s+CHOWN,NET_BIND_SERVICE\s+TERM\s+none$/);
      for (const l of lines) expect(l.split(/\s+/)).toHaveLength(7);
    }
  });

  it('-o wide adds identity and every set, still one line per row', () => {
    const text = renderTable([full, small], { show: both, wide: true, noHeaders: false }, { width: 80, color: false });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PID\s+PPID\s+NAME\s+STATE\s+UID\s+THREADS\s+NNP\s+SECCOMP\s+USER\s+ELAPSED\s+TIME\s+%CPU\s+NI\s+PGID\s+TTY\s+RSS\s+CAP_EFF\s+CAP_PRM\s+CAP_BND\s+CAP_AMB\s+CAP_INH\s+SIG_BLK/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/\sALL-SYS_RESOURCE\s/);
  });

  it('--no-headers drops the header row', () => {
    const text = renderTable([full, small], { show: both, wide: false, noHeaders: true }, style);
    expect(text).not.toMatch(/PID/);
    expect(text.split('\n')[0]).toMatch(/^1\s+process_api/);
  });

  it('a full set is ALL in tables; the detail view lists every name', () => {
    const all = bare(statusRecord(POD, 1, host.replace(/^CapEff:.*$/m, 'CapEff:\t000001ffffffffff')));
    expect(renderTable([all, small], { show: { capabilities: true, signals: false }, wide: false, noHeaders: false }, style)).toMatch(/^1\s+process_api\s+S\s+0\s+ALL\s/m);
    expect(renderTable([all], { show: { capabilities: true, signals: false }, wide: false, noHeaders: false }, style)).toContain('CAP_CHECKPOINT_RESTORE');
  });

  it('a name with a newline or escapes stays one escaped line', () => {
    const evil = bare(statusRecord(POD, 9, nnp.replace(/^Name:.*$/m, 'Name:\tx\\ny\u001b[2J')));
    const text = renderTable([small, evil], { show: both, wide: false, noHeaders: true }, style);
    expect(text.trimEnd().split('\n')).toHaveLength(2);
    expect(text).not.toMatch(RAW_CONTROL);
  });

  it('no colour codes unless asked', () => {
    const plain = renderTable([full, small], { show: both, wide: false, noHeaders: false }, style);
    expect(plain).not.toContain('\u001b[');
  });
});

describe('Pod Security Standards levels', () => {
  const restricted = readFileSync(new URL('fixtures/status/restricted-pod-6.18.txt', import.meta.url), 'utf8');
  const baseline = readFileSync(new URL('fixtures/status/baseline-pod-6.18.txt', import.meta.url), 'utf8');
  const policy = podPolicy({ metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app' }] } }, { name: 'app' });
  const a = judge(statusRecord(POD, 1, restricted), policy);
  const b = judge(statusRecord({ ...POD, pod: 'db' }, 1, baseline), policy);

  it('pod rows carry a LEVEL column before FINDINGS; local rows do not', () => {
    const text = renderTable([a, b], { show: both, wide: false, noHeaders: false }, { width: 300, color: false });
    expect(text.split('\n')[0]).toMatch(/^POD\s+CONTAINER\s+PID\s+.*\s+LEVEL\s+FINDINGS$/);
    // Starred: status texts alone show no mounts, so those controls come from the spec.
    expect(text).toMatch(/^web\s+app\s+1\s+sleep\s+.*\srestricted\*\s+pid1-ignores-sigterm\(W\)/m);
    expect(text).toMatch(/^db\s+app\s+1\s+sleep\s+.*\sbaseline\*\s+pid1-ignores-sigterm\(W\),no-new-privs-off\(I\)/m);
    const local = judge(statusRecord({}, 1, host), HOST_POLICY);
    expect(renderTable([local, local], { show: both, wide: false, noHeaders: false }, style).split('\n')[0]).not.toMatch(/LEVEL/);
  });

  it('the detail view names the level and the controls it misses', () => {
    const text = renderTable([b], { show: both, wide: false, noHeaders: false }, { width: 300, color: false });
    expect(text).toMatch(/^Level:\s+baseline\*\s+\(Pod Security Standards, on the kernel's state; unmet: Privilege Escalation, Running as Non-root, Seccomp, Capabilities; \* from the spec, which this read could not check: Host Namespaces, HostPath Volumes, \/proc Mount Type\)$/m);
    expect(text).toMatch(/^CONTROLS\s+LEVEL\s+JUDGED\s+MET\s+SHOWS$/m);
    expect(text).toMatch(/^Privilege Escalation\s+restricted\s+kernel\s+NO\s+NoNewPrivs is 0/m);
  });

  it('documents carry podSecurity per item and the level per pod', () => {
    const doc = JSON.parse(renderJson(toDocument([a, b, bare(failedAt({ ...POD, pod: 'gone' }, 1, 'no such process'))], docSpec)));
    expect(doc.items[0].podSecurity).toMatchObject({ level: 'restricted', assumed: true, unmet: [] });
    expect(doc.items[0].podSecurity.controls).toHaveLength(16);
    for (const c of doc.items[0].podSecurity.controls) expect(Object.keys(c)).toEqual(expect.arrayContaining(['control', 'level', 'judged', 'met', 'shows']));
    expect(doc.items[1].podSecurity.unmet[0]).toEqual({
      control: 'Privilege Escalation', level: 'restricted', shows: expect.stringMatching(/^NoNewPrivs is 0/), fix: 'set allowPrivilegeEscalation: false',
    });
    expect(doc.items[2].podSecurity).toBeNull();
    expect(doc.pods).toEqual([
      { namespace: 'default', pod: 'web', level: 'restricted', containers: [{ container: 'app', level: 'restricted' }] },
      { namespace: 'default', pod: 'db', level: 'baseline', containers: [{ container: 'app', level: 'baseline' }] },
    ]);
    expect(toDocument([judge(statusRecord({}, 1, host), HOST_POLICY)], docSpec))
      .not.toHaveProperty('pods');
  });
});

describe('compact sets: short and exact', () => {
  /** A capability phrase read back into the names it stands for. */
  function expand(phrase: string): string[] {
    if (phrase === 'none') return [];
    const m = /^(default|ALL)?(.*)$/.exec(phrase)!;
    const full = (n: string) => (n.startsWith('CAP_') ? n : `CAP_${n}`);
    if (!m[1]) return phrase.split(',').map(full);
    const held = new Set(m[1] === 'ALL' ? CAPABILITY_NAMES : RUNTIME_DEFAULT_CAPABILITIES);
    for (const [, sign, name] of m[2].matchAll(/([+-])([A-Z0-9_]+)/g)) sign === '+' ? held.add(full(name)) : held.delete(full(name));
    return [...held];
  }
  const sorted = (names: readonly string[]) => [...names].sort();

  it('the words the tables use', () => {
    expect(capabilityPhrase([])).toBe('none');
    expect(capabilityPhrase(RUNTIME_DEFAULT_CAPABILITIES)).toBe('default');
    expect(capabilityPhrase([...RUNTIME_DEFAULT_CAPABILITIES, 'CAP_NET_ADMIN'])).toBe('default+NET_ADMIN');
    expect(capabilityPhrase(RUNTIME_DEFAULT_CAPABILITIES.filter((n) => n !== 'CAP_NET_RAW'))).toBe('default-NET_RAW');
    expect(capabilityPhrase(CAPABILITY_NAMES)).toBe('ALL');
    expect(capabilityPhrase(CAPABILITY_NAMES.filter((n) => n !== 'CAP_SYS_RESOURCE'))).toBe('ALL-SYS_RESOURCE');
    expect(capabilityPhrase([...CAPABILITY_NAMES, 'CAP_41'])).toBe('ALL+CAP_41');
    // A mask of all ones (a hostile or future kernel's): the bits past the table as one run.
    const unknown = Array.from({ length: 23 }, (_, i) => `CAP_${41 + i}`);
    expect(capabilityPhrase([...CAPABILITY_NAMES, ...unknown])).toBe('ALL+CAP_41..63');
    expect(capabilityPhrase(['CAP_CHOWN', 'CAP_41', 'CAP_42', 'CAP_50', 'CAP_51', 'CAP_52'])).toBe('CHOWN,CAP_41,CAP_42,CAP_50..52');
    expect(capabilityPhrase(['CAP_NET_BIND_SERVICE'])).toBe('NET_BIND_SERVICE');
    expect(signalPhrase([])).toBe('none');
    expect(signalPhrase(['SIGINT', 'SIGTERM', 'SIGCHLD'])).toBe('INT,TERM,CHLD');
    expect(signalPhrase(['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGTERM', 'SIGCHLD', 'SIGRTMIN'])).toBe('TERM,INT,HUP,QUIT,+3');
  });

  it('a mask that did not decode: its first 16 characters in a table cell, all of it in the detail view', async () => {
    const { setText } = await import('../src/render/names.js');
    const bad = { mask: '\\x1b[31m' + 'z'.repeat(500), names: null, error: 'malformed mask (want 16 hex digits)' };
    expect(setText(bad, 'capabilities')).toBe('<malformed: \\x1b[31mzzzzzzzz…>');
    expect(setText(bad, 'full')).toBe(`<malformed mask (want 16 hex digits): ${bad.mask}>`);
  });

  it('every phrase reads back as exactly its set, and is never longer than the names', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 500; i++) {
      const base = i % 3 === 0 ? CAPABILITY_NAMES : i % 3 === 1 ? RUNTIME_DEFAULT_CAPABILITIES : [];
      const flip = random() < 0.5 ? 1 : Math.floor(random() * 6);
      const names = new Set(base);
      for (let k = 0; k < flip; k++) {
        const n = CAPABILITY_NAMES[Math.floor(random() * CAPABILITY_NAMES.length)];
        names.has(n) ? names.delete(n) : names.add(n);
      }
      const list = CAPABILITY_NAMES.filter((n) => names.has(n));
      const phrase = capabilityPhrase(list);
      expect(sorted(expand(phrase)), phrase).toEqual(sorted(list));
      expect(phrase.length).toBeLessThanOrEqual(Math.max(4, list.map((n) => n.replace(/^CAP_/, '')).join(',').length));
      expect(phrase).not.toMatch(/\s/);
    }
  });
});

describe('the FINDINGS cell', () => {
  it('each id once with its severity letter, and a count where one was found more than once', async () => {
    const { findingsCell } = await import('../src/render/table.js');
    expect(findingsCell([])).toBe('none');
    expect(findingsCell([
      { id: 'pid1-ignores-sigterm', severity: 'warning' },
      { id: 'exceeds-spec', severity: 'critical' },
      { id: 'exceeds-spec', severity: 'critical' },
      { id: 'exceeds-spec', severity: 'critical' },
      { id: 'below-namespace-level', severity: 'critical' },
    ])).toBe('pid1-ignores-sigterm(W),exceeds-spec(C)x3,below-namespace-level(C)');
    // The same id at two severities stays two entries: the letter is part of what it says.
    expect(findingsCell([{ id: 'x', severity: 'warning' }, { id: 'x', severity: 'critical' }])).toBe('x(W),x(C)');
  });
});

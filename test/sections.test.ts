// The detail view's sections (src/render/sections.ts): long messages and
// name lists wrap inside their column to the terminal's width, measured in
// visible characters, and nothing of them is lost or left unescaped.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { judge } from '../src/judge/judge.js';
import { podPolicy } from '../src/sources/policy.js';
import { displayWidth } from '../src/render/columns.js';
import { hanging, wrapWords } from '../src/render/sections.js';
import { renderTable } from '../src/render/table.js';
import { statusRecord } from './helpers/records.js';

const host = readFileSync(new URL('fixtures/status/pid1-host-6.18.txt', import.meta.url), 'utf8');
const POD = { pod: 'web', namespace: 'default', container: 'app' };
const policy = podPolicy({ metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app' }] } }, { name: 'app' });
const spec = { show: { capabilities: true, signals: true }, wide: false, noHeaders: false };
/** The host's PID 1 in a pod: every capability, so findings of 1,500 characters, each ending in a URL. */
const named = (name: string) => judge(statusRecord(POD, 1, host.replace(/^Name:.*$/m, `Name:\t${name}`)), policy);
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

/** A section of the detail view: its header line's columns, and its lines up to the blank line that ends it. */
function sectionOf(text: string, title: string): { lines: string[]; column: (name: string) => number } {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${title} `));
  const end = lines.indexOf('', start);
  const head = lines[start];
  return { lines: lines.slice(start, end === -1 ? undefined : end), column: (name) => head.indexOf(name) };
}

/** The MESSAGE column of FINDINGS, one text per finding (its lines joined), beside the message it should be. */
function messages(text: string): string[] {
  const { lines, column } = sectionOf(text, 'FINDINGS');
  const at = column('MESSAGE');
  const out: string[] = [];
  for (const line of lines.slice(1)) {
    if (line.slice(0, at).trim()) out.push(line.slice(at));
    else out[out.length - 1] += `\n${line.slice(at)}`;
  }
  return out;
}

describe('the detail view\'s sections wrap to the width', () => {
  const j = named('process_api');

  it.each([80, 100, 120, 160])('at %i columns: every line fits, and each message wraps inside the MESSAGE column', (width) => {
    const text = renderTable([j], spec, { width, color: false });
    for (const title of ['FINDINGS', 'CONTROLS', 'CAPABILITIES', 'SIGNALS']) {
      const { lines } = sectionOf(text, title);
      expect(lines.length, title).toBeGreaterThan(1);
      for (const line of lines) expect(displayWidth(line), `${title}: ${line}`).toBeLessThanOrEqual(width);
    }
    const { lines, column } = sectionOf(text, 'FINDINGS');
    const at = column('MESSAGE');
    // A continuation line is blank up to the MESSAGE column, and has text from there on.
    for (const line of lines.slice(1)) {
      expect(line.slice(0, at), line).toMatch(/^(?:\S+ +\S+ +| +)$/);
      expect(line[at], line).not.toBe(' ');
    }
    // Word for word the findings' messages: nothing cut, nothing added; a line breaks at a space, or after a "/" of a URL.
    const got = messages(text);
    const want = j.judgement.findings.map((f) => f.message);
    expect(got).toHaveLength(want.length);
    got.forEach((m, i) => {
      const parts = m.split('\n');
      let pos = 0;
      parts.forEach((part, k) => {
        expect(want[i].startsWith(part, pos), `${part} in ${want[i]}`).toBe(true);
        pos += part.length;
        if (k === parts.length - 1) return;
        if (want[i][pos] === ' ') pos++;
        else expect(want[i][pos - 1], `broken after ${part}`).toBe('/');
      });
      expect(pos).toBe(want[i].length);
    });
  });

  it.each([50, 60])('at %i columns, too narrow for a column of names beside the others: each text goes under its row, indented, and every line fits', (width) => {
    const text = renderTable([j], spec, { width, color: false });
    for (const title of ['FINDINGS', 'CONTROLS', 'CAPABILITIES', 'SIGNALS']) {
      for (const line of sectionOf(text, title).lines) expect(displayWidth(line), `${title}: ${line}`).toBeLessThanOrEqual(width);
    }
    // The Level line wraps under itself.
    const lines = text.split('\n');
    const level = lines.findIndex((l) => l.startsWith('Level:   '));
    expect(lines[level + 1]).toMatch(/^ {9}\S/);
    for (let i = level; lines[i].startsWith(i === level ? 'Level:' : '         '); i++) expect(lines[i].length).toBeLessThanOrEqual(width);
    // FINDINGS: a row's severity and id on its line; its message below, word for word.
    const { lines: findings } = sectionOf(text, 'FINDINGS');
    expect(findings[0]).toMatch(/^FINDINGS +ID$/);
    const rows: string[] = [];
    for (const line of findings.slice(1)) {
      if (line.startsWith('    ')) rows[rows.length - 1] += ` ${line.slice(4)}`;
      else rows.push('');
    }
    const want = j.judgement.findings.map((f) => f.message);
    expect(rows).toHaveLength(want.length);
    // Joined at each break with a space; a URL broken after its "/"s reads back with no space there.
    rows.forEach((r, i) => expect(r.trim().replace(/\/ /g, '/')).toBe(want[i]));
  });

  it('a message longer than the width takes several lines; the wide one takes fewer', () => {
    const at = (width: number) => sectionOf(renderTable([j], spec, { width, color: false }), 'FINDINGS').lines.length;
    expect(at(80)).toBeGreaterThan(j.judgement.findings.length + 1);
    expect(at(200)).toBeLessThan(at(80));
  });

  it('widths are visible widths: a name of wide characters still fits, its columns still line up', () => {
    const wide = named('进程服务器');
    const text = renderTable([wide], spec, { width: 100, color: false });
    expect(text).toContain('PID 1 (进程服务器)');
    for (const line of sectionOf(text, 'FINDINGS').lines) expect(displayWidth(line), line).toBeLessThanOrEqual(100);
    // The line after the one with the wide characters starts its text where the MESSAGE column does.
    const { lines, column } = sectionOf(text, 'FINDINGS');
    const i = lines.findIndex((l) => l.includes('进程服务器'));
    const next = lines[i + 1];
    expect(next.length - next.trimStart().length).toBe(column('MESSAGE'));
  });

  it('escapes in a process name stay escaped in a wrapped message', () => {
    const evil = named('a\u001b]0;x\u0007\u001b[2J\u009b31m\u202eb');
    const text = renderTable([evil], spec, { width: 80, color: false });
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toContain('PID 1 (a\\x1b]0;x\\x07\\x1b[2J\\x9b31m\\u202eb)');
    for (const line of sectionOf(text, 'FINDINGS').lines) expect(displayWidth(line)).toBeLessThanOrEqual(80);
  });

  it('bold headers on a terminal only; no colour otherwise', () => {
    expect(renderTable([j], spec, { width: 100, color: false })).not.toContain('\u001b[');
    const coloured = renderTable([j], spec, { width: 100, color: true });
    expect(coloured).toMatch(/^\u001b\[1mFINDINGS +ID +MESSAGE\u001b\[22m$/m);
    expect(coloured).toMatch(/^\u001b\[1mCAPABILITIES +SET +MASK +NAMES\u001b\[22m$/m);
  });
});

describe('hanging', () => {
  it('the label on the first line, the text under itself on the others, each within the width', () => {
    const lines = hanging('Level:   ', 'privileged   (Pod Security Standards, on the kernel\'s state; unmet: Capabilities, Seccomp)', 40);
    expect(lines[0]).toMatch(/^Level: {3}privileged/);
    for (const line of lines.slice(1)) expect(line).toMatch(/^ {9}\S/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
    expect(lines.map((l) => l.slice(9)).join(' ')).toBe('privileged   (Pod Security Standards, on the kernel\'s state; unmet: Capabilities, Seccomp)');
  });
});

describe('wrapWords', () => {
  const URL = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted';

  it('breaks at spaces, each line within the width', () => {
    expect(wrapWords('CAP_CHOWN, CAP_KILL, CAP_SETGID, CAP_SETUID', 20)).toEqual(['CAP_CHOWN, CAP_KILL,', 'CAP_SETGID,', 'CAP_SETUID']);
    expect(wrapWords('fits as it is', 13)).toEqual(['fits as it is']);
  });

  it('a URL wider than the width takes lines of its own, broken after its "/"s', () => {
    const lines = wrapWords(`set it. ${URL} then`, 50);
    expect(lines).toEqual(['set it.', 'https://kubernetes.io/docs/concepts/security/', 'pod-security-standards/#restricted then']);
    expect(lines.slice(1).join('').replace(/ then$/, '')).toBe(URL);
  });

  it('a piece wider than the width keeps its own line, whole', () => {
    expect(wrapWords('a averyveryverylongword b', 10)).toEqual(['a', 'averyveryverylongword', 'b']);
  });

  it('counts wide characters as two columns', () => {
    expect(wrapWords('进程 进程 进程', 10)).toEqual(['进程 进程', '进程']);
  });
});

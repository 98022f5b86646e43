// kubectl's custom-columns printer: spec and file parsing (kubectl's
// get/customcolumn.go and its error texts) and the layout of Go's tabwriter as
// kubectl configures it (minwidth 6, padding 3). The same layouts are checked
// against the real kubectl in printers.oracle.test.ts.

import { describe, expect, it } from 'vitest';
import {
  parseCustomColumns,
  parseCustomColumnsFile,
  renderCustomColumns,
  tabulate,
} from '../src/render/custom-columns.ts';
import type { CustomColumn } from '../src/render/custom-columns.ts';

function columns(spec: string): CustomColumn[] {
  const p = parseCustomColumns(spec);
  if (!p.ok) throw new Error(p.error);
  return p.columns;
}

function render(items: unknown[], spec: string, noHeaders = false): string {
  const r = renderCustomColumns(items, columns(spec), { noHeaders });
  if (!r.ok) throw new Error(r.error);
  return r.text;
}

const ITEMS = [
  {
    pod: 'web',
    namespace: 'default',
    container: 'app',
    pid: 1,
    capabilities: { effective: { mask: '00000000a80425fb', names: ['CAP_CHOWN', 'CAP_KILL'] } },
  },
  { pod: 'db-0', namespace: 'data', container: 'db', pid: 27, capabilities: { effective: { mask: '0000000000000000', names: [] } } },
];

describe('parsing a spec', () => {
  it('accepts paths with and without braces and the leading dot', () => {
    expect(columns('A:pod,B:.pod,C:{pod},D:{.pod}').map((c) => c.fieldSpec)).toEqual(['{.pod}', '{.pod}', '{.pod}', '{.pod}']);
    expect(columns('POD:.pod').map((c) => c.header)).toEqual(['POD']);
  });

  it('splits each column on its first colon only', () => {
    expect(columns('A:.a:b')[0].fieldSpec).toBe('{.a:b}');
  });

  it("reports kubectl's errors", () => {
    expect(parseCustomColumns('')).toEqual({ ok: false, error: 'custom-columns format specified but no custom columns given' });
    expect(parseCustomColumns('A')).toEqual({
      ok: false,
      error: 'unexpected custom-columns spec: A, expected <header>:<json-path-expr>',
    });
    expect(parseCustomColumns('A:{.a}{.b}')).toEqual({
      ok: false,
      error: "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'",
    });
    expect(parseCustomColumns('A:.items[0')).toEqual({ ok: false, error: 'unterminated array' });
  });
});

describe('parsing a custom-columns file', () => {
  it('reads a line of headers and a line of paths, split on any white space', () => {
    const p = parseCustomColumnsFile('  POD\tPID \n .pod\t{.pid}  \nignored\n');
    if (!p.ok) throw new Error(p.error);
    expect(p.columns.map((c) => [c.header, c.fieldSpec])).toEqual([
      ['POD', '{.pod}'],
      ['PID', '{.pid}'],
    ]);
  });

  it('accepts CRLF line ends', () => {
    const p = parseCustomColumnsFile('POD PID\r\n.pod .pid\r\n');
    expect(p.ok && p.columns.map((c) => c.fieldSpec)).toEqual(['{.pod}', '{.pid}']);
  });

  it("reports kubectl's errors", () => {
    const hint = 'Expected format is one line of space separated headers, one line of space separated column specs.';
    expect(parseCustomColumnsFile('')).toEqual({ ok: false, error: `invalid template, missing header line. ${hint}` });
    expect(parseCustomColumnsFile('A B\n')).toEqual({ ok: false, error: `invalid template, missing spec line. ${hint}` });
    expect(parseCustomColumnsFile('A B\n.a\n')).toEqual({
      ok: false,
      error: "number of headers (2) and field specifications (1) don't match",
    });
  });
});

describe('rendering', () => {
  it('pads every column but the last to its widest cell plus three spaces', () => {
    expect(render(ITEMS, 'NAMESPACE:.namespace,POD:.pod,PID:.pid')).toBe(
      'NAMESPACE   POD    PID\n' + //
        'default     web    1\n' +
        'data        db-0   27\n',
    );
  });

  it('makes a column at least six wide', () => {
    expect(render(ITEMS, 'A:.pid,B:.pod')).toBe('A     B\n1     web\n27    db-0\n');
  });

  it('prints <none> for no result, and all results comma-joined', () => {
    expect(render(ITEMS, 'POD:.pod,CAPS:.capabilities.effective.names[*],X:.nope')).toBe(
      'POD    CAPS                 X\n' + //
        'web    CAP_CHOWN,CAP_KILL   <none>\n' +
        'db-0   <none>               <none>\n',
    );
  });

  it("prints maps, lists and null as Go's fmt does", () => {
    const items = [{ m: { b: 2, a: 'x' }, l: ['p', 'q'], n: null, f: 1.5, t: true }];
    expect(render(items, 'M:.m,L:.l,N:.n,F:.f,T:.t', true)).toBe('map[a:x b:2]   [p q]   <nil>   1.5   true\n');
  });

  it('omits the header line with --no-headers', () => {
    expect(render(ITEMS, 'POD:.pod', true)).toBe('web\ndb-0\n');
  });

  it('escapes terminal controls and tabs in cells before measuring them', () => {
    const items = [{ pod: 'evil\x1b]0;title\x07\tpod' }];
    expect(render(items, 'POD:.pod,X:.x', true)).toBe('evil\\x1b]0;title\\x07\\x09pod   <none>\n');
  });

  it('a value cannot forge a row or a column: every control in a cell is escaped, in lists and maps too', () => {
    const evil = 'a\n-\r-\t-\x1b-\x07-\x7f-\u009b-\u202ez';
    const escaped = 'a\\x0a-\\x0d-\\x09-\\x1b-\\x07-\\x7f-\\x9b-\\u202ez';
    const items = [{ pod: evil, args: ['x', evil], m: { [evil]: evil } }, { pod: 'web', args: [], m: {} }];
    const out = render(items, 'POD:.pod,ARGS:.args,M:.m,N:.nope');
    expect(out.split('\n')).toHaveLength(4); // header, two rows, and the final newline
    const w = escaped.length + 3;
    expect(out).toBe(
      `${'POD'.padEnd(w)}${'ARGS'.padEnd(w + 4)}${'M'.padEnd(2 * w + 3)}N\n` +
        `${escaped}   [x ${escaped}]   map[${escaped}:${escaped}]   <none>\n` +
        `${'web'.padEnd(w)}${'[]'.padEnd(w + 4)}${'map[]'.padEnd(2 * w + 3)}<none>\n`,
    );
  });

  it('returns evaluation errors instead of throwing', () => {
    const r = renderCustomColumns(ITEMS, columns('N:.capabilities.effective.names[5]'));
    expect(r).toEqual({ ok: false, error: 'array index out of bounds: index 5, length 2' });
  });

  it('counts characters, not UTF-16 units, as tabwriter counts runes', () => {
    expect(tabulate([['😀😀😀😀', 'x'], ['ab', 'y']])).toBe('😀😀😀😀   x\nab     y\n');
  });
});

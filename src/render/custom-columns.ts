/**
 * kubectl's `-o custom-columns=SPEC` and `-o custom-columns-file=FILE` printers,
 * pure: parse the spec, then lay out one row per item.
 *
 * Semantics follow kubectl's get/customcolumn.go and the tabwriter it prints
 * through (cli-runtime printers.GetNewTabWriter: minwidth 6, padding 3, spaces):
 *  - SPEC is `HEADER:PATH,HEADER:PATH`, split on every comma, then on the first
 *    colon; PATH may be `a.b`, `.a.b`, `{a.b}` or `{.a.b}` (RelaxedJSONPathExpression);
 *  - the file form is two lines, headers and paths, each split on whitespace;
 *  - a cell is every result of its path, each as Go's fmt.Sprint prints it
 *    (maps as `map[k:v]`, lists as `[a b]`, null as `<nil>`), joined by commas;
 *    no result at all is `<none>`; missing keys are never an error;
 *  - each column is as wide as its widest cell plus 3 spaces (at least 6); the
 *    last column is not padded.
 * https://kubernetes.io/docs/reference/kubectl/#custom-columns
 */

import { escapeControls, safe } from '../safe.js';
import { compileJsonpath, findJsonpathResults, goSprint, relaxedJsonpathExpression } from './jsonpath/index.js';
import type { JsonpathProgram } from './jsonpath/index.js';

export interface CustomColumn {
  /** The header as written by the user. */
  header: string;
  /** The path as kubectl normalises it, e.g. `{.metadata.name}` (empty when the spec's path was empty). */
  fieldSpec: string;
  /** The compiled path. */
  program: JsonpathProgram;
}

export type ColumnsResult = { ok: true; columns: CustomColumn[] } | { ok: false; error: string };

function compileColumn(header: string, path: string): { ok: true; column: CustomColumn } | { ok: false; error: string } {
  const relaxed = relaxedJsonpathExpression(path);
  if (!relaxed.ok) return relaxed;
  const c = compileJsonpath(relaxed.template);
  // kubectl reports a path that does not parse with the parser's reason alone, e.g. `unterminated array`.
  if (!c.ok) return { ok: false, error: c.error };
  return { ok: true, column: { header, fieldSpec: relaxed.template, program: c.program } };
}

/**
 * Parses `-o custom-columns=SPEC`. Errors carry kubectl's wording (print them
 * as `error: <error>`), e.g.
 * `unexpected custom-columns spec: A, expected <header>:<json-path-expr>`.
 */
export function parseCustomColumns(spec: string): ColumnsResult {
  if (spec.length === 0) return { ok: false, error: 'custom-columns format specified but no custom columns given' };
  const columns: CustomColumn[] = [];
  for (const part of spec.split(',')) {
    const colon = part.indexOf(':');
    if (colon < 0) {
      return { ok: false, error: `unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>` };
    }
    const c = compileColumn(part.slice(0, colon), part.slice(colon + 1));
    if (!c.ok) return c;
    columns.push(c.column);
  }
  return { ok: true, columns };
}

const FILE_FORMAT_HINT =
  'Expected format is one line of space separated headers, one line of space separated column specs.';

/** Go's bufio.ScanWords: fields split on Unicode white space. */
function words(line: string): string[] {
  return line.split(/[\s\u0085]+/u).filter((w) => w.length > 0);
}

/**
 * Parses the text of a `-o custom-columns-file=FILE`: a line of headers and a
 * line of paths, both whitespace separated (kubectl reads only those two lines).
 */
export function parseCustomColumnsFile(text: string): ColumnsResult {
  // bufio.Scanner lines: split on \n, a trailing \r dropped, no line after a final newline.
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const line = (i: number): string | undefined => lines[i]?.replace(/\r$/, '');
  const headerLine = line(0);
  if (headerLine === undefined) return { ok: false, error: `invalid template, missing header line. ${FILE_FORMAT_HINT}` };
  const specLine = line(1);
  if (specLine === undefined) return { ok: false, error: `invalid template, missing spec line. ${FILE_FORMAT_HINT}` };
  const headers = words(headerLine);
  const specs = words(specLine);
  if (headers.length !== specs.length) {
    return {
      ok: false,
      error: `number of headers (${headers.length}) and field specifications (${specs.length}) don't match`,
    };
  }
  const columns: CustomColumn[] = [];
  for (let i = 0; i < headers.length; i++) {
    const c = compileColumn(headers[i], specs[i]);
    if (!c.ok) return c;
    columns.push(c.column);
  }
  return { ok: true, columns };
}

/**
 * One cell: every result of the path, as Go's fmt.Sprint, comma-joined; `<none>` for no result.
 * Unlike kubectl, which prints values raw, every control in a value is escaped,
 * tabs and newlines too: the values are the document's (untrusted), and a raw
 * newline would forge a row, a tab a column (kubectl's tabwriter splits cells
 * at tabs). A quoted literal in a column's path gets the same treatment, as a
 * cell cannot hold a line break or a tab whoever wrote it.
 */
export function customColumnCell(item: unknown, column: CustomColumn): { ok: true; text: string } | { ok: false; error: string } {
  const r = findJsonpathResults(column.program, item, { allowMissingKeys: true });
  if (!r.ok) return r;
  const values: string[] = [];
  if (r.results.length === 0 || r.results[0].length === 0) values.push('<none>');
  for (const set of r.results) for (const v of set) values.push(escapeControls(goSprint(v)));
  return { ok: true, text: values.join(',') };
}

/** Go text/tabwriter layout as kubectl configures it: minwidth 6, padding 3, last cell unpadded. */
export function tabulate(rows: string[][]): string {
  const MIN_WIDTH = 6;
  const PADDING = 3;
  const len = (s: string): number => [...s].length; // tabwriter counts runes
  const widths: number[] = [];
  for (const row of rows) {
    for (let i = 0; i < row.length - 1; i++) widths[i] = Math.max(widths[i] ?? MIN_WIDTH, len(row[i]) + PADDING);
  }
  let out = '';
  for (const row of rows) {
    out += row.map((cell, i) => (i < row.length - 1 ? cell + ' '.repeat(widths[i] - len(cell)) : cell)).join('');
    out += '\n';
  }
  return out;
}

/**
 * Renders items as kubectl's custom-columns printer does. Cells are made safe
 * for a terminal here (src/safe.ts), before widths are measured.
 * An evaluation error (e.g. `array index out of bounds: index 5, length 2`) is
 * returned as kubectl prints it after `error: `.
 */
export function renderCustomColumns(
  items: unknown[],
  columns: CustomColumn[],
  { noHeaders = false }: { noHeaders?: boolean } = {},
): { ok: true; text: string } | { ok: false; error: string } {
  const rows: string[][] = [];
  if (!noHeaders) rows.push(columns.map((c) => safe(c.header)));
  for (const item of items) {
    const row: string[] = [];
    for (const column of columns) {
      const cell = customColumnCell(item, column);
      if (!cell.ok) return cell;
      row.push(cell.text);
    }
    rows.push(row);
  }
  return { ok: true, text: tabulate(rows) };
}

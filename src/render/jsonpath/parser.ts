/**
 * kubectl's JSONPath template grammar: text and `{…}` actions parsed into a
 * tree, as client-go's util/jsonpath/parser.go does (here as a loop rather
 * than its mutual recursion), with its error texts.
 * https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/client-go/util/jsonpath/parser.go
 */

import { JsonpathError } from './error.js';
import { goRuneU } from './go-format.js';
import { unquoteExtend } from './unquote.js';

// ---------------------------------------------------------------------------
// Syntax tree

export interface Param {
  known: boolean;
  value: number;
  derived: boolean;
}

export type Node =
  | { t: 'list'; nodes: Node[] }
  | { t: 'text'; text: string }
  | { t: 'field'; name: string }
  | { t: 'array'; params: [Param, Param, Param] }
  | { t: 'filter'; left: ListNode; right: ListNode; op: string }
  | { t: 'int'; value: number }
  | { t: 'float'; value: number }
  | { t: 'bool'; value: boolean }
  | { t: 'wildcard' }
  | { t: 'recursive' }
  | { t: 'union'; lists: ListNode[] }
  | { t: 'ident'; name: string };
export type ListNode = Extract<Node, { t: 'list' }>;

/** A compiled template. Opaque to callers. */
export interface JsonpathProgram {
  readonly template: string;
  readonly root: ListNode;
}

// ---------------------------------------------------------------------------
// Parser (kubectl's grammar, as a loop rather than mutual recursion)

const EOF = -1;
const SLICE_RE = /^(-?[0-9]*)(:-?[0-9]*)?(:-?[0-9]*)?$/;
const DICT_KEY_RE = /^'([^']*)'$/;
const FILTER_RE = /^([^!<>=]+)([!<>=]+)(.+?)$/s;
/** Template size and sub-parse nesting caps: far above any real template. */
const MAX_TEMPLATE = 64 * 1024;
const MAX_SUBPARSE = 16;

function isTerminator(r: number): boolean {
  return (
    r === EOF || r === 0x20 || r === 0x09 || r === 0x0d || r === 0x0a || r === 0x2e /* . */ || r === 0x2c /* , */ ||
    r === 0x5b /* [ */ || r === 0x5d /* ] */ || r === 0x24 /* $ */ || r === 0x40 /* @ */ || r === 0x7b || r === 0x7d
  );
}
const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}]$/u;
const DIGIT = /^\p{Nd}$/u;
function isAlphaNumeric(r: number): boolean {
  return r === 0x5f || (r >= 0 && LETTER_OR_DIGIT.test(String.fromCodePoint(r)));
}
function isDigit(r: number): boolean {
  return r >= 0 && DIGIT.test(String.fromCodePoint(r));
}

class Parser {
  private input = '';
  private pos = 0;
  private start = 0;
  private width = 0;
  root: ListNode = { t: 'list', nodes: [] };
  private readonly nesting: number;

  constructor(nesting: number) {
    this.nesting = nesting;
  }

  parse(text: string): void {
    this.input = text;
    this.pos = 0;
    this.start = 0;
    this.root = { t: 'list', nodes: [] };
    // Alternate text and actions until the end of the input.
    for (;;) {
      const open = this.input.indexOf('{', this.pos);
      if (open < 0) {
        if (this.input.length > this.start) this.root.nodes.push({ t: 'text', text: this.input.slice(this.start) });
        return;
      }
      if (open > this.start) this.root.nodes.push({ t: 'text', text: this.input.slice(this.start, open) });
      this.pos = open + 1;
      this.start = this.pos;
      const action: ListNode = { t: 'list', nodes: [] };
      this.root.nodes.push(action);
      this.parseInsideAction(action);
    }
  }

  private consume(): string {
    const v = this.input.slice(this.start, this.pos);
    this.start = this.pos;
    return v;
  }

  private next(): number {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const r = this.input.codePointAt(this.pos)!;
    this.width = r > 0xffff ? 2 : 1;
    this.pos += this.width;
    return r;
  }

  private backup(): void {
    this.pos -= this.width;
  }

  private peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  private startsWith(prefix: string): boolean {
    return this.input.startsWith(prefix, this.pos);
  }

  /** Parses one action's content up to and including its `}`. */
  private parseInsideAction(cur: ListNode): void {
    for (;;) {
      if (this.startsWith('}')) {
        this.pos += 1;
        this.consume();
        return;
      }
      if (this.startsWith('[?(')) {
        this.parseFilter(cur);
        continue;
      }
      if (this.startsWith('..')) {
        this.parseRecursive(cur);
        continue;
      }
      const r = this.next();
      if (r === EOF || r === 0x0d || r === 0x0a) throw new JsonpathError('unclosed action');
      if (r === 0x20 || r === 0x40 || r === 0x24) {
        this.consume(); // a space, `@` or `$` (the current object) are skipped
      } else if (r === 0x5b) {
        this.parseArray(cur);
      } else if (r === 0x22 || r === 0x27) {
        this.parseQuote(cur, r);
      } else if (r === 0x2e) {
        this.parseField(cur);
      } else if (r === 0x2b || r === 0x2d || isDigit(r)) {
        this.backup();
        this.parseNumber(cur);
      } else if (isAlphaNumeric(r)) {
        this.backup();
        this.parseIdentifier(cur);
      } else {
        throw new JsonpathError(`unrecognized character in action: ${goRuneU(r)}`);
      }
    }
  }

  private parseIdentifier(cur: ListNode): void {
    for (;;) {
      const r = this.next();
      if (isTerminator(r)) {
        this.backup();
        break;
      }
    }
    const value = this.consume();
    if (value === 'true' || value === 'false') cur.nodes.push({ t: 'bool', value: value === 'true' });
    else cur.nodes.push({ t: 'ident', name: value });
  }

  private parseRecursive(cur: ListNode): void {
    if (cur.nodes.at(-1)?.t === 'recursive') throw new JsonpathError('invalid multiple recursive descent');
    this.pos += 2;
    this.consume();
    cur.nodes.push({ t: 'recursive' });
    if (isAlphaNumeric(this.peek())) this.parseField(cur);
  }

  private parseNumber(cur: ListNode): void {
    const first = this.peek();
    if (first === 0x2b || first === 0x2d) this.next();
    for (;;) {
      const r = this.next();
      if (r !== 0x2e && !isDigit(r)) {
        this.backup();
        break;
      }
    }
    const value = this.consume();
    // Go's Atoi: optional sign and ASCII digits within int64; otherwise ParseFloat.
    if (/^[+-]?[0-9]+$/.test(value)) {
      const n = BigInt(value);
      if (n >= -(2n ** 63n) && n < 2n ** 63n) {
        cur.nodes.push({ t: 'int', value: Number(n) });
        return;
      }
    }
    if (/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(value)) {
      cur.nodes.push({ t: 'float', value: Number(value) });
      return;
    }
    throw new JsonpathError(`cannot parse number ${value}`);
  }

  private parseArray(cur: ListNode): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === 0x0a) throw new JsonpathError('unterminated array');
      if (r === 0x5d) break;
    }
    let text = this.consume();
    text = text.slice(1, -1);
    if (text === '*') text = ':';

    const parts = text.split(',');
    if (parts.length > 1) {
      const lists = parts.map((s) => subParse(`[${trimSpaces(s)}]`, this.nesting));
      cur.nodes.push({ t: 'union', lists });
      return;
    }

    const dict = DICT_KEY_RE.exec(text);
    if (dict) {
      for (const n of subParse(`.${dict[1]}`, this.nesting).nodes) cur.nodes.push(n);
      return;
    }

    const m = SLICE_RE.exec(text);
    if (!m) throw new JsonpathError(`invalid array index ${text}`);
    const params: [Param, Param, Param] = [
      { known: false, value: 0, derived: false },
      { known: false, value: 0, derived: false },
      { known: false, value: 0, derived: false },
    ];
    for (let i = 0; i < 3; i++) {
      let v = m[i + 1] ?? '';
      if (v !== '') {
        if (i > 0) v = v.slice(1);
        if (i > 0 && v === '') {
          params[i].known = false;
        } else {
          if (!/^[+-]?[0-9]+$/.test(v)) throw new JsonpathError(`array index ${v} is not a number`);
          params[i].known = true;
          params[i].value = Number(v);
          if (!Number.isSafeInteger(params[i].value)) throw new JsonpathError(`array index ${v} is not a number`);
        }
      } else if (i === 1) {
        // `[n]` is the slice [n:n+1], marked derived so `[-1]` reaches the last element.
        params[i] = { known: true, value: params[0].value + 1, derived: true };
      }
    }
    cur.nodes.push({ t: 'array', params });
  }

  private parseFilter(cur: ListNode): void {
    this.pos += 3;
    this.consume();
    let begin = false;
    let end = false;
    let pair = 0;
    for (;;) {
      const r = this.next();
      if (r === EOF || r === 0x0a) throw new JsonpathError('unterminated filter');
      if (r === 0x22 || r === 0x27) {
        if (!begin) {
          begin = true;
          pair = r;
          continue;
        }
        if (this.input[this.pos - 2] !== '\\' && r === pair) end = true;
      } else if (r === 0x29 && begin === end) {
        break;
      }
    }
    if (this.next() !== 0x5d) throw new JsonpathError('unclosed array expect ]');
    const text = this.consume().slice(0, -2);
    const m = FILTER_RE.exec(text);
    if (!m) {
      cur.nodes.push({ t: 'filter', left: subParse(text, this.nesting), right: { t: 'list', nodes: [] }, op: 'exists' });
    } else {
      const left = subParse(m[1], this.nesting);
      const right = subParse(m[3], this.nesting);
      cur.nodes.push({ t: 'filter', left, right, op: m[2] });
    }
  }

  private parseQuote(cur: ListNode, quote: number): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === 0x0a) throw new JsonpathError('unterminated quoted string');
      if (r === quote && this.input[this.pos - 2] !== '\\') break;
    }
    const value = this.consume();
    const s = unquoteExtend(value);
    if (s === null) throw new JsonpathError(`unquote string ${value} error invalid syntax`);
    cur.nodes.push({ t: 'text', text: s });
  }

  private parseField(cur: ListNode): void {
    this.consume();
    for (;;) {
      const r = this.next();
      if (r === 0x5c) {
        this.next(); // a backslash escapes the next character: `{.a\.b}` is the key "a.b"
      } else if (isTerminator(r)) {
        this.backup();
        break;
      }
    }
    const value = this.consume();
    if (value === '*') cur.nodes.push({ t: 'wildcard' });
    else cur.nodes.push({ t: 'field', name: value.replaceAll('\\', '') });
  }
}

function trimSpaces(s: string): string {
  return s.replace(/^ +| +$/g, '');
}

/** kubectl's parseAction: the text parsed as `{text}`, and its first action taken. */
function subParse(text: string, nesting: number): ListNode {
  if (nesting >= MAX_SUBPARSE) throw new JsonpathError('template nests too deeply');
  const p = new Parser(nesting + 1);
  p.parse(`{${text}}`);
  return p.root.nodes[0] as ListNode;
}

// ---------------------------------------------------------------------------
// API

export type CompileResult = { ok: true; program: JsonpathProgram } | { ok: false; error: string };

/**
 * Parses a template. On a syntax error, `error` is kubectl's reason, e.g.
 * `unclosed action`; kubectl prints it as
 * `error: error parsing jsonpath <template>, <reason>` (see jsonpathParseErrorMessage).
 */
export function compileJsonpath(template: string): CompileResult {
  if (template.length > MAX_TEMPLATE) return { ok: false, error: `template longer than ${MAX_TEMPLATE} characters` };
  try {
    const p = new Parser(0);
    p.parse(template);
    return { ok: true, program: { template, root: p.root } };
  } catch (e) {
    if (e instanceof JsonpathError) return { ok: false, error: e.message };
    if (e instanceof RangeError) return { ok: false, error: 'template nests too deeply' };
    throw e;
  }
}

/** kubectl's whole message for a template that does not parse (without the `error: ` prefix). */
export function jsonpathParseErrorMessage(template: string, reason: string): string {
  return `error parsing jsonpath ${template}, ${reason}`;
}

/**
 * kubectl's RelaxedJSONPathExpression for --sort-by and custom-columns:
 * `a.b`, `.a.b`, `{a.b}` and `{.a.b}` all become `{.a.b}`.
 */
export function relaxedJsonpathExpression(path: string): { ok: true; template: string } | { ok: false; error: string } {
  if (path.length === 0) return { ok: true, template: path };
  const m = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/s.exec(path);
  if (!m) {
    return {
      ok: false,
      error: "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'",
    };
  }
  return { ok: true, template: `{.${m[1] || m[2]}}` };
}

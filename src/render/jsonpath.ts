/**
 * kubectl's JSONPath template flavour (`-o jsonpath=…`, `-o jsonpath-as-json=…`),
 * as a pure parser and evaluator over a JSON document.
 *
 * The language and its quirks are kubectl's, not RFC 9535's:
 * https://kubernetes.io/docs/reference/kubectl/jsonpath/ and client-go's
 * util/jsonpath (parser.go, jsonpath.go) and its forked text/template
 * comparison functions. What we keep from there, on purpose:
 *  - text outside `{…}` is printed as is; `{"\n"}` is a Go-unquoted literal;
 *  - several results of one action are joined by one space, nothing between actions;
 *  - maps and arrays print as Go's compact JSON (sorted keys, `<>&` escaped),
 *    strings raw, null as `null`, numbers as Go's `fmt` prints int64/float64;
 *  - `['a.b']` is sugar for `.a.b` (so it does NOT reach a key with dots: escape
 *    the dots, `{.a\.b}`), and `["x"]` is a syntax error, as in kubectl;
 *  - a missing key prints nothing when allowMissingKeys (kubectl get's default),
 *    but an index out of range is an error;
 *  - filters compare only same-kind scalars (int vs float is "incompatible types");
 *  - range/end is kubectl's counter machine, including what happens to text
 *    after a range without `{end}`.
 * Map iteration (`*`, `..`) is in sorted key order here; kubectl's is Go's random
 * map order, so only the order can differ.
 *
 * Nothing here evaluates user text as code, and evaluation is capped in steps and
 * output size so that a hostile template cannot hang the tool.
 */

// ---------------------------------------------------------------------------
// Values

/** A float literal of the template (`1.5`, `30.0`): Go keeps it float64 even when integral. */
class FloatLit {
  readonly v: number;
  constructor(v: number) {
    this.v = v;
  }
}
/** A byte of a string, as `*` and `..` yield them over a Go string (uint8). */
class ByteVal {
  readonly v: number;
  constructor(v: number) {
    this.v = v;
  }
}
/** Go's invalid reflect.Value: what a range step over null or over nothing evaluates in. */
const INVALID: unique symbol = Symbol('invalid');
type Val = unknown;

type Kind = 'invalid' | 'nil' | 'bool' | 'int' | 'uint' | 'float' | 'string' | 'slice' | 'map';

function kindOf(v: Val): Kind {
  if (v === INVALID || v === undefined) return 'invalid';
  if (v === null) return 'nil';
  if (v instanceof FloatLit) return 'float';
  if (v instanceof ByteVal) return 'uint';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return isGoInt(v) ? 'int' : 'float';
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    default:
      return Array.isArray(v) ? 'slice' : 'map';
  }
}

/** A JSON number Go's unstructured decoder keeps as int64 (it decodes integral numbers that fit as int64). */
function isGoInt(n: number): boolean {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 63;
}

function goTypeName(v: Val): string {
  switch (kindOf(v)) {
    case 'bool':
      return 'bool';
    case 'int':
      return 'int64';
    case 'uint':
      return 'uint8';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'slice':
      return '[]interface {}';
    case 'map':
      return 'map[string]interface {}';
    default:
      return 'interface {}';
  }
}

/** Keys in Go's order: byte order of their UTF-8, which is code point order. */
function sortedKeys(o: object): string[] {
  return Object.keys(o)
    .filter((k) => (o as Record<string, unknown>)[k] !== undefined) // absent from the JSON text
    .sort(compareCodePoints);
}

export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

// ---------------------------------------------------------------------------
// Go formatting

/** Go's `%v` of a float64: strconv 'g' with the shortest digits, exponent when exp < -4 or >= 6 (so 1e+06). */
export function goFloatV(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mant, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    return `${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const dp = exp + 1; // digits before the decimal point
  let out: string;
  if (dp <= 0) out = `0.${'0'.repeat(-dp)}${digits}`;
  else if (dp >= digits.length) out = digits + '0'.repeat(dp - digits.length);
  else out = `${digits.slice(0, dp)}.${digits.slice(dp)}`;
  return neg ? `-${out}` : out;
}

function goNumberV(n: number): string {
  return isGoInt(n) ? String(n) : goFloatV(n);
}

/** Go's `fmt.Sprint` of a decoded JSON value (what custom-columns prints): `map[k:v]`, `[a b]`, `<nil>`. */
export function goSprint(v: Val, depth = 0): string {
  if (depth > MAX_DEPTH) return '...';
  if (v === INVALID || v === undefined) return '<invalid reflect.Value>';
  if (v === null) return '<nil>';
  if (v instanceof FloatLit) return goFloatV(v.v);
  if (v instanceof ByteVal) return String(v.v);
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return goNumberV(v);
    case 'boolean':
    case 'bigint':
      return String(v);
    default:
      if (Array.isArray(v)) return `[${v.map((e) => goSprint(e, depth + 1)).join(' ')}]`;
      return `map[${sortedKeys(v as object)
        .map((k) => `${k}:${goSprint((v as Record<string, unknown>)[k], depth + 1)}`)
        .join(' ')}]`;
  }
}

const HEX = '0123456789abcdef';

/** A string as Go's encoding/json writes it: HTML-safe (`<>&`), \b \f \n \r \t, other C0 as \u00XX, U+2028/9 escaped. */
function goJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        out += s[i] + s[i + 1];
        i++;
      } else out += '\\ufffd'; // Go holds UTF-8; a lone surrogate was U+FFFD when it decoded the document
      continue;
    }
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      default:
        if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
          out += `\\u${c < 0x100 ? '00' : ''}${c < 0x100 ? HEX[c >> 4] + HEX[c & 15] : c.toString(16)}`;
        } else out += s[i];
    }
  }
  return `${out}"`;
}

/** Go's json.Marshal (indent '') or json.MarshalIndent(v, '', indent) of a decoded JSON value. */
export function goJson(v: Val, indent = '', depth = 0): string {
  if (depth > MAX_DEPTH) throw new JsonpathError('json: exceeded max depth');
  if (v === null || v === undefined || v === INVALID) return 'null';
  if (v instanceof FloatLit || v instanceof ByteVal) return String(v.v);
  switch (typeof v) {
    case 'string':
      return goJsonString(v);
    case 'number':
      if (!Number.isFinite(v)) throw new JsonpathError(`json: unsupported value: ${goFloatV(v)}`);
      return String(v); // JS and Go agree: exponent only below 1e-6 or from 1e21
    case 'boolean':
    case 'bigint':
      return String(v);
    default: {
      const nl = indent ? `\n${indent.repeat(depth + 1)}` : '';
      const close = indent ? `\n${indent.repeat(depth)}` : '';
      if (Array.isArray(v)) {
        if (v.length === 0) return '[]';
        return `[${v.map((e) => nl + goJson(e, indent, depth + 1)).join(',')}${close}]`;
      }
      const o = v as Record<string, unknown>;
      const keys = sortedKeys(o);
      if (keys.length === 0) return '{}';
      const sep = indent ? ': ' : ':';
      return `{${keys.map((k) => nl + goJsonString(k) + sep + goJson(o[k], indent, depth + 1)).join(',')}${close}}`;
    }
  }
}

// ---------------------------------------------------------------------------
// Syntax tree

interface Param {
  known: boolean;
  value: number;
  derived: boolean;
}

type Node =
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
type ListNode = Extract<Node, { t: 'list' }>;

/** A compiled template. Opaque to callers. */
export interface JsonpathProgram {
  readonly template: string;
  readonly root: ListNode;
}

class JsonpathError extends Error {}

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

/** Go's %#U: `U+0023 '#'`, without the character when it is not printable. */
function goRuneU(r: number): string {
  const hex = r.toString(16).toUpperCase().padStart(4, '0');
  const printable = !/^[\p{C}\p{Z}]$/u.test(String.fromCodePoint(r)) || r === 0x20;
  return printable ? `U+${hex} '${String.fromCodePoint(r)}'` : `U+${hex}`;
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

/**
 * Go's strconv.Unquote, extended (as kubectl does) to single-quoted strings of
 * any length. Returns null where Go reports a syntax error.
 */
export function unquoteExtend(s: string): string | null {
  if (s.length < 2) return null;
  const q = s[0];
  if ((q !== '"' && q !== "'") || s.at(-1) !== q) return null;
  const body = s.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; ) {
    const c = body[i];
    if (c === q) return null;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = body[i + 1];
    i += 2;
    switch (e) {
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case "'":
      case '"':
        if (e !== q) return null; // Go allows only the enclosing quote to be escaped
        out += e;
        break;
      case 'x':
      case 'u':
      case 'U': {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = body.slice(i, i + n);
        if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) return null;
        i += n;
        const cp = parseInt(hex, 16);
        if (e === 'x') {
          // A \x byte: valid as a character only below 0x80 in a JS string.
          out += cp < 0x80 ? String.fromCharCode(cp) : '\ufffd';
        } else {
          if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
          out += String.fromCodePoint(cp);
        }
        break;
      }
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        const oct = body.slice(i - 1, i + 2);
        if (!/^[0-7]{3}$/.test(oct)) return null;
        const v = parseInt(oct, 8);
        if (v > 255) return null;
        i += 2;
        out += v < 0x80 ? String.fromCharCode(v) : '\ufffd';
        break;
      }
      default:
        return null;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Evaluator

/** Caps: values produced during one evaluation, nesting walked, and text produced. */
const MAX_STEPS = 10_000_000;
const MAX_DEPTH = 1000;
const MAX_OUTPUT = 64 * 1024 * 1024;

class Evaluator {
  private beginRange = 0;
  private inRange = 0;
  private endRange = 0;
  /** Index (into the root's nodes) of the `{end}` that closed the latest range step. */
  private lastEnd = -1;
  private steps = 0;

  private readonly nodes: Node[];
  private readonly allowMissingKeys: boolean;

  constructor(nodes: Node[], allowMissingKeys: boolean) {
    this.nodes = nodes;
    this.allowMissingKeys = allowMissingKeys;
  }

  private tick(n = 1): void {
    this.steps += n;
    if (this.steps > MAX_STEPS) throw new JsonpathError('template evaluation exceeds its work limit');
  }

  /** kubectl's FindResults over the top-level nodes from `from`, with `data` as the current object. */
  findResults(from: number, data: Val, depth = 0): Val[][] {
    if (depth > MAX_DEPTH) throw new JsonpathError('ranges nest too deeply');
    const cur: Val[] = [data];
    const full: Val[][] = [];
    for (let i = from; i < this.nodes.length; i++) {
      const results = this.walk(cur, this.nodes[i]);
      if (this.endRange > 0 && this.endRange <= this.inRange) {
        this.endRange--;
        this.lastEnd = i;
        break;
      }
      if (this.beginRange > 0) {
        this.beginRange--;
        this.inRange++;
        if (results.length > 0) {
          for (const value of results) {
            // A step over null evaluates in Go's invalid value, as a Go interface{} nil does.
            for (const r of this.findResults(i + 1, value === null ? INVALID : value, depth + 1)) full.push(r);
          }
        } else {
          // Nothing to range over: still walk to the matching end, discarding results.
          this.findResults(i + 1, INVALID, depth + 1);
        }
        this.inRange--;
        // Resume after the end that closed this range, if it is ahead of us.
        if (this.lastEnd > i) i = this.lastEnd;
        continue;
      }
      full.push(results);
    }
    return full;
  }

  private walk(input: Val[], node: Node): Val[] {
    this.tick();
    switch (node.t) {
      case 'list': {
        let v = input;
        for (const n of node.nodes) v = this.walk(v, n);
        return v;
      }
      case 'text':
        return [node.text];
      case 'field':
        return this.field(input, node.name);
      case 'array':
        return this.array(input, node.params);
      case 'filter':
        return this.filter(input, node);
      case 'int':
        return input.map(() => node.value);
      case 'float':
        return input.map(() => new FloatLit(node.value));
      case 'bool':
        return input.map(() => node.value);
      case 'wildcard':
        return this.wildcard(input);
      case 'recursive':
        return this.recursive(input);
      case 'union': {
        const out: Val[] = [];
        for (const l of node.lists) for (const v of this.walk(input, l)) out.push(v);
        return out;
      }
      case 'ident':
        return this.identifier(input, node.name);
    }
  }

  private identifier(input: Val[], name: string): Val[] {
    if (name === 'range') {
      this.beginRange++;
      return input;
    }
    if (name === 'end') {
      if (this.inRange > 0) {
        this.endRange++;
        return [];
      }
      throw new JsonpathError('not in range, nothing to end');
    }
    throw new JsonpathError(`unrecognized identifier ${name}`);
  }

  private field(input: Val[], name: string): Val[] {
    const out: Val[] = [];
    if (input.length === 0) return out;
    for (const v of input) {
      if (v === null) continue;
      if (kindOf(v) !== 'map' || !Object.hasOwn(v as object, name)) continue;
      const x = (v as Record<string, unknown>)[name];
      if (x !== undefined) out.push(x); // an undefined property is absent, as in the JSON text
    }
    if (out.length === 0 && !this.allowMissingKeys) throw new JsonpathError(`${name} is not found`);
    this.tick(out.length);
    return out;
  }

  private array(input: Val[], params: [Param, Param, Param]): Val[] {
    const out: Val[] = [];
    for (const v of input) {
      if (v === null) continue;
      if (!Array.isArray(v)) throw new JsonpathError(`${goTypeName(v)} is not array or slice`);
      const len = v.length;
      let start = params[0].known ? params[0].value : 0;
      if (start < 0) start += len;
      let end = params[1].known ? params[1].value : len;
      if (end < 0 || (end === 0 && params[1].derived)) end += len;
      if (end === start) return out; // asking for nothing ends the whole step, as in kubectl
      if (start >= len || start < 0) throw new JsonpathError(`array index out of bounds: index ${start}, length ${len}`);
      if (end > len || end < 0) throw new JsonpathError(`array index out of bounds: index ${end - 1}, length ${len}`);
      if (start > end) throw new JsonpathError(`starting index ${start} is greater than ending index ${end}`);
      let step = 1;
      if (params[2].known) {
        if (params[2].value <= 0) throw new JsonpathError('step must be > 0');
        step = params[2].value;
      }
      for (let i = start; i < end; i += step) out.push(v[i] ?? null);
      this.tick(out.length);
    }
    return out;
  }

  private children(v: Val): Val[] {
    if (v === null || v === INVALID) return [];
    if (Array.isArray(v)) return v.map((e) => (e === undefined ? null : e));
    if (typeof v === 'string') return [...Buffer.from(v, 'utf8')].map((b) => new ByteVal(b));
    if (kindOf(v) === 'map') {
      const o = v as Record<string, unknown>;
      return sortedKeys(o).map((k) => o[k]);
    }
    return [];
  }

  private wildcard(input: Val[]): Val[] {
    const out: Val[] = [];
    for (const v of input) {
      const c = this.children(v);
      this.tick(c.length);
      for (const e of c) out.push(e);
    }
    return out;
  }

  /** `..`: every value that has children (maps, arrays, non-empty strings), in pre-order. */
  private recursive(input: Val[]): Val[] {
    const out: Val[] = [];
    const visit = (vals: Val[], depth: number): void => {
      if (depth > MAX_DEPTH) throw new JsonpathError('document nests too deeply for recursive descent');
      for (const v of vals) {
        this.tick();
        // A string's children are its bytes, which have none: keep the string, skip the bytes.
        if (typeof v === 'string') {
          if (v.length > 0) out.push(v);
          continue;
        }
        const c = this.children(v);
        if (c.length === 0) continue;
        out.push(v);
        visit(c, depth + 1);
      }
    };
    visit(input, 0);
    return out;
  }

  private filter(input: Val[], node: Extract<Node, { t: 'filter' }>): Val[] {
    const out: Val[] = [];
    for (const v of input) {
      if (!Array.isArray(v)) {
        throw new JsonpathError(`${goSprint(v)} is not array or slice and cannot be filtered`);
      }
      for (const elem of v) {
        let lefts: Val[];
        let leftErr: unknown = null;
        try {
          lefts = this.walk([elem], node.left);
        } catch (e) {
          if (!(e instanceof JsonpathError)) throw e;
          leftErr = e;
          lefts = [];
        }
        if (node.op === 'exists') {
          if (lefts.length > 0) out.push(elem);
          continue;
        }
        if (leftErr) throw leftErr;
        if (lefts.length === 0) continue;
        if (lefts.length > 1) throw new JsonpathError('can only compare one element at a time');
        const rights = this.walk([elem], node.right);
        if (rights.length === 0) continue;
        if (rights.length > 1) throw new JsonpathError('can only compare one element at a time');
        if (compare(lefts[0], rights[0], node.op)) out.push(elem);
      }
    }
    return out;
  }
}

type BasicKind = 'bool' | 'int' | 'uint' | 'float' | 'string';

function basicKind(v: Val): BasicKind {
  const k = kindOf(v);
  if (k === 'bool' || k === 'int' || k === 'uint' || k === 'float' || k === 'string') return k;
  throw new JsonpathError('invalid type for comparison');
}

function num(v: Val): number {
  return v instanceof FloatLit || v instanceof ByteVal ? v.v : (v as number);
}

/** The forked text/template eq/lt of client-go: same kinds only, ints of either sign together. */
function goEqual(a: Val, b: Val): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka !== kb) {
    if ((ka === 'int' && kb === 'uint') || (ka === 'uint' && kb === 'int')) return num(a) === num(b);
    throw new JsonpathError('incompatible types for comparison');
  }
  if (ka === 'string' || ka === 'bool') return a === b;
  return num(a) === num(b);
}

function goLess(a: Val, b: Val): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka !== kb) {
    if ((ka === 'int' && kb === 'uint') || (ka === 'uint' && kb === 'int')) return num(a) < num(b);
    throw new JsonpathError('incompatible types for comparison');
  }
  if (ka === 'bool') throw new JsonpathError('invalid type for comparison');
  if (ka === 'string') return compareCodePoints(a as string, b as string) < 0;
  return num(a) < num(b);
}

function compare(a: Val, b: Val, op: string): boolean {
  switch (op) {
    case '==':
      return goEqual(a, b);
    case '!=':
      return !goEqual(a, b);
    case '<':
      return goLess(a, b);
    case '<=':
      return goLess(a, b) || goEqual(a, b);
    case '>':
      return !(goLess(a, b) || goEqual(a, b));
    case '>=':
      return !goLess(a, b);
    default:
      throw new JsonpathError(`unrecognized filter operator ${op}`);
  }
}

/** kubectl's text for one result: JSON for maps and arrays, `null`, raw strings, Go numbers. */
function resultText(v: Val): string {
  if (v === INVALID || v === undefined) return '<no value>';
  if (v === null) return 'null';
  const k = kindOf(v);
  if (k === 'map' || k === 'slice') return goJson(v);
  return goSprint(v);
}

// ---------------------------------------------------------------------------
// API
//
// `data` is a JSON-shaped value: what JSON.parse gives, or an object built of
// plain objects, arrays, strings, finite numbers, booleans and null, such as the
// `-o json` document before it is stringified (an undefined property counts as
// absent, as JSON.stringify would drop it). Integral numbers are Go's int64,
// others float64, as kubectl's decoder makes them.

export type CompileResult = { ok: true; program: JsonpathProgram } | { ok: false; error: string };
export type ExecResult = { ok: true; text: string } | { ok: false; error: string };
export interface ExecOptions {
  /** kubectl get's default is true: a missing key yields nothing instead of an error. */
  allowMissingKeys: boolean;
}

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
 * kubectl's message for an evaluation error (without `error: `), cut before the
 * dump of the whole object that kubectl appends ("Printing more information…").
 */
export function jsonpathExecErrorMessage(template: string, reason: string): string {
  return `error executing jsonpath ${goQuote(template)}: Error executing template: ${reason}`;
}

/** Go's %q of a string (strconv.Quote): printable runes raw, others escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0b) out += '\\v';
    else if (/^[\p{C}\p{Zl}\p{Zp}]$/u.test(ch) || (c >= 0xd800 && c <= 0xdfff)) {
      if (c < 0x80 || (c >= 0xd800 && c <= 0xdfff)) out += c < 0x80 ? `\\x${c.toString(16).padStart(2, '0')}` : '\\ufffd';
      else if (c <= 0xffff) out += `\\u${c.toString(16).padStart(4, '0')}`;
      else out += `\\U${c.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

function run<T>(f: () => T): { ok: true; value: T } | { ok: false; error: string } {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof JsonpathError) return { ok: false, error: e.message };
    if (e instanceof RangeError) return { ok: false, error: 'template evaluation exceeds its work limit' };
    throw e;
  }
}

/** The raw result sets of a template, one per action (and per range step), as kubectl's FindResults. */
export function findJsonpathResults(
  program: JsonpathProgram,
  data: unknown,
  opts: ExecOptions,
): { ok: true; results: unknown[][] } | { ok: false; error: string } {
  const r = run(() => new Evaluator(program.root.nodes, opts.allowMissingKeys).findResults(0, data));
  return r.ok ? { ok: true, results: r.value } : r;
}

/**
 * Evaluates a compiled template over `data` and returns
 * the text kubectl's `-o jsonpath` prints: nothing is added (no trailing newline).
 * On error, `error` is kubectl's reason, e.g.
 * `array index out of bounds: index 5, length 2` (see jsonpathExecErrorMessage).
 */
export function executeJsonpath(program: JsonpathProgram, data: unknown, opts: ExecOptions): ExecResult {
  const r = run(() => {
    const sets = new Evaluator(program.root.nodes, opts.allowMissingKeys).findResults(0, data);
    let out = '';
    for (const set of sets) {
      out += set.map(resultText).join(' ');
      if (out.length > MAX_OUTPUT) throw new JsonpathError(`output exceeds ${MAX_OUTPUT} characters`);
    }
    return out;
  });
  return r.ok ? { ok: true, text: r.value } : r;
}

/**
 * `-o jsonpath-as-json`: each result set as a JSON array, indented with four
 * spaces as Go's json.MarshalIndent, each followed by a newline.
 */
export function executeJsonpathAsJson(program: JsonpathProgram, data: unknown, opts: ExecOptions): ExecResult {
  const r = run(() => {
    const sets = new Evaluator(program.root.nodes, opts.allowMissingKeys).findResults(0, data);
    let out = '';
    for (const set of sets) {
      out += `${goJson(set, '    ')}\n`;
      if (out.length > MAX_OUTPUT) throw new JsonpathError(`output exceeds ${MAX_OUTPUT} characters`);
    }
    return out;
  });
  return r.ok ? { ok: true, text: r.value } : r;
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

/**
 * Go's view of a decoded JSON document and how Go prints it, as kubectl's
 * printers rely on: the value kinds of k8s.io/apimachinery's unstructured
 * decoder (integral numbers that fit are int64, others float64), fmt's `%v`
 * and `%q`, encoding/json's Marshal, and the Go type names of error texts.
 * https://pkg.go.dev/fmt, https://pkg.go.dev/encoding/json, https://pkg.go.dev/strconv#Quote
 */

import { safeJson } from '../../safe.js';
import { JsonpathError } from './error.js';

/** Nesting cap for printing and walking a value: far beyond any real document. */
export const MAX_DEPTH = 1000;

/** A float literal of the template (`1.5`, `30.0`): Go keeps it float64 even when integral. */
export class FloatLit {
  readonly v: number;
  constructor(v: number) {
    this.v = v;
  }
}
/** A byte of a string, as `*` and `..` yield them over a Go string (uint8). */
export class ByteVal {
  readonly v: number;
  constructor(v: number) {
    this.v = v;
  }
}
/**
 * A string the template wrote itself (text outside actions, a quoted literal
 * such as `{"\n"}`): a Go string like any other to the evaluator, kept apart
 * from the document's strings only so that it can be printed as written while
 * theirs are escaped (see the evaluator's resultText).
 */
export class TemplateText {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}
/** Go's invalid reflect.Value: what a range step over null or over nothing evaluates in. */
export const INVALID: unique symbol = Symbol('invalid');
export type Val = unknown;

export type Kind = 'invalid' | 'nil' | 'bool' | 'int' | 'uint' | 'float' | 'string' | 'slice' | 'map';

export function kindOf(v: Val): Kind {
  if (v === INVALID || v === undefined) return 'invalid';
  if (v === null) return 'nil';
  if (v instanceof FloatLit) return 'float';
  if (v instanceof ByteVal) return 'uint';
  if (v instanceof TemplateText) return 'string';
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

/** The text of a Go string value, the document's or the template's; undefined for any other kind. */
export function goString(v: Val): string | undefined {
  if (typeof v === 'string') return v;
  return v instanceof TemplateText ? v.text : undefined;
}

/** A JSON number Go's unstructured decoder keeps as int64 (it decodes integral numbers that fit as int64). */
export function isGoInt(n: number): boolean {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 63;
}

/**
 * Go's name of a value's dynamic type, as kubectl's error texts print it
 * (`[]interface {} is not array or slice`, --sort-by's unsortable type).
 */
export function goTypeName(v: Val): string {
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
export function sortedKeys(o: object): string[] {
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
  if (v instanceof TemplateText) return v.text;
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

/**
 * Go's json.Marshal (indent '') or json.MarshalIndent(v, '', indent) of a decoded JSON value.
 * With `safe`, the document's strings and keys also have DEL, C1 and bidi
 * controls escaped (safeJson), which Go's encoder leaves raw; template text is
 * encoded as Go encodes it.
 */
export function goJson(v: Val, indent = '', safe = false, depth = 0): string {
  if (depth > MAX_DEPTH) throw new JsonpathError('json: exceeded max depth');
  if (v === null || v === undefined || v === INVALID) return 'null';
  if (v instanceof FloatLit || v instanceof ByteVal) return String(v.v);
  if (v instanceof TemplateText) return goJsonString(v.text);
  const str = (s: string): string => (safe ? safeJson(goJsonString(s)) : goJsonString(s));
  switch (typeof v) {
    case 'string':
      return str(v);
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
        return `[${v.map((e) => nl + goJson(e, indent, safe, depth + 1)).join(',')}${close}]`;
      }
      const o = v as Record<string, unknown>;
      const keys = sortedKeys(o);
      if (keys.length === 0) return '{}';
      const sep = indent ? ': ' : ':';
      return `{${keys.map((k) => nl + str(k) + sep + goJson(o[k], indent, safe, depth + 1)).join(',')}${close}}`;
    }
  }
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

/** Go's %#U: `U+0023 '#'`, without the character when it is not printable. */
export function goRuneU(r: number): string {
  const hex = r.toString(16).toUpperCase().padStart(4, '0');
  const printable = !/^[\p{C}\p{Z}]$/u.test(String.fromCodePoint(r)) || r === 0x20;
  return printable ? `U+${hex} '${String.fromCodePoint(r)}'` : `U+${hex}`;
}

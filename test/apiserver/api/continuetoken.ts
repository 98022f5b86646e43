// Continue tokens of chunked lists, as k8s.io/apiserver/pkg/storage/continue.go
// writes and reads them: base64url without padding (base64.RawURLEncoding) of
// the JSON {"v":"meta.k8s.io/v1","rv":<resourceVersion>,"start":"<key>"},
// where <key> is the etcd key to resume from without the collection's prefix
// (`name\u0000` in a namespace, `namespace/name\u0000` across namespaces:
// the last key returned plus a NUL). rv -1 is the token a 410 Expired hands
// out to continue an inconsistent list at the latest resourceVersion.
// https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks

import path from 'node:path';

export const TOKEN_VERSION = 'meta.k8s.io/v1';

export interface ContinueToken {
  rv: number;
  /** The start key relative to the collection's prefix. */
  start: string;
}

/** DecodeContinue's errors; the handler answers them as 400 `invalid continue token: <message>`. */
export class ContinueTokenError extends Error {}

const INVALID = 'continue key is not valid';

/**
 * A JSON string as Go's encoding/json writes it: like JSON.stringify, plus
 * <, >, &, U+2028 and U+2029 escaped (HTML-safe by default).
 */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** EncodeContinue. */
export function encodeContinue(start: string, rv: number): string {
  const json = `{"v":${goJsonString(TOKEN_VERSION)},"rv":${rv},"start":${goJsonString(start)}}`;
  return Buffer.from(json, 'utf8').toString('base64url');
}

const URL_ALPHABET = /^[A-Za-z0-9_-]$/;

/**
 * base64.RawURLEncoding.DecodeString: URL alphabet, no padding ('=' is an
 * illegal byte), CR and LF skipped; a lone trailing character is corrupt.
 * The error names the offset as Go's CorruptInputError does.
 */
export function decodeRawUrlBase64(s: string): Buffer {
  let kept = 0;
  let last = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\r' || c === '\n') continue;
    if (!URL_ALPHABET.test(c)) throw new ContinueTokenError(`illegal base64 data at input byte ${i}`);
    kept++;
    last = i;
  }
  if (kept % 4 === 1) throw new ContinueTokenError(`illegal base64 data at input byte ${last}`);
  return Buffer.from(s.replace(/[\r\n]/g, ''), 'base64url');
}

/** Go's wording for a JSON syntax error, from the place JSON.parse stopped (encoding/json scanner.go contexts). */
function goSyntaxError(text: string, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (text.trim() === '' || /Unexpected end of JSON input|Unterminated string/.test(msg)) return 'unexpected end of JSON input';
  const at = /position (\d+)/.exec(msg);
  const pos = at ? Number(at[1]) : 0;
  if (pos >= text.length) return 'unexpected end of JSON input';
  const ch = text[pos];
  const quoted = ch < ' ' ? `'\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}'` : `'${ch}'`;
  if (/after property value/.test(msg)) return `invalid character ${quoted} after object key:value pair`;
  if (/after property name/.test(msg)) return `invalid character ${quoted} after object key`;
  if (/after array element/.test(msg)) return `invalid character ${quoted} after array element`;
  if (/property name/.test(msg)) return `invalid character ${quoted} looking for beginning of object key string`;
  if (/non-whitespace character after JSON/.test(msg)) return `invalid character ${quoted} after top-level value`;
  if (/control character|escaped character/.test(msg)) return `invalid character ${quoted} in string literal`;
  return `invalid character ${quoted} looking for beginning of value`;
}

const goType = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v;

/** A struct field as encoding/json finds it: the exact key, else one that matches ignoring case. */
function field(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  const k = Object.keys(o).find((x) => x.toLowerCase() === name);
  return k === undefined ? undefined : o[k];
}

/** path.Clean of Go: normalize, no trailing slash except for the root. */
function goClean(p: string): string {
  const c = path.posix.normalize(p);
  return c.length > 1 && c.endsWith('/') ? c.slice(0, -1) : c;
}

/**
 * DecodeContinue: the start key (relative to the collection, with the
 * leading slash DecodeContinue adds and strips again) and the resourceVersion.
 */
export function decodeContinue(token: string): ContinueToken {
  let data: Buffer;
  try {
    data = decodeRawUrlBase64(token);
  } catch (e) {
    throw new ContinueTokenError(`${INVALID}: ${(e as Error).message}`);
  }
  const text = data.toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ContinueTokenError(`${INVALID}: ${goSyntaxError(text, e)}`);
  }
  let v = '';
  let rv = 0;
  let start = '';
  if (raw !== null) {
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new ContinueTokenError(`${INVALID}: json: cannot unmarshal ${goType(raw)} into Go value of type storage.continueToken`);
    }
    const o = raw as Record<string, unknown>;
    const fv = field(o, 'v');
    const frv = field(o, 'rv');
    const fstart = field(o, 'start');
    const wrong = (name: string, val: unknown, type: string): never => {
      const what = typeof val === 'number' ? `number ${val}` : goType(val);
      throw new ContinueTokenError(`${INVALID}: json: cannot unmarshal ${what} into Go struct field continueToken.${name} of type ${type}`);
    };
    if (fv !== undefined && fv !== null && typeof fv !== 'string') wrong('v', fv, 'string');
    if (frv !== undefined && frv !== null && (typeof frv !== 'number' || !Number.isInteger(frv))) wrong('rv', frv, 'int64');
    if (fstart !== undefined && fstart !== null && typeof fstart !== 'string') wrong('start', fstart, 'string');
    v = (fv as string | null | undefined) ?? '';
    rv = (frv as number | null | undefined) ?? 0;
    start = (fstart as string | null | undefined) ?? '';
  }
  if (v !== TOKEN_VERSION) throw new ContinueTokenError(`${INVALID}: server does not recognize this encoded version ${v}`);
  if (rv === 0) throw new ContinueTokenError(`${INVALID}: incorrect encoded start resourceVersion (version meta.k8s.io/v1)`);
  if (start.length === 0) throw new ContinueTokenError(`${INVALID}: encoded start key empty (version meta.k8s.io/v1)`);
  // Defends against path traversal: the key must already be clean.
  const key = start.startsWith('/') ? start : `/${start}`;
  if (goClean(key) !== key) throw new ContinueTokenError(`${INVALID}: ${start}`);
  return { rv, start: key.slice(1) };
}

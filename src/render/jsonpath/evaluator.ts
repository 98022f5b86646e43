/**
 * The evaluator of a parsed template over a JSON document, as client-go's
 * util/jsonpath/jsonpath.go walks it: results per action, range/end as its
 * counter machine, and kubectl's text for each result.
 * https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/client-go/util/jsonpath/jsonpath.go
 */

import { compare } from './compare.js';
import { JsonpathError } from './error.js';
import { escapeControls } from '../../safe.js';
import {
  ByteVal,
  FloatLit,
  INVALID,
  MAX_DEPTH,
  TemplateText,
  goJson,
  goQuote,
  goSprint,
  goString,
  goTypeName,
  kindOf,
  sortedKeys,
  type Val,
} from './go-format.js';
import type { JsonpathProgram, Node, Param } from './parser.js';

/** Caps: values produced during one evaluation, nesting walked, and text produced. */
const MAX_STEPS = 10_000_000;
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
        return [new TemplateText(node.text)];
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
    const s = goString(v);
    if (s !== undefined) return [...Buffer.from(s, 'utf8')].map((b) => new ByteVal(b));
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
        const s = goString(v);
        if (s !== undefined) {
          if (s.length > 0) out.push(v);
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

/**
 * kubectl's text for one result: JSON for maps and arrays, `null`, strings
 * unquoted, Go numbers; with one deliberate difference from kubectl, which
 * prints the document's strings raw. The document is untrusted (a process
 * names itself, its arguments are anything; the image's files and the API
 * server's answers are someone else's text), so a newline in a value would
 * forge an output line, a tab a column, and ESC or a bidi override would reach
 * the terminal: every control in a document string is escaped (escapeControls:
 * C0 with tab and newline, DEL, C1, bidi), and in JSON, whose encoding already
 * escapes C0, the rest (safeJson). The template's own text is the user's and
 * is printed exactly as written, as kubectl prints it.
 */
function resultText(v: Val): string {
  if (v instanceof TemplateText) return v.text;
  if (v === INVALID || v === undefined) return '<no value>';
  if (v === null) return 'null';
  const k = kindOf(v);
  if (k === 'map' || k === 'slice') return goJson(v, '', true);
  return escapeControls(goSprint(v));
}

// ---------------------------------------------------------------------------
// API
//
// `data` is a JSON-shaped value: what JSON.parse gives, or an object built of
// plain objects, arrays, strings, finite numbers, booleans and null, such as the
// `-o json` document before it is stringified (an undefined property counts as
// absent, as JSON.stringify would drop it). Integral numbers are Go's int64,
// others float64, as kubectl's decoder makes them.

export type ExecResult = { ok: true; text: string } | { ok: false; error: string };
export interface ExecOptions {
  /** kubectl get's default is true: a missing key yields nothing instead of an error. */
  allowMissingKeys: boolean;
}

/**
 * kubectl's message for an evaluation error (without `error: `), cut before the
 * dump of the whole object that kubectl appends ("Printing more information…").
 */
export function jsonpathExecErrorMessage(template: string, reason: string): string {
  return `error executing jsonpath ${goQuote(template)}: Error executing template: ${reason}`;
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

/**
 * The raw result sets of a template, one per action (and per range step), as
 * kubectl's FindResults: the document's values, unescaped, for callers that
 * print them their own way (custom-columns) or only compare them (--sort-by).
 * The template's own strings come back as plain strings too.
 */
export function findJsonpathResults(
  program: JsonpathProgram,
  data: unknown,
  opts: ExecOptions,
): { ok: true; results: unknown[][] } | { ok: false; error: string } {
  const r = run(() => new Evaluator(program.root.nodes, opts.allowMissingKeys).findResults(0, data));
  if (!r.ok) return r;
  return { ok: true, results: r.value.map((set) => set.map((v) => (v instanceof TemplateText ? v.text : v))) };
}

/** Each result set of the template over `data` as text, concatenated within the output cap. */
function render(program: JsonpathProgram, data: unknown, opts: ExecOptions, setText: (set: Val[]) => string): ExecResult {
  const r = run(() => {
    const sets = new Evaluator(program.root.nodes, opts.allowMissingKeys).findResults(0, data);
    let out = '';
    for (const set of sets) {
      out += setText(set);
      if (out.length > MAX_OUTPUT) throw new JsonpathError(`output exceeds ${MAX_OUTPUT} characters`);
    }
    return out;
  });
  return r.ok ? { ok: true, text: r.value } : r;
}

/**
 * Evaluates a compiled template over `data` and returns the text `-o jsonpath`
 * prints: kubectl's, but for the controls in the document's strings, which are
 * escaped (see resultText). Nothing is added (no trailing newline).
 * On error, `error` is kubectl's reason, e.g.
 * `array index out of bounds: index 5, length 2` (see jsonpathExecErrorMessage).
 */
export function executeJsonpath(program: JsonpathProgram, data: unknown, opts: ExecOptions): ExecResult {
  return render(program, data, opts, (set) => set.map(resultText).join(' '));
}

/**
 * `-o jsonpath-as-json`: each result set as a JSON array, indented with four
 * spaces as Go's json.MarshalIndent, each followed by a newline. Go's encoding
 * escapes C0 controls everywhere; DEL, C1 and bidi controls of the document's
 * strings are escaped too (kubectl leaves them raw), the template's are not.
 */
export function executeJsonpathAsJson(program: JsonpathProgram, data: unknown, opts: ExecOptions): ExecResult {
  return render(program, data, opts, (set) => `${goJson(set, '    ', true)}\n`);
}

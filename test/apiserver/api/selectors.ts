// Label and field selectors as the API server parses them from the
// labelSelector / fieldSelector query parameters.
// Grammar and semantics follow k8s.io/apimachinery/pkg/labels/selector.go
// (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors)
// and pkg/fields/selector.go.

export type Labels = Record<string, string>;

export type Operator = 'exists' | '!' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  op: Operator;
  values: string[];
}

export class SelectorParseError extends Error {}

type Token =
  | { kind: 'id'; text: string }
  | { kind: 'op'; text: '!' | '=' | '==' | '!=' | '>' | '<' | ',' | '(' | ')' }
  | { kind: 'end' };

const SPECIAL = new Set([' ', '\t', '\r', '\n', ',', '(', ')', '=', '!', '<', '>']);

function lex(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '=' && input[i + 1] === '=') {
      out.push({ kind: 'op', text: '==' });
      i += 2;
    } else if (c === '!' && input[i + 1] === '=') {
      out.push({ kind: 'op', text: '!=' });
      i += 2;
    } else if (c === '!' || c === '=' || c === '>' || c === '<' || c === ',' || c === '(' || c === ')') {
      out.push({ kind: 'op', text: c });
      i++;
    } else {
      let j = i;
      while (j < input.length && !SPECIAL.has(input[j])) j++;
      out.push({ kind: 'id', text: input.slice(i, j) });
      i = j;
    }
  }
  out.push({ kind: 'end' });
  return out;
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'end of string' : `'${t.text}'`;
}

/**
 * Parses a label selector string, e.g. `app=web,tier in (a, b),!canary`.
 * The empty string selects everything. Comma means AND.
 */
export function parseLabelSelector(input: string): Requirement[] {
  const toks = lex(input);
  let p = 0;
  const peek = (): Token => toks[p];
  const next = (): Token => toks[p++];
  const reqs: Requirement[] = [];
  if (peek().kind === 'end') return reqs;

  const value = (): string => {
    const t = peek();
    // An empty value is allowed: `a=` or `a in (b,)`.
    if (t.kind === 'id') {
      p++;
      return t.text;
    }
    return '';
  };

  for (;;) {
    let t = next();
    if (t.kind === 'op' && t.text === '!') {
      const k = next();
      if (k.kind !== 'id') throw new SelectorParseError(`unable to parse requirement: found ${describe(k)}, expected: identifier`);
      reqs.push({ key: k.text, op: '!', values: [] });
    } else if (t.kind === 'id') {
      const key = t.text;
      const o = peek();
      if (o.kind === 'end' || (o.kind === 'op' && o.text === ',')) {
        reqs.push({ key, op: 'exists', values: [] });
      } else if (o.kind === 'op' && (o.text === '=' || o.text === '==' || o.text === '!=')) {
        p++;
        reqs.push({ key, op: o.text === '!=' ? '!=' : '=', values: [value()] });
      } else if (o.kind === 'op' && (o.text === '>' || o.text === '<')) {
        p++;
        const v = value();
        if (!/^-?\d+$/.test(v)) throw new SelectorParseError(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
        reqs.push({ key, op: o.text === '>' ? 'gt' : 'lt', values: [v] });
      } else if (o.kind === 'id' && (o.text === 'in' || o.text === 'notin')) {
        p++;
        const open = next();
        if (!(open.kind === 'op' && open.text === '(')) {
          throw new SelectorParseError(`unable to parse requirement: found ${describe(open)}, expected: '('`);
        }
        const values: string[] = [];
        for (;;) {
          values.push(value());
          const sep = next();
          if (sep.kind === 'op' && sep.text === ')') break;
          if (!(sep.kind === 'op' && sep.text === ',')) {
            throw new SelectorParseError(`unable to parse requirement: found ${describe(sep)}, expected: ',', ')' or identifier`);
          }
        }
        reqs.push({ key, op: o.text, values });
      } else {
        throw new SelectorParseError(
          `unable to parse requirement: found ${describe(o)}, expected: in, notin, =, ==, !=, gt, lt`,
        );
      }
    } else {
      throw new SelectorParseError(`unable to parse requirement: found ${describe(t)}, expected: !, identifier`);
    }
    t = next();
    if (t.kind === 'end') return reqs;
    if (!(t.kind === 'op' && t.text === ',')) {
      throw new SelectorParseError(`found ${describe(t)}, expected: ',' or 'end of string'`);
    }
  }
}

export function matchesRequirement(r: Requirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels[r.key] : undefined;
  switch (r.op) {
    case 'exists':
      return has;
    case '!':
      return !has;
    case '=':
    case 'in':
      return has && r.values.includes(v as string);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(v as string);
    case 'gt':
    case 'lt': {
      if (!has || !/^-?\d+$/.test(v as string)) return false;
      const n = Number(v);
      const bound = Number(r.values[0]);
      return r.op === 'gt' ? n > bound : n < bound;
    }
  }
}

export function matchesLabels(reqs: readonly Requirement[], labels: Labels | undefined): boolean {
  return reqs.every((r) => matchesRequirement(r, labels ?? {}));
}

// ---- metav1.LabelSelector (spec.selector of workloads) ---------------------

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

/** metav1.LabelSelectorAsSelector: matchLabels become `=`, expressions map one to one. */
export function requirementsFromLabelSelector(sel: LabelSelector): Requirement[] {
  const out: Requirement[] = [];
  for (const [key, v] of Object.entries(sel.matchLabels ?? {})) out.push({ key, op: '=', values: [v] });
  for (const e of sel.matchExpressions ?? []) {
    const op: Operator =
      e.operator === 'In' ? 'in' : e.operator === 'NotIn' ? 'notin' : e.operator === 'Exists' ? 'exists' : '!';
    out.push({ key: e.key, op, values: e.values ?? [] });
  }
  return out;
}

// ---- field selectors --------------------------------------------------------

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Parses `metadata.name=web,status.phase!=Failed`. */
export function parseFieldSelector(input: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  if (input.trim() === '') return out;
  for (const term of input.split(',')) {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term.trim());
    if (!m) throw new SelectorParseError(`invalid selector: '${input}'; can't understand '${term}'`);
    out.push({ field: m[1].trim(), op: m[2] === '!=' ? '!=' : '=', value: m[3].trim() });
  }
  return out;
}

export function matchesFields(reqs: readonly FieldRequirement[], fields: Record<string, string>): boolean {
  return reqs.every((r) => (r.op === '=' ? fields[r.field] === r.value : fields[r.field] !== r.value));
}

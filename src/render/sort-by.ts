/**
 * kubectl's `--sort-by=JSONPATH` over a list's items, pure.
 *
 * Semantics of kubectl's get/sorter.go:
 *  - the path is relaxed as for custom-columns (`a.b`, `.a.b`, `{a.b}`, `{.a.b}`);
 *  - the key of an item is the first result of the path; items without one sort
 *    first, then items whose key is null, then the rest;
 *  - integers and floats compare numerically; two strings that both parse as
 *    Kubernetes quantities (`100m`, `1Ki`, `2e3`, `0400`) compare as quantities,
 *    other strings byte-wise (Go's `<` on UTF-8: web10 < web2);
 *  - maps, lists and booleans, or keys of different types, cannot be sorted (an error);
 *  - when no item has the field at all, it is an error:
 *    `couldn't find any field with path "{.x}" in the list of objects`.
 * Unlike kubectl (Go's sort.Sort, not stable), items with equal keys keep their order.
 * https://kubernetes.io/docs/reference/kubectl/generated/kubectl_get/ (--sort-by)
 */

import { compareCodePoints, compileJsonpath, findJsonpathResults, goTypeName, relaxedJsonpathExpression } from './jsonpath/index.js';

export type SortResult = { ok: true; items: unknown[] } | { ok: false; error: string };

type Key = { rank: 0 } | { rank: 1 } | { rank: 2; value: number | string };

/** Why `path` can never sort anything (it is not a JSONPath kubectl takes), or null: checked before a read. */
export function checkSortPath(path: string): string | null {
  const relaxed = relaxedJsonpathExpression(path);
  if (!relaxed.ok) return relaxed.error;
  const compiled = compileJsonpath(relaxed.template);
  return compiled.ok ? null : compiled.error;
}

/** Sorts `items` by `path` as `kubectl get --sort-by` does; returns a new array. */
export function sortItems(items: unknown[], path: string): SortResult {
  if (items.length === 0) return { ok: true, items: [] };
  const relaxed = relaxedJsonpathExpression(path);
  if (!relaxed.ok) return relaxed;
  const field = relaxed.template;
  const compiled = compileJsonpath(field);
  if (!compiled.ok) return { ok: false, error: compiled.error };

  const keys: Key[] = [];
  let found = false;
  for (const item of items) {
    const r = findJsonpathResults(compiled.program, item, { allowMissingKeys: true });
    if (!r.ok) return { ok: false, error: r.error };
    if (r.results.length === 0 || r.results[0].length === 0) {
      keys.push({ rank: 0 });
      continue;
    }
    found = true;
    const v = r.results[0][0];
    if (v === null) keys.push({ rank: 1 });
    else if (typeof v === 'number' || typeof v === 'string') keys.push({ rank: 2, value: v });
    else return { ok: false, error: `Field ${field} is an unsortable type: ${goTypeName(v)}` };
  }
  if (!found) return { ok: false, error: `couldn't find any field with path "${field}" in the list of objects` };

  // One kind of key only: kubectl compares int64 with int64, string with string.
  const kinds = new Set(keys.flatMap((k) => (k.rank === 2 ? [goTypeName(k.value)] : [])));
  if (kinds.size > 1) {
    return { ok: false, error: `Field ${field} has values of different types (${[...kinds].join(', ')}), which cannot be sorted` };
  }

  const order = items.map((_, i) => i);
  order.sort((a, b) => compareKeys(keys[a], keys[b]) || a - b);
  return { ok: true, items: order.map((i) => items[i]) };
}

function compareKeys(a: Key, b: Key): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.rank !== 2 || b.rank !== 2) return 0;
  const x = a.value;
  const y = b.value;
  if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : x > y ? 1 : 0;
  const qx = parseQuantity(x as string);
  const qy = qx && parseQuantity(y as string);
  if (qx && qy) return compareQuantities(qx, qy);
  return compareCodePoints(x as string, y as string); // Go's string <: bytes of UTF-8
}

// ---------------------------------------------------------------------------
// Kubernetes quantities (k8s.io/apimachinery resource.ParseQuantity), exactly:
// value = mantissa × 10^exp10 × 2^exp2, kept as BigInts.
// https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/

interface Quantity {
  mantissa: bigint;
  exp10: number;
  exp2: number;
}

const QUANTITY_RE = /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
/** Exponents beyond this are not compared exactly (nor would kubectl's int64-backed fast path hold them). */
const MAX_EXP = 400;

export function parseQuantity(s: string): Quantity | null {
  const m = QUANTITY_RE.exec(s);
  if (!m) return null;
  const [, sign, num, suffix = ''] = m;
  const [whole, frac = ''] = num.split('.');
  let mantissa = BigInt((whole || '0') + frac);
  if (sign === '-') mantissa = -mantissa;
  let exp10 = -frac.length;
  let exp2 = 0;
  if (suffix in BINARY) exp2 = BINARY[suffix];
  else if (suffix in DECIMAL) exp10 += DECIMAL[suffix];
  else if (suffix) exp10 += Number(suffix.slice(1));
  if (Math.abs(exp10) > MAX_EXP) return null;
  return { mantissa, exp10, exp2 };
}

function compareQuantities(a: Quantity, b: Quantity): number {
  const e10 = Math.min(a.exp10, b.exp10);
  const e2 = Math.min(a.exp2, b.exp2);
  const scale = (q: Quantity): bigint => q.mantissa * 10n ** BigInt(q.exp10 - e10) * 2n ** BigInt(q.exp2 - e2);
  const x = scale(a);
  const y = scale(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

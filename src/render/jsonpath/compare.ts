/**
 * The comparisons of a filter (`[?(@.a<3)]`): client-go's fork of text/template's
 * eq and lt, which compare only values of the same basic kind (ints of either
 * sign together) and refuse the rest as "incompatible types for comparison".
 * https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/client-go/third_party/forked/golang/template/funcs.go
 */

import { JsonpathError } from './error.js';
import { ByteVal, FloatLit, compareCodePoints, goString, kindOf, type Val } from './go-format.js';

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
  if (ka === 'string') return goString(a) === goString(b);
  if (ka === 'bool') return a === b;
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
  if (ka === 'string') return compareCodePoints(goString(a)!, goString(b)!) < 0;
  return num(a) < num(b);
}

export function compare(a: Val, b: Val, op: string): boolean {
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

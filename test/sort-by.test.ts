// kubectl's --sort-by rules (get/sorter.go): the key is the first result of a
// relaxed path; missing keys first, then nulls; numbers numerically; strings
// as quantities when both are, else byte-wise; errors for unsortable keys.
// printers.oracle.test.ts checks orders against the real kubectl.

import { describe, expect, it } from 'vitest';
import { parseQuantity, sortItems } from '../src/render/sort-by.ts';

function order(items: Record<string, unknown>[], path: string): unknown[] {
  const r = sortItems(items, path);
  if (!r.ok) throw new Error(r.error);
  return r.items.map((i) => (i as { id: unknown }).id);
}

describe('sortItems', () => {
  it('sorts integers numerically, not as text', () => {
    const items = [10, 9, 100, 1].map((pid, id) => ({ id, pid }));
    expect(order(items, '.pid')).toEqual([3, 1, 0, 2]);
  });

  it('accepts the relaxed path forms', () => {
    const items = [{ id: 0, m: { n: 2 } }, { id: 1, m: { n: 1 } }];
    for (const p of ['m.n', '.m.n', '{m.n}', '{.m.n}']) expect(order(items, p)).toEqual([1, 0]);
  });

  it('sorts plain strings byte-wise (web10 before web2; capitals first)', () => {
    const items = ['web2', 'web10', 'Zeta', 'alpha', 'é'].map((pod, id) => ({ id, pod }));
    expect(order(items, '.pod')).toEqual([2, 3, 1, 0, 4]);
  });

  it('compares two quantities by value', () => {
    const items = ['1Gi', '512Mi', '2', '100m', '1e3'].map((q, id) => ({ id, q }));
    expect(order(items, '.q')).toEqual([3, 2, 4, 1, 0]);
  });

  it('puts items without the field first, then null keys, keeping their order', () => {
    const items = [{ id: 0, n: 2 }, { id: 1 }, { id: 2, n: null }, { id: 3, n: 1 }, { id: 4 }, { id: 5, n: 1 }];
    expect(order(items, '.n')).toEqual([1, 4, 2, 3, 5, 0]);
  });

  it('uses the first result of a path with several', () => {
    const items = [
      { id: 0, names: ['b', 'a'] },
      { id: 1, names: ['a', 'z'] },
    ];
    expect(order(items, '.names[*]')).toEqual([1, 0]);
  });

  it('is stable for equal keys', () => {
    const items = Array.from({ length: 40 }, (_, id) => ({ id, k: id % 2 }));
    const sorted = order(items, '.k') as number[];
    expect(sorted.slice(0, 20)).toEqual(items.filter((i) => i.k === 0).map((i) => i.id));
  });

  it('returns a new array and leaves the input alone', () => {
    const items = [{ id: 0, n: 2 }, { id: 1, n: 1 }];
    const r = sortItems(items, '.n');
    expect(r.ok && r.items).not.toBe(items);
    expect(items.map((i) => i.id)).toEqual([0, 1]);
  });

  it("reports kubectl's errors", () => {
    const items = [{ id: 0, m: { a: 1 }, b: true, n: 1, s: 'x' }, { id: 1, m: { a: 2 }, b: false, n: 'y', s: 'z' }];
    expect(sortItems(items, '.nope')).toEqual({
      ok: false,
      error: 'couldn\'t find any field with path "{.nope}" in the list of objects',
    });
    expect(sortItems(items, '{.a}{.b}')).toEqual({
      ok: false,
      error: "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'",
    });
    expect(sortItems(items, '.m[0')).toEqual({ ok: false, error: 'unterminated array' });
    expect(sortItems(items, '.m')).toEqual({ ok: false, error: 'Field {.m} is an unsortable type: map[string]interface {}' });
    expect(sortItems(items, '.b')).toEqual({ ok: false, error: 'Field {.b} is an unsortable type: bool' });
    expect(sortItems(items, '.n')).toMatchObject({ ok: false, error: expect.stringContaining('different types') });
  });

  it("names key types as Go's decoder types them: an integer beyond int64 is a float64", () => {
    const items = [{ n: 1 }, { n: 2 ** 63 }, { n: 2 }];
    expect(sortItems(items, '.n')).toEqual({
      ok: false,
      error: 'Field {.n} has values of different types (int64, float64), which cannot be sorted',
    });
    expect(sortItems([{ n: [1] }], '.n')).toEqual({ ok: false, error: 'Field {.n} is an unsortable type: []interface {}' });
  });

  it('sorts nothing without error', () => {
    expect(sortItems([], '.nope')).toEqual({ ok: true, items: [] });
  });
});

describe('parseQuantity', () => {
  it("accepts Kubernetes' quantity forms and refuses others", () => {
    for (const q of ['1', '+1.5', '-.5', '100m', '1Ki', '2Ei', '3e3', '4E-2', '0400', '5.']) expect(parseQuantity(q), q).not.toBeNull();
    for (const q of ['', 'web', '1KB', '1 Ki', '0x10', 'a1', '1e', '00000000a80425fb']) expect(parseQuantity(q), q).toBeNull();
  });
});

// A list's body parsed item by item as its bytes arrive: whatever the chunks,
// the items and the rest of the body are what JSON.parse makes of the whole,
// and a body JSON.parse refuses is refused.
import { describe, expect, it } from 'vitest';
import { ListSplitter, ListTooLarge } from '../src/kube/list-stream.ts';

/** Feeds `text` in chunks cut at `cuts`; → [the body without items, the items]. */
function split(text: string, cuts: number[] = [], limits = { item: 1 << 20, rest: 1 << 20 }): [unknown, unknown[]] {
  const bytes = Buffer.from(text);
  const s = new ListSplitter<unknown>((raw) => raw, limits.item, limits.rest);
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    s.push(bytes.subarray(at, cut));
    at = cut;
  }
  return [s.finish(), s.items];
}

/** What JSON.parse makes of it: the items, and the body with an empty items array in their place. */
function whole(text: string): [unknown, unknown[]] {
  const body = JSON.parse(text);
  const items = Array.isArray(body?.items) ? body.items : [];
  return [Array.isArray(body?.items) ? { ...body, items: [] } : body, items];
}

const BODIES: Record<string, string> = {
  'a pod list': JSON.stringify({
    kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '7', continue: 'abc', remainingItemCount: 3 },
    items: [{ metadata: { name: 'a', annotations: { x: '{"items":[1,2]}' } }, spec: { containers: [{ name: 'c' }] } }, { metadata: { name: 'b' } }],
  }),
  'items before metadata': '{"items":[{"a":1},{"b":[2,[3]]}],"metadata":{"continue":""}}',
  'pretty-printed': JSON.stringify({ metadata: { continue: 't' }, items: [{ a: 1 }, { b: 'c' }] }, null, 2),
  'strings with quotes, escapes, brackets and commas': JSON.stringify({
    items: [{ s: 'a "quoted" \\ back\\slash ] } , [ {' }, '\\', '"', 'ünïcödé ☃ 😀', { '': '\u0000\n\t' }],
  }),
  'an escaped key that is items': '{"it\\u0065ms":[{"a":1},2],"metadata":{}}',
  'scalars and null items': '{"items":[null, 1, "two", true, [3], {}]}',
  'an empty list': '{"kind":"PodList","items":[]}',
  'an empty list, with spaces': '{"items":[ \n ]}',
  'no items': '{"kind":"PodList","metadata":{}}',
  'items null': '{"items":null}',
  'items an object': '{"items":{"a":[1,2]}}',
  'an items key deeper down is not the list': '{"metadata":{"items":[1,2]},"items":[{"items":[3]}]}',
  'a top-level array': '[{"a":1},{"b":2}]',
  'a top-level string': '"items"',
  'null': 'null',
};

describe('a list body, item by item', () => {
  for (const [name, text] of Object.entries(BODIES)) {
    it(`${name}: as JSON.parse reads it, cut at every byte and in one piece`, () => {
      const want = whole(text);
      expect(split(text)).toEqual(want);
      const length = Buffer.byteLength(text);
      for (let cut = 0; cut <= length; cut++) expect(split(text, [cut]), `cut at ${cut}`).toEqual(want);
      expect(split(text, Array.from({ length }, (_, i) => i))).toEqual(want);
    });
  }

  const BROKEN: Record<string, string> = {
    'a trailing comma': '{"items":[{"a":1},]}',
    'an empty element': '{"items":[{"a":1},,{"b":2}]}',
    'a leading comma': '{"items":[,{"a":1}]}',
    'cut in an item': '{"items":[{"a":1},{"b":',
    'cut in a string': '{"items":[{"a":"bc',
    'cut after the items': '{"items":[{"a":1}]',
    'a bad item': '{"items":[{"a":1},{b:2}]}',
    'garbage after the body': '{"items":[]} x',
    'an unbalanced bracket': '{"items":[{"a":1}]]}',
  };
  for (const [name, text] of Object.entries(BROKEN)) {
    it(`${name}: refused, as JSON.parse refuses it`, () => {
      expect(() => JSON.parse(text)).toThrow();
      expect(() => split(text)).toThrow(SyntaxError);
      expect(() => split(text, [5, 11, 17])).toThrow(SyntaxError);
    });
  }

  it('each item is handed over with its index as it completes, before the body has ended', () => {
    const seen: [unknown, number][] = [];
    const s = new ListSplitter((raw, i) => {
      seen.push([raw, i]);
      return i;
    }, 1 << 20, 1 << 20);
    s.push(Buffer.from('{"metadata":{},"items":[{"n":"a"},{"n":"b"},'));
    expect(seen).toEqual([[{ n: 'a' }, 0], [{ n: 'b' }, 1]]);
    s.push(Buffer.from('{"n":"c"}]}'));
    expect(s.finish()).toEqual({ metadata: {}, items: [] });
    expect(s.items).toEqual([0, 1, 2]);
  });

  it('an item over the limit, or a body over it outside the items, is refused by its size', () => {
    const big = JSON.stringify({ items: [{ a: 'x'.repeat(50) }, { a: 'x'.repeat(500) }] });
    expect(() => split(big, [], { item: 100, rest: 1000 })).toThrow(new ListTooLarge('item 1 of the list is larger than 100 bytes'));
    expect(() => split(JSON.stringify({ metadata: { a: 'x'.repeat(500) }, items: [] }), [], { item: 100, rest: 100 })).toThrow(ListTooLarge);
    // The items do not count towards the rest.
    expect(split(JSON.stringify({ items: Array(50).fill({ a: 'x'.repeat(50) }) }), [7], { item: 100, rest: 100 })[1]).toHaveLength(50);
  });
});

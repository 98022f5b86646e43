// -o json, item by item: whatever the batches, the text is exactly what
// JSON.stringify(document, null, 2) gives for the whole document, so a
// streamed sweep and a document written whole cannot differ.
import { describe, expect, it } from 'vitest';
import { JsonStream, renderJson } from '../src/render/json.js';
import { DOCUMENT_KIND } from '../src/render/document.js';

const item = (n: number) => ({
  pod: `p${n}`, pid: n, name: `a\n"quoted" ${n}`, nested: { list: [1, [2, { x: n }]], empty: [], none: {} }, error: null,
  // Characters -o json escapes (bidi controls, C1): the stream escapes them as the whole document does.
  label: `\u202e${n}\u0085`,
});

function streamed(batches: number[][], pods: { pod: string }[] = [], drift: unknown[] = []): string {
  const s = new JsonStream();
  let text = '';
  for (const batch of batches) text += s.add(batch.map(item));
  return text + s.end(pods as never, drift);
}

function whole(batches: number[][], pods: unknown[] = [], drift: unknown[] = []): string {
  const doc: Record<string, unknown> = { kind: DOCUMENT_KIND, items: batches.flat().map(item) };
  if (pods.length) doc.pods = pods;
  if (drift.length) doc.drift = drift;
  return renderJson(doc);
}

describe('the streamed -o json document', () => {
  const shapes: Record<string, number[][]> = {
    'no items': [],
    'one item': [[1]],
    'one batch of many': [[1, 2, 3, 4]],
    'batches of one': [[1], [2], [3]],
    'uneven batches, empty ones between': [[1, 2], [], [3], [4, 5, 6], []],
  };
  for (const [name, batches] of Object.entries(shapes)) {
    it(`${name}: the text of the whole document`, () => {
      expect(streamed(batches)).toBe(whole(batches));
      expect(streamed(batches, [{ pod: 'p1' }], [{ owner: 'o' }])).toBe(whole(batches, [{ pod: 'p1' }], [{ owner: 'o' }]));
    });
  }

  it('counts what it wrote, and escapes what a terminal would act on', () => {
    const s = new JsonStream();
    const text = s.add([item(1), item(2)]) + s.add([item(3)]);
    expect(s.written).toBe(3);
    expect(text).not.toMatch(/[\u202e\u0085]/);
    expect(text).toContain('\\u202e1\\u0085');
  });
});

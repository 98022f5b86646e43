import type { Judged } from '../judge/judge.js';
import { CliError } from '../errors.js';
import { documentItem } from './document.js';
import { gathering, templateError, type Renderer } from './renderer.js';
import { checkSortPath, sortItems } from './sort-by.js';

/**
 * --sort-by: the one printer that needs the whole set before its first
 * line. It keeps the judged items (never the pods they came from), orders
 * them by the path on their -o json items, as kubectl does, and hands them to
 * the printer at the end. A path that cannot be a JSONPath is bad usage,
 * found before anything is read.
 */
export function sortedBy(inner: Renderer, path: string): Renderer {
  const bad = checkSortPath(path);
  if (bad) throw templateError(bad);
  return {
    ...inner,
    start: (spec) => gathering((all, tail) => {
      const docs = all.map((j) => documentItem(j, spec));
      const byDoc = new Map<unknown, Judged>(docs.map((d, i) => [d, all[i]]));
      const sorted = sortItems(docs, path);
      if (!sorted.ok) throw new CliError(sorted.error);
      const out = inner.start(spec);
      return out.add(sorted.items.map((d) => byDoc.get(d)!)) + out.end(tail);
    }),
  };
}

import { documentItem } from './document.js';
import { JsonStream } from './json.js';
import { type OutputFormat, type OutputSpec, type Renderer, type RenderStream, wholeDocument } from './renderer.js';
import { TableStream } from './table.js';
import type { YamlStream } from './yaml.js';

const table = (wide: boolean): Renderer => ({
  showsFailures: false,
  progress: true,
  start(spec) {
    const t = new TableStream({ show: spec.show, wide, noHeaders: spec.noHeaders, detail: spec.detail && !wide },
      { width: spec.width, color: spec.color, now: spec.now }, spec.hints);
    return { add: (items) => t.add(items), end: () => t.end(), cut: () => t.end() };
  },
});

/** -o json and -o yaml: the document streamed item by item. */
const streamed = (make: () => JsonStream | YamlStream): Renderer => ({
  showsFailures: true,
  progress: false,
  start(spec): RenderStream {
    const s = make();
    return { add: (items) => s.add(items.map((j) => documentItem(j, spec))), end: (tail) => s.end(tail.pods, tail.drift), cut: () => '' };
  },
});

/**
 * One renderer per -o format. The templated ones (jsonpath, custom-columns)
 * load their engine only when asked for, and check the template before
 * anything is read, so a typo costs no exec; YAML, SARIF and JUnit load
 * only when asked for too.
 */
const REGISTRY: Record<OutputFormat, (template: string) => Promise<Renderer>> = {
  table: async () => table(false),
  wide: async () => table(true),
  json: async () => streamed(() => new JsonStream()),
  // js-yaml only when asked for (a kubeconfig in YAML loads it too; local mode and JSON kubeconfigs need not).
  yaml: () => import('./yaml.js').then((m) => streamed(() => new m.YamlStream())),
  sarif: () => import('./sarif.js').then((m) => m.sarifRenderer),
  junit: () => import('./junit.js').then((m) => m.junitRenderer),
  jsonpath: (t) => import('./templated.js').then((m) => m.jsonpathRenderer(t, false, wholeDocument)),
  'jsonpath-as-json': (t) => import('./templated.js').then((m) => m.jsonpathRenderer(t, true, wholeDocument)),
  'custom-columns': (t) => import('./templated.js').then((m) => m.customColumnsRenderer(t, false, wholeDocument)),
  'custom-columns-file': (t) => import('./templated.js').then((m) => m.customColumnsRenderer(t, true, wholeDocument)),
};

/** The renderer for -o, and with --sort-by one that orders the whole set first; both checked before anything is read. */
export async function rendererFor(output: OutputSpec, sortBy: string | null = null): Promise<Renderer> {
  const renderer = await REGISTRY[output.format](output.template ?? '');
  if (sortBy === null) return renderer;
  const { sortedBy } = await import('./sorted.js');
  return sortedBy(renderer, sortBy);
}

import { CliError, EXIT } from '../errors.js';
import type { ProcItem } from '../record/record.js';
import type { Show } from '../cli/options.js';
import type { OutputFormat, OutputSpec } from '../cli/output.js';
import { toDocument } from './document.js';
import { renderJson } from './json.js';
import { renderTable } from './table.js';
import { renderYaml } from './yaml.js';

/** What a renderer is told: everything that shapes the output, nothing else of the CLI. */
export interface RenderSpec {
  show: Show;
  noHeaders: boolean;
  width: number;
  color: boolean;
  now: number;
}

export interface Renderer {
  /** Whether failed items appear in the output (documents do; tables leave them to stderr). */
  showsFailures: boolean;
  /** Whether a progress bar on stderr suits it (a human watching a table). */
  progress: boolean;
  /** The output text; a CliError when the template cannot be applied to this document. */
  render(items: ProcItem[], spec: RenderSpec): string;
}

const table = (wide: boolean): Renderer => ({
  showsFailures: false,
  progress: true,
  render: (items, spec) => renderTable(items, { show: spec.show, wide, noHeaders: spec.noHeaders },
    { width: spec.width, color: spec.color, now: spec.now }),
});

const document = (format: (doc: ReturnType<typeof toDocument>, spec: RenderSpec) => string): Renderer => ({
  showsFailures: true,
  progress: false,
  render: (items, spec) => format(toDocument(items, spec.show), spec),
});

/**
 * One renderer per -o format. The templated ones (jsonpath, custom-columns)
 * load their engine only when asked for, and check the template before
 * anything is read, so a typo costs no exec.
 */
const REGISTRY: Record<OutputFormat, (template: string) => Promise<Renderer>> = {
  table: async () => table(false),
  wide: async () => table(true),
  json: async () => document((doc) => renderJson(doc)),
  yaml: async () => document((doc) => renderYaml(doc)),
  jsonpath: (t) => import('./templated.js').then((m) => m.jsonpathRenderer(t, false, document)),
  'jsonpath-as-json': (t) => import('./templated.js').then((m) => m.jsonpathRenderer(t, true, document)),
  'custom-columns': (t) => import('./templated.js').then((m) => m.customColumnsRenderer(t, false, document)),
  'custom-columns-file': (t) => import('./templated.js').then((m) => m.customColumnsRenderer(t, true, document)),
};

export function rendererFor(output: OutputSpec): Promise<Renderer> {
  return REGISTRY[output.format](output.template ?? '');
}

/** A template that does not compile is bad usage, found before the cluster is asked anything. */
export function templateError(message: string): CliError {
  return new CliError(message, undefined, 'usage', EXIT.usage);
}

export type DocumentRenderer = typeof document;

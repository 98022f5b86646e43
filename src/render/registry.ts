import type { ProcItem } from '../item.js';
import type { Show } from '../options.js';
import type { OutputFormat, OutputSpec } from '../output.js';
import { toDocument } from './document.js';
import { renderJson } from './json.js';
import { renderTable } from './table.js';
import { renderYaml } from './yaml.js';

/** What a renderer is told: the output format and everything that shapes it, nothing else of the CLI. */
export interface RenderSpec {
  output: OutputSpec;
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
  render(items: ProcItem[], spec: RenderSpec): string;
}

const table = (wide: boolean): Renderer => ({
  showsFailures: false,
  progress: true,
  render: (items, spec) => renderTable(items, { show: spec.show, wide, noHeaders: spec.noHeaders },
    { width: spec.width, color: spec.color, now: spec.now }),
});

const document = (format: (doc: object) => string): Renderer => ({
  showsFailures: true,
  progress: false,
  render: (items, spec) => format(toDocument(items, spec.show)),
});

/** One renderer per -o format. */
export const RENDERERS: Record<OutputFormat, Renderer> = {
  table: table(false),
  wide: table(true),
  json: document(renderJson),
  yaml: document(renderYaml),
  jsonpath: document(() => {
    throw new Error('jsonpath is not available in this build');
  }),
  'jsonpath-as-json': document(() => {
    throw new Error('jsonpath is not available in this build');
  }),
  'custom-columns': document(() => {
    throw new Error('custom-columns is not available in this build');
  }),
  'custom-columns-file': document(() => {
    throw new Error('custom-columns is not available in this build');
  }),
};

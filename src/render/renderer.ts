import { CliError, EXIT } from '../errors.js';
import type { ReplicaState } from '../judge/drift.js';
import type { Finding, Severity } from '../judge/finding.js';
import type { Judged } from '../judge/judge.js';
import type { PodLevel } from '../judge/levels.js';
import { toDocument, type Document, type DocumentSpec } from './document.js';
import type { TableHints } from './table.js';

/** -o, parsed (src/cli/output.ts): a format and, for the templated ones, its template. */
export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml' | 'sarif' | 'junit' | 'jsonpath' | 'jsonpath-as-json' | 'custom-columns'
  | 'custom-columns-file';

export interface OutputSpec {
  format: OutputFormat;
  /** The template or column spec (for the -file forms, the file's text). */
  template: string | null;
}

/** What a renderer is told: everything that shapes the output, nothing else of the CLI. */
export interface RenderSpec extends DocumentSpec {
  noHeaders: boolean;
  width: number;
  color: boolean;
  now: number;
  /** Columns a long, streamed table may need (from what the read asked for). */
  hints: TableHints;
  /** One process was asked for: tables show it in the detail view. */
  detail: boolean;
  /** --fail-on: the severity that fails a JUnit test case (warning when absent, as when the flag is not given). */
  failOn?: Severity | null;
}

/** What ends an output: each pod's level, gathered as the items went by, and the owners whose replicas differ. */
export interface RenderTail {
  pods: PodLevel[];
  drift?: DriftReport[];
}

/** An owner whose replicas' kernel state differs: the findings, and each replica's state, node and runtime. */
export interface DriftReport {
  namespace: string;
  owner: string;
  container: string;
  findings: Finding[];
  replicas: ReplicaState[];
}

/**
 * One output being written: text for each batch of judged items as they
 * come (empty while a printer gathers), then the text that ends it. A read
 * cut short (an interrupt, a failed list) ends with `cut` instead: a table
 * prints the rows it held, a document is left open, so nothing reads as
 * complete.
 */
export interface RenderStream {
  add(items: readonly Judged[]): string;
  end(tail: RenderTail): string;
  cut(): string;
}

export interface Renderer {
  /** Whether failed items appear in the output (documents do; tables leave them to stderr). */
  showsFailures: boolean;
  /** Whether a progress bar on stderr suits it (a human watching a table). */
  progress: boolean;
  start(spec: RenderSpec): RenderStream;
}

/**
 * A printer over the whole document (a jsonpath template ranges over
 * .items, custom-columns sizes its columns to every row): it gathers the
 * judged items, which are small beside the pods they came from, and prints
 * at the end.
 */
export function wholeDocument(format: (doc: Document, spec: RenderSpec) => string): Renderer {
  return wholeRead((all, spec, tail) => format(toDocument(all, spec, tail.pods, tail.drift), spec));
}

/**
 * A document over the whole read's judged items, failed ones included
 * (-o sarif, -o junit, and the printers over the JSON document above):
 * written once, at the end.
 */
export function wholeRead(format: (all: Judged[], spec: RenderSpec, tail: RenderTail) => string): Renderer {
  return {
    showsFailures: true,
    progress: false,
    start: (spec) => gathering((all, tail) => format(all, spec, tail)),
  };
}

/**
 * An output that needs every item before its first line: it keeps the
 * judged items and writes at the end. Cut short, it writes nothing: a part
 * printed as a whole (a template's totals, a sorted list) would read as all
 * of them.
 */
export function gathering(finish: (all: Judged[], tail: RenderTail) => string): RenderStream {
  const all: Judged[] = [];
  return {
    add(items) {
      all.push(...items);
      return '';
    },
    end: (tail) => finish(all, tail),
    cut: () => '',
  };
}

/** A template that does not compile is bad usage, found before the cluster is asked anything. */
export function templateError(message: string): CliError {
  return new CliError(message, undefined, 'usage', EXIT.usage);
}

export type DocumentRenderer = typeof wholeDocument;

import { CliError, EXIT } from './errors.js';
import { atLeast, withFindings } from './judge/findings.js';
import type { ProcItem } from './record/record.js';
import { belowLevel, levelCounts, podLevels } from './judge/levels.js';
import type { Options } from './cli/options.js';
import { HOST_POLICY } from './judge/policy.js';
import { readSpec } from './read/files.js';
import { progressBar } from './render/progress.js';
import { toDocumentItem } from './render/document.js';
import { rendererFor } from './render/registry.js';
import { safe } from './safe.js';
import { readLocal } from './sources/local.js';

/** The process around the run, injected so tests hand in buffers. */
export interface Io {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/**
 * options → source → parse → decode → findings → render. Returns the exit
 * code: 0 when every process was read, 1 when any read failed (those print
 * on stderr, the rest still print), 3 when --fail-on found what it looks for
 * or a process read meets only a lower level than --require-level.
 */
export async function run(options: Options, io: Io): Promise<number> {
  const log = (line: string) => {
    if (options.verbose) io.stderr.write(`debug: ${safe(line)}\n`);
  };
  const warn = (line: string) => io.stderr.write(`warning: ${safe(line)}\n`);
  const renderer = await rendererFor(options.output);
  const local = options.target === null && options.nodes === null && options.selector === null && !options.allNamespaces;
  // A container's processes share its user namespace and LSM profile: read them once there.
  // A node's (and this machine's) processes do not: per process.
  const read = readSpec(options.pids, options.threads, { cmdline: options.cmdline, perContainer: !local && options.nodes === null });

  let items: ProcItem[];
  let failures: CliError[] = [];
  let covered = new Set<ProcItem>();
  let summary: string | null = null;
  if (local) {
    log(`reading the local /proc for ${options.pids === 'all' ? 'every process' : `pid ${options.pids.join(', ')}`}`);
    items = readLocal(read).map((item) => withFindings(item, HOST_POLICY));
  } else {
    // Loaded only for clusters, so local mode never pays for the Kubernetes client.
    const source = options.nodes !== null ? (await import('./sources/node.js')).readNodes : (await import('./sources/pods.js')).sweep;
    const result = await source(options, read, {
      log,
      notice: (line) => io.stderr.write(`${safe(line, { keepNewlines: true })}\n`),
      progress: progressBar(io.stderr, renderer.progress),
    });
    items = result.items;
    failures = result.failures;
    covered = result.covered;
    result.warnings.forEach(warn);
    if (options.target?.kind !== 'pod' && options.nodes === null) summary = summarize(result.pods, result.containers, items, failures);
  }

  let shown = renderer.showsFailures ? items : items.filter((i) => i.error === null);
  if (options.sortBy) shown = await sortBy(shown, options);
  const color = !!io.stdout.isTTY && !io.env.NO_COLOR;
  const width = io.stdout.isTTY && io.stdout.columns ? io.stdout.columns : Number(io.env.COLUMNS) || 160;
  io.stdout.write(renderer.render(shown, {
    show: options.show, noHeaders: options.noHeaders, width, color, now: Date.now(),
  }));
  for (const f of failures) io.stderr.write(`error: ${safe(f.message)}\n`);
  const hints = new Set(failures.map((f) => f.hint).filter(Boolean));
  for (const hint of hints) io.stderr.write(`hint: ${safe(hint!)}\n`);
  const failed = items.filter((i) => i.error !== null && !covered.has(i));
  for (const item of failed) io.stderr.write(`error: ${safe(describe(item))}: ${safe(item.error!)}\n`);
  if (summary) io.stderr.write(summary);

  if (failures.length > 0 || failed.length > 0) return EXIT.error;
  if (options.failOn && items.some((i) => i.findings.some((f) => atLeast(f.severity, options.failOn!)))) return EXIT.findings;
  if (options.requireLevel && belowLevel(items, options.requireLevel).length > 0) return EXIT.findings;
  return EXIT.ok;
}

/** --sort-by: kubectl's ordering, on each item as the -o json document has it. */
async function sortBy(items: ProcItem[], options: Options): Promise<ProcItem[]> {
  const { sortItems } = await import('./render/sort-by.js');
  const docs = items.map((item) => ({ item, doc: toDocumentItem(item, options.show) }));
  const byDoc = new Map(docs.map((d) => [d.doc as unknown, d.item]));
  const sorted = sortItems(docs.map((d) => d.doc), options.sortBy!);
  if (!sorted.ok) throw new CliError(sorted.error);
  return sorted.items.map((doc) => byDoc.get(doc)!);
}

/** "12 pods, 14 containers: 13 read, 1 failed (forbidden 1); findings: 2 critical, 5 warning; levels: 1 privileged, 10 baseline, 1 restricted" */
function summarize(pods: number, containers: number, items: ProcItem[], failures: CliError[]): string {
  const kinds = new Map<string, number>();
  for (const f of failures) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
  const read = new Set(items.filter((i) => i.error === null).map((i) => `${i.namespace}/${i.pod}/${i.container}`)).size;
  const counts = { critical: 0, warning: 0, info: 0 };
  // Pods by the level they meet (their lowest container's).
  const levels = levelCounts(podLevels(items));
  for (const i of items) for (const f of i.findings) counts[f.severity]++;
  const failed = failures.length
    ? `, ${failures.length} failed (${[...kinds].map(([r, n]) => `${r} ${n}`).join(', ')})` : '';
  return `summary: ${pods} pod${pods === 1 ? '' : 's'}, ${containers} container${containers === 1 ? '' : 's'}: ` +
    `${read} read${failed}; findings: ${counts.critical} critical, ${counts.warning} warning` +
    `${levels ? `; ${levels}` : ''}\n`;
}

function describe(item: ProcItem): string {
  const pid = item.tid !== null ? `pid ${item.pid} thread ${item.tid}` : `pid ${item.pid}`;
  return item.pod === null ? pid : `${pid} in ${item.namespace}/${item.pod} (container ${item.container})`;
}

export function errorText(err: unknown, verbose: boolean): string {
  if (err instanceof CliError) {
    return `error: ${safe(err.message)}\n` + (err.hint ? `hint: ${safe(err.hint)}\n` : '') + (verbose && err.stack ? `${err.stack}\n` : '');
  }
  const e = err as Error;
  return `error: ${safe(e?.message ?? String(err))}\n` + (verbose && e?.stack ? `${e.stack}\n` : '');
}

import { CliError, EXIT } from './errors.js';
import type { ProcItem } from './item.js';
import type { Options } from './options.js';
import { toDocument } from './render/document.js';
import { renderJson } from './render/json.js';
import { safe } from './render/sanitize.js';
import { renderTable } from './render/table.js';
import { renderYaml } from './render/yaml.js';
import { readLocal } from './sources/local.js';

/** The process around the run, injected so tests hand in buffers. */
export interface Io {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
}

/**
 * options → source → parse → decode → render. Returns the exit code:
 * 0 when every process was read, 1 when any failed (those print on stderr,
 * the rest still print).
 */
export async function run(options: Options, io: Io): Promise<number> {
  const log = (line: string) => {
    if (options.verbose) io.stderr.write(`debug: ${safe(line)}\n`);
  };
  const warn = (line: string) => io.stderr.write(`warning: ${safe(line)}\n`);

  let items: ProcItem[];
  if (options.pod === null) {
    log(`reading the local /proc for ${options.pids === 'all' ? 'every process' : `pid ${options.pids.join(', ')}`}`);
    items = await readLocal(options.pids);
  } else {
    // Loaded only for pods, so local mode never pays for the Kubernetes client.
    const { readPod } = await import('./sources/pod.js');
    const result = await readPod({
      ...options,
      pod: options.pod,
      log,
      notice: (line) => io.stderr.write(`${safe(line)}\n`),
    });
    items = result.items;
    result.warnings.forEach(warn);
  }

  io.stdout.write(render(items, options, io));
  const failed = items.filter((i) => i.error !== null);
  for (const item of failed) io.stderr.write(`error: ${safe(describe(item))}: ${safe(item.error!)}\n`);
  return failed.length > 0 ? EXIT.error : EXIT.ok;
}

function render(items: ProcItem[], options: Options, io: Io): string {
  switch (options.output) {
    case 'json':
      return renderJson(toDocument(items, options.show));
    case 'yaml':
      return renderYaml(toDocument(items, options.show));
    default: {
      const color = !!io.stdout.isTTY && !io.env.NO_COLOR;
      const width = io.stdout.isTTY && io.stdout.columns ? io.stdout.columns : Number(io.env.COLUMNS) || 160;
      return renderTable(items.filter((i) => i.error === null), options, { width, color });
    }
  }
}

function describe(item: ProcItem): string {
  return item.pod === null ? `pid ${item.pid}` : `pid ${item.pid} in ${item.namespace}/${item.pod} (container ${item.container})`;
}

export function errorText(err: unknown, verbose: boolean): string {
  if (err instanceof CliError) {
    return `error: ${safe(err.message)}\n` + (err.hint ? `hint: ${safe(err.hint)}\n` : '') + (verbose && err.stack ? `${err.stack}\n` : '');
  }
  const e = err as Error;
  return `error: ${safe(e?.message ?? String(err))}\n` + (verbose && e?.stack ? `${e.stack}\n` : '');
}

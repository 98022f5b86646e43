import type { Options } from './cli/options.js';
import { CliError, EXIT } from './errors.js';
import { INTERRUPT_EXIT, type Interrupt, type Io } from './io.js';
import { judge, type Judged } from './judge/judge.js';
import { relate } from './judge/relations.js';
import { driftFindings } from './judge/drift.js';
import { readSpec, type ReadSpec } from './read/files.js';
import { failureLine, type Failure } from './record/failure.js';
import { describeProcess } from './record/where.js';
import { progressBar } from './render/progress.js';
import { rendererFor } from './render/registry.js';
import type { DriftReport, RenderSpec } from './render/renderer.js';
import { safe } from './safe.js';
import type { Batch, Source, SourceContext } from './sources/source.js';
import { Tally } from './tally.js';

/** Where a run's records come from, given its options: chosen (and loaded) only when the run starts. */
export type SourceFor = (options: Options, read: ReadSpec, io: Io) => Promise<Source>;

/**
 * argv → options → **source → parse → judge → render**: the one flow. The
 * source yields batches of records in the list's order; each record is
 * judged by the policy its source attached; the renderer writes them as they
 * come. Returns the exit code: 0 when every process was read; 1 when any
 * read failed (those print on stderr, the rest still print); 3 when
 * --fail-on found what it looks for or a process meets only a lower level
 * than --require-level; 128+N when a signal (or a closed pipe) stopped it,
 * after the source has cleaned up what it created.
 */
export async function run(options: Options, io: Io, sourceFor: SourceFor = loadSource): Promise<number> {
  const say = (line: string) => io.stderr.write(`${line}\n`);
  const log = (line: string) => {
    if (options.verbose) say(`debug: ${safe(line)}`);
  };
  // Bad templates and sort paths fail here, before anything is asked of a cluster.
  const renderer = await rendererFor(options.output, options.sortBy);
  // Start times and account names are shown in the detail view, -o wide and documents, and sorted on: only then read.
  const shown = isDetail(options) || options.output.format !== 'table' || options.sortBy !== null;
  const read = readSpec(options.pids, options.threads, {
    cmdline: options.cmdline, perContainer: !isLocal(options) && options.nodes === null, startTimes: shown, accounts: shown,
  });
  const source = await sourceFor(options, read, io);

  const stop = new AbortController();
  const hurry = new AbortController();
  let interrupted: Interrupt | null = null;
  const interrupt = (why: Interrupt) => {
    if (interrupted === null) {
      interrupted = why;
      stop.abort(why);
    } else {
      hurry.abort(why);
    }
  };
  const unlisten = io.onInterrupt(interrupt);

  const tally = new Tally();
  const hints = new Set<string>();
  const fail = (f: Failure) => {
    tally.fail();
    say(`error: ${safe(failureLine(f))}`);
    if (f.hint) hints.add(f.hint);
  };
  const ctx: SourceContext = {
    log,
    notice: (line) => say(safe(line, { keepNewlines: true })),
    warn: (line) => say(`warning: ${safe(line)}`),
    fail,
    progress: progressBar(io.stderr, renderer.progress),
    signal: stop.signal,
    hurry: hurry.signal,
  };
  const write = (text: string) => {
    if (!text || interrupted === 'SIGPIPE') return;
    try {
      io.stdout.write(text);
      tally.wrote();
    } catch (err) {
      // The reader is gone (| head): stop as kubectl would die of SIGPIPE, after cleaning up.
      if ((err as NodeJS.ErrnoException)?.code !== 'EPIPE') throw err;
      interrupt('SIGPIPE');
    }
  };

  const out = renderer.start(renderSpec(options, io));
  const drift: DriftReport[] = [];
  let broken: CliError | null = null;
  try {
    for await (const read of source.read(ctx)) {
      const batch = interrupted === null ? read : withoutInterrupted(read);
      for (const w of batch.warnings) ctx.warn(w);
      const own = new Set(batch.failures);
      for (const f of batch.failures) fail(f);
      // Each record by its policy, then each process against its container's PID 1 (judge/relations.ts).
      const judged: Judged[] = relate(batch.items.map(({ record, policy }) => judge(record, policy)));
      for (const j of judged) {
        tally.add(j, options);
        // A thread's ID given as a PID reads that thread, which reads like a process: say whose it is.
        const r = j.record;
        if (r.tid === null && r.pid !== null && r.tgid !== null && r.tgid !== r.pid) {
          ctx.warn(`${describeProcess(r.where, r.pid, null)} is a thread of process ${r.tgid}, not a process: its status is that thread's ` +
            `(--pid ${r.tgid} --threads reads every thread of it)`);
        }
        // A process's own failure, said once; one that stands for (or is part of) its container's was said above.
        const f = j.record.failure;
        if (f !== null && !own.has(f) && !(f.within && own.has(f.within))) {
          tally.fail();
          say(`error: ${safe(describeProcess(j.record.where, j.record.pid, j.record.tid))}: ${safe(f.message)}`);
        }
      }
      for (const group of batch.drift ?? []) {
        const findings = driftFindings(group);
        for (const f of findings) ctx.warn(f.message);
        tally.extra(findings, options);
        if (findings.length) drift.push({ namespace: group.namespace, owner: group.owner, container: group.container, findings, replicas: group.replicas });
      }
      if (batch.unit) tally.unit(batch.unit, batch.failures.length > 0, batch.failures[0]?.kind);
      write(out.add(renderer.showsFailures ? judged : judged.filter((j) => j.record.failure === null)));
      if (stop.signal.aborted) break;
    }
  } catch (err) {
    // Nothing read yet: the failure is the run's one error (main prints it, with its hint).
    if (interrupted === null && tally.items === 0) throw err;
    if (interrupted === null) broken = err instanceof CliError ? err : new CliError((err as Error)?.message ?? String(err));
  } finally {
    unlisten();
  }

  const cut = interrupted !== null || broken !== null;
  write(cut ? out.cut() : out.end({ pods: tally.pods(), drift }));
  // The output has left before the summary says it was whole: a reader that closed the pipe
  // (| head) ends the process here, quietly, as kubectl dies of SIGPIPE (src/main.ts).
  if (interrupted !== 'SIGPIPE') await io.stdout.flush?.();
  for (const hint of hints) say(`hint: ${safe(hint)}`);
  if (broken) {
    say(`error: ${safe(broken.message)}`);
    if (broken.hint) say(`hint: ${safe(broken.hint)}`);
  }
  if (cut && tally.written && interrupted !== 'SIGPIPE') {
    say(`error: the output was cut after ${tally.items} item${tally.items === 1 ? '' : 's'}: ` +
      `${interrupted ? `interrupted (${interrupted})` : 'the read failed part way'}; it is not the whole ${isLocal(options) ? 'read' : 'sweep'}`);
  }
  if (!cut && showsSummary(options)) say(tally.summary());

  if (interrupted !== null) return INTERRUPT_EXIT[interrupted];
  if (broken) return broken.exitCode;
  if (tally.failed) return EXIT.error;
  if (tally.findings) return EXIT.findings;
  return EXIT.ok;
}

/**
 * After an interrupt, a read it cut short is not its pod's failure: the
 * interrupt is said once, as the cut, and a read it stopped is neither an
 * error line of its own nor an item counted among those written.
 */
function withoutInterrupted(batch: Batch): Batch {
  const cut = (f: Failure | null) => f !== null && (f.kind === 'interrupted' || f.within?.kind === 'interrupted');
  if (!batch.failures.some(cut) && !batch.items.some((u) => cut(u.record.failure))) return batch;
  return { ...batch, unit: null, items: batch.items.filter((u) => !cut(u.record.failure)), failures: batch.failures.filter((f) => !cut(f)) };
}

/** One PID of one pod, node or this machine: a question about one process, answered in the detail view. */
function isDetail(o: Options): boolean {
  const one = isLocal(o) || o.target?.kind === 'pod' || (o.nodes !== null && o.nodes.name !== null);
  return one && !o.allContainers && !o.threads && o.pids !== 'all' && o.pids.length === 1;
}

function isLocal(o: Options): boolean {
  return o.target === null && o.nodes === null && o.selector === null && !o.allNamespaces;
}

/** A sweep ends with its summary; one named pod, a node read and local mode do not. */
function showsSummary(o: Options): boolean {
  return !isLocal(o) && o.target?.kind !== 'pod' && o.nodes === null;
}

function renderSpec(o: Options, io: Io): RenderSpec {
  const tty = !!io.stdout.isTTY;
  return {
    show: o.show,
    rawFields: o.rawFields,
    noHeaders: o.noHeaders,
    width: tty && io.stdout.columns ? io.stdout.columns : Number(io.env.COLUMNS) || 160,
    color: tty && !io.env.NO_COLOR,
    now: io.now(),
    detail: isDetail(o),
    failOn: o.failOn,
    hints: {
      namespaces: o.allNamespaces,
      origins: !isLocal(o) && (o.target?.kind !== 'pod' || o.allContainers),
      nodes: o.nodes !== null,
      manyNodes: o.nodes !== null && o.nodes.name === null,
      threads: o.threads,
      cmdline: o.cmdline,
      debug: o.debugImage !== null && o.nodes === null,
    },
  };
}

/** The source for these options, loaded only when used: local mode never loads the Kubernetes client. */
async function loadSource(options: Options, read: ReadSpec, io: Io): Promise<Source> {
  if (isLocal(options)) return (await import('./sources/local.js')).localSource(read);
  const { loadCluster } = await import('./kube/config.js');
  const cluster = loadCluster({
    kubeconfig: options.kubeconfig, context: options.context, requestTimeoutMs: options.requestTimeoutMs,
    env: io.env, cwd: io.cwd, stderr: (text) => io.stderr.write(text),
  });
  if (options.nodes !== null) return (await import('./sources/node.js')).nodeSource(options, read, cluster);
  return (await import('./sources/pods.js')).podsSource({ ...options, namespaceLevelsNeeded: options.requireLevel === 'enforce' }, read, cluster);
}

/** An error as the user sees it: one line (and a hint), the stack only with -v. */
export function errorText(err: unknown, verbose: boolean): string {
  if (err instanceof CliError) {
    return `error: ${safe(err.message)}\n` + (err.hint ? `hint: ${safe(err.hint)}\n` : '') + (verbose && err.stack ? `${err.stack}\n` : '');
  }
  const e = err as Error;
  return `error: ${safe(e?.message ?? String(err))}\n` + (verbose && e?.stack ? `${e.stack}\n` : '');
}

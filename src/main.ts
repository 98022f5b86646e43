import { app } from './app.js';
import { EXIT } from './errors.js';
import type { Interrupt, Io } from './io.js';

/**
 * The only place that touches process.argv, the real streams, signals and
 * the exit code; everything below gets them through Io (src/app.ts on).
 */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/** This process as an Io: its streams, environment, signals, and a reader that closed the pipe (EPIPE) as 'SIGPIPE'. */
function processIo(): Io {
  return {
    stdout: {
      write: (text: string) => process.stdout.write(text),
      // A pipe's writes are asynchronous: the write callback says when they have gone, and the
      // 'error' event below (a closed pipe) comes just after it, before anything else is said.
      flush: () => new Promise<void>((resolve) => (brokenPipe || process.stdout.destroyed ? resolve() : process.stdout.write('', () => setImmediate(resolve)))),
      get isTTY() {
        return process.stdout.isTTY;
      },
      get columns() {
        return process.stdout.columns;
      },
    },
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    now: () => Date.now(),
    onInterrupt(handler) {
      const onSignal = (signal: NodeJS.Signals) => handler(signal as Interrupt);
      for (const s of SIGNALS) process.on(s, onSignal);
      pipeClosed = () => handler('SIGPIPE');
      return () => {
        for (const s of SIGNALS) process.off(s, onSignal);
        pipeClosed = null;
      };
    },
  };
}

/** Set while a run listens: a closed stdout then stops the run (which cleans up) instead of the process. */
let pipeClosed: (() => void) | null = null;

/**
 * A closed pipe (`| head -1`) is normal: stop writing and leave quietly with
 * 128+SIGPIPE, the status a shell reports for kubectl, which dies of SIGPIPE
 * there. Node ignores SIGPIPE and reports EPIPE as an 'error' event instead,
 * which unhandled would print a stack trace. A run that is listening is told
 * (it may have a reader pod to delete) and returns 141 itself. Any other
 * write error (a full disk: ENOSPC) is one error line and exit 1.
 */
const SIGPIPE_EXIT = 141;
let brokenPipe = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') {
    if (brokenPipe) return;
    brokenPipe = true;
    if (pipeClosed) return pipeClosed();
    process.exit(SIGPIPE_EXIT);
  }
  try {
    process.stderr.write(`error: cannot write the output: ${err.message}\n`);
  } catch {
    // stderr is gone too
  }
  process.exit(EXIT.error);
});
process.stderr.on('error', () => process.exit(process.exitCode ?? EXIT.error));

/** Nothing reaches the user as a stack trace unless -v asked for it. */
function fatal(err: unknown): void {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EPIPE') process.exit(SIGPIPE_EXIT);
  try {
    const verbose = process.argv.includes('-v') || process.argv.includes('--verbose');
    process.stderr.write(`error: ${String(e?.message ?? err).split('\n')[0]}\n` + (verbose && e?.stack ? `${e.stack}\n` : ''));
  } catch {
    // nowhere left to say it
  }
  process.exit(EXIT.error);
}
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

app(process.argv.slice(2), processIo()).then(
  (code) => {
    // A run stopped by a signal or a closed pipe has cleaned up; nothing it
    // left running (a deletion it stopped waiting for) keeps the process.
    if (code > 128) process.exit(code);
    process.exitCode = code;
  },
  fatal,
);

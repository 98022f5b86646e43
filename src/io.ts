/**
 * The process around a run, handed in so the core runs in memory: tests
 * give it buffers, an environment and interrupts of their own. Only
 * src/main.ts makes one from the real process.
 */
export interface Output {
  /** Throws (or the real stream errors) with code EPIPE when the reader has gone. */
  write(text: string): unknown;
  /** Resolves once what was written has left the process (or failed: a closed pipe is then reported as such). */
  flush?(): Promise<void>;
  isTTY?: boolean;
  columns?: number;
}

/** What can stop a run from outside: the catchable signals, and a reader that closed its end of the pipe. */
export type Interrupt = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGQUIT' | 'SIGPIPE';

/** 128 + the signal's number, as a shell reports a process killed by it (kubectl dies of SIGPIPE under `| head`). */
export const INTERRUPT_EXIT: Record<Interrupt, number> = { SIGHUP: 129, SIGINT: 130, SIGQUIT: 131, SIGPIPE: 141, SIGTERM: 143 };

export interface Io {
  stdout: Output;
  stderr: Output;
  env: NodeJS.ProcessEnv;
  /** Where relative paths start (the kubeconfig's, -o …-file=). */
  cwd: string;
  /** Calls back on each interrupt while the run wants them; returns the way to stop listening. */
  onInterrupt(handler: (why: Interrupt) => void): () => void;
  now(): number;
}

/** Exit codes scripts can rely on (README "Exit codes"). */
export const EXIT = { ok: 0, error: 1, usage: 2, findings: 3 } as const;

/**
 * What went wrong, as a kind code can branch on (the debug-container
 * fallback, the sweep summary's counts), never by matching message text.
 * The words are what the summary prints: "2 failed (forbidden 1, not running 1)".
 */
export type FailureKind =
  | 'failed'
  | 'usage'
  | 'config'
  | 'credentials'
  | 'not found'
  | 'forbidden'
  | 'unauthorized'
  | 'not running'
  | 'no such container'
  | 'unsupported os'
  | 'no cat or sh'
  | 'debug container'
  | 'no targeting'
  | 'output cut'
  | 'garbled output'
  | 'stream failed'
  | 'timeout'
  | 'unreachable'
  | 'tls'
  | 'output'
  | 'no such process'
  | 'permission denied'
  | 'interrupted'
  | `HTTP ${number}`;

/**
 * An error meant for the user: one line, no stack. `hint` adds a second line
 * saying what to do about it.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly kind: FailureKind = 'failed',
    readonly exitCode: number = EXIT.error,
  ) {
    super(message);
  }

  /** The same failure, with more said in front (e.g. which pod it is about). */
  prefixed(prefix: string): CliError {
    return new CliError(`${prefix}${this.message}`, this.hint, this.kind, this.exitCode);
  }
}

/** The first line of a text: what one error line can carry. */
export function firstLine(text: string): string {
  return text.split('\n')[0];
}

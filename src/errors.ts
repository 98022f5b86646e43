/** Exit codes scripts can rely on (README "Exit codes"). */
export const EXIT = { ok: 0, error: 1, usage: 2, findings: 3 } as const;

/**
 * An error meant for the user: one line, no stack. `hint` adds a second line
 * saying what to do about it.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    /** A short category for sweep summaries: "not found", "forbidden", "not running"… */
    readonly reason: string = 'failed',
    readonly exitCode: number = EXIT.error,
  ) {
    super(message);
  }
}

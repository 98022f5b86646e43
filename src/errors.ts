/** Exit codes scripts can rely on (README "Exit codes"). */
export const EXIT = { ok: 0, error: 1, usage: 2 } as const;

/**
 * An error meant for the user: one line, no stack. `hint` adds a second line
 * saying what to do about it.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: number = EXIT.error,
  ) {
    super(message);
  }
}

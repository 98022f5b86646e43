import type { FlagSpec } from './flags.js';

/** What the words already on the command line say, read the way the parser (src/cli/parse.ts) reads them. */
export interface Words {
  /** Values given per flag (long name); booleans get "true". */
  given: Map<string, string[]>;
  /** Arguments that are not flags or flag values (the POD). */
  positionals: string[];
  /** A flag whose value is the word being completed (`-n <TAB>`), or null. */
  pending: FlagSpec | null;
}

/** Finds a flag by the name written after the dashes: "namespace" or "n". */
export function findFlag(flags: FlagSpec[], name: string, short: boolean): FlagSpec | undefined {
  return flags.find((f) => (short ? f.short === name : f.long === name));
}

/** The words before the one being completed → the flags and positionals they hold. */
export function readWords(words: string[], flags: FlagSpec[]): Words {
  const given = new Map<string, string[]>();
  const positionals: string[] = [];
  const add = (flag: FlagSpec | undefined, name: string, value: string): void => {
    const key = flag?.long ?? name;
    given.set(key, [...(given.get(key) ?? []), value]);
  };
  let pending: FlagSpec | null = null;
  let onlyPositionals = false;
  for (const word of words) {
    if (pending) {
      add(pending, pending.long, word);
      pending = null;
      continue;
    }
    if (onlyPositionals || word === '-' || !word.startsWith('-')) {
      positionals.push(word);
      continue;
    }
    if (word === '--') {
      onlyPositionals = true;
      continue;
    }
    const long = word.startsWith('--');
    const body = word.slice(long ? 2 : 1);
    const eq = body.indexOf('=');
    // -nVALUE: a one-letter flag that takes a value carries it in the same word.
    const name = eq >= 0 ? body.slice(0, eq) : long ? body : body.slice(0, 1);
    const flag = findFlag(flags, name, !long);
    const attached = eq >= 0 ? body.slice(eq + 1) : !long && body.length > 1 && flag?.takesValue ? body.slice(1) : null;
    if (!flag?.takesValue) add(flag, name, attached ?? 'true');
    else if (attached !== null) add(flag, name, attached);
    else pending = flag;
  }
  return { given, positionals, pending };
}

/** The last value given for a flag, or null. */
export function lastValue(words: Words, long: string): string | null {
  const values = words.given.get(long);
  return values?.length ? values[values.length - 1] : null;
}

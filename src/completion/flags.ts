import { FLAGS, type FlagDef } from '../cli/flags.js';

/** One flag as completion sees it, from the tool's one flag table (src/flags.ts). */
export interface FlagSpec {
  /** Long name without dashes: "namespace". */
  long: string;
  /** One-letter alias, or null: "n". */
  short: string | null;
  /** Whether the flag consumes a value (every type but boolean). */
  takesValue: boolean;
  /** Whether it may be given more than once. */
  repeatable: boolean;
  /** Values it accepts, when the table names them. */
  values: string[];
  /** The description, on one line, for shells that show one. */
  describe: string;
}

export function flagSpec(def: FlagDef): FlagSpec {
  return {
    long: def.name,
    short: def.alias ?? null,
    takesValue: def.type !== 'boolean',
    repeatable: def.array === true,
    values: [...(def.values ?? [])],
    describe: def.describe,
  };
}

/** Every flag of the tool, plus --help and --version, which the parser adds itself. */
export const FLAG_SPECS: FlagSpec[] = [
  ...Object.values(FLAGS).map((f) => flagSpec(f as FlagDef)),
  { long: 'help', short: 'h', takesValue: false, repeatable: false, values: [], describe: 'Show help' },
  { long: 'version', short: null, takesValue: false, repeatable: false, values: [], describe: 'print the version' },
];

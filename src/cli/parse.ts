import type { FlagDef } from './flags.js';

/** What argv says, flag by flag: values as typed (strings), booleans, and the positional words. */
export interface RawArgs {
  /** Long name → value; repeatable flags collect every value. */
  values: Map<string, string | boolean | string[]>;
  positional: string[];
  /** Long names typed (not defaulted). */
  given: Set<string>;
}

/**
 * argv → flags and words, as kubectl's flag library (spf13/pflag) reads
 * them: `--name value`, `--name=value`, `-n value`, `-n=value`, `-nvalue`,
 * booleans as `--flag`, `--flag=false` or grouped shorthands (`-Av`), `--`
 * ending the flags. Pure; a bad argv is an error line in pflag's words
 * (`unknown flag: --x`, `flag needs an argument: --namespace`), never a
 * throw, and nothing is coerced into an object (`--output.x` is an unknown
 * flag, not a nested value).
 * https://github.com/spf13/pflag/blob/master/flag.go (parseLongArg, parseShortArg)
 */
export function parseFlags(argv: readonly string[], flags: readonly FlagDef[]): RawArgs | string {
  const byLong = new Map(flags.map((f) => [f.name, f]));
  const byShort = new Map(flags.filter((f) => f.alias).map((f) => [f.alias!, f]));
  const out: RawArgs = { values: new Map(), positional: [], given: new Set() };
  const set = (f: FlagDef, value: string | boolean) => {
    out.given.add(f.name);
    if (f.array) {
      const list = (out.values.get(f.name) as string[] | undefined) ?? [];
      list.push(String(value));
      out.values.set(f.name, list);
    } else {
      out.values.set(f.name, value);
    }
  };
  const bool = (f: FlagDef, text: string, shown: string): boolean | string => {
    if (/^(1|t|T|TRUE|true|True)$/.test(text)) return true;
    if (/^(0|f|F|FALSE|false|False)$/.test(text)) return false;
    return `invalid argument "${text}" for "${shown}" flag: strconv.ParseBool: parsing "${text}": invalid syntax`;
  };
  // A value that is the next flag's name: the user left the value out.
  const looksLikeFlag = (v: string) => /^--?[A-Za-z]/.test(v);

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const f = byLong.get(name);
      if (!f || name === '') return `unknown flag: --${name}`;
      const shown = display(f);
      if (f.type === 'boolean') {
        const v = eq < 0 ? true : bool(f, a.slice(eq + 1), shown);
        if (typeof v === 'string') return v;
        set(f, v);
        continue;
      }
      let value: string;
      if (eq >= 0) value = a.slice(eq + 1);
      else if (i + 1 < argv.length && !looksLikeFlag(argv[i + 1])) value = argv[++i];
      else return `flag needs an argument: --${name}`;
      set(f, value);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      // A group of shorthands: booleans, then at most one that takes a value (the rest of the word, or the next word).
      for (let j = 1; j < a.length; j++) {
        const c = a[j];
        const f = byShort.get(c);
        if (!f) return `unknown shorthand flag: '${c}' in ${a}`;
        const rest = a.slice(j + 1);
        if (f.type === 'boolean') {
          if (rest.startsWith('=')) {
            const v = bool(f, rest.slice(1), display(f));
            if (typeof v === 'string') return v;
            set(f, v);
            break;
          }
          set(f, true);
          continue;
        }
        let value: string;
        if (rest !== '') value = rest.startsWith('=') ? rest.slice(1) : rest;
        else if (i + 1 < argv.length && !looksLikeFlag(argv[i + 1])) value = argv[++i];
        else return `flag needs an argument: '${c}' in ${a}`;
        set(f, value);
        break;
      }
      continue;
    }
    out.positional.push(a);
  }
  return out;
}

/** "-n, --namespace" or "--pid": how pflag names a flag in its messages. */
export function display(f: FlagDef): string {
  return f.alias ? `-${f.alias}, --${f.name}` : `--${f.name}`;
}

/**
 * A number flag's text → its value, or pflag's words for a bad one
 * (`invalid argument "abc" for "--max-bytes" flag: strconv.ParseInt: parsing "abc": invalid syntax`).
 */
export function integerFlag(f: FlagDef, text: string): number | string {
  if (/^[+-]?\d+$/.test(text.trim()) && Number.isSafeInteger(Number(text))) return Number(text);
  const why = /^[+-]?\d+$/.test(text.trim()) ? 'value out of range' : 'invalid syntax';
  return `invalid argument "${text}" for "${display(f)}" flag: strconv.ParseInt: parsing "${text}": ${why}`;
}

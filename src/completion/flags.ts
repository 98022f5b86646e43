/**
 * The tool's flags, as its own `--help` lists them. The build embeds the help
 * text of the bundle it just made, so the completion never keeps a second
 * list that could fall behind src/cli.ts.
 */
export interface FlagSpec {
  /** Long name without dashes: "namespace". */
  long: string;
  /** One-letter alias, or null: "n". */
  short: string | null;
  /** Whether the flag consumes a value (every type but boolean and count). */
  takesValue: boolean;
  /** Whether it may be given more than once ([array]). */
  repeatable: boolean;
  /** Values it accepts when the help names them: [choices: ...] or a|b|c in the description. */
  values: string[];
  /** The description, on one line, for shells that show one. */
  describe: string;
}

// yargs lays an option out as `  -n, --namespace  text  [string]` or, with no
// alias, `      --pid  text  [array]`; longer descriptions and the type tags
// wrap onto lines indented past the flag column.
const ENTRY = /^ {2}(?:-([A-Za-z0-9]), | {4})--([A-Za-z0-9][\w-]*)(.*)$/;
const TAG = /\[(string|boolean|number|array|count)\]|\[choices: ([^\]]*)\]|\[default: (?:[^\]"]|"[^"]*")*\]|\[required\]/g;
const ALTERNATIVES = /(?:^|[\s:(])([a-z][\w-]*(?:\|[a-z][\w-]*)+)(?=$|[\s,.;)])/;

/** `--help` output → the flags of its "Options:" section, in order. */
export function parseHelp(help: string): FlagSpec[] {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => /^Options:\s*$/.test(l));
  if (start < 0) return [];
  const entries: { short: string | null; long: string; text: string }[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line !== '' && !line.startsWith(' ')) break; // the next section, e.g. "Examples:"
    const m = ENTRY.exec(line);
    if (m) entries.push({ short: m[1] ?? null, long: m[2], text: m[3] });
    else if (entries.length > 0 && line.trim() !== '') entries[entries.length - 1].text += ' ' + line.trim();
  }
  return entries.map(({ short, long, text }) => {
    let type: string | null = null;
    let values: string[] = [];
    for (const t of text.matchAll(TAG)) {
      if (t[1]) type = t[1];
      if (t[2]) values = [...t[2].matchAll(/"([^"]*)"|([^\s,]+)/g)].map((v) => v[1] ?? v[2]);
    }
    const describe = text.replace(TAG, ' ').replace(/\s+/g, ' ').trim();
    if (values.length === 0) values = ALTERNATIVES.exec(describe)?.[1].split('|') ?? [];
    return {
      long,
      short,
      takesValue: type !== null && type !== 'boolean' && type !== 'count',
      repeatable: type === 'array',
      values: type === 'boolean' ? [] : values,
      describe,
    };
  });
}

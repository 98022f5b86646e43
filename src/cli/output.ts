/**
 * -o, parsed once into a format and its argument, as kubectl's printer flags
 * take them: "json", "jsonpath=TEMPLATE", "custom-columns-file=FILE".
 * https://kubernetes.io/docs/reference/kubectl/#output-options
 */
import type { OutputFormat, OutputSpec } from '../render/renderer.js';

export type { OutputFormat, OutputSpec } from '../render/renderer.js';

export const OUTPUT_CHOICES = [
  'table', 'wide', 'json', 'yaml', 'sarif', 'junit', 'jsonpath=', 'jsonpath-file=', 'jsonpath-as-json=', 'custom-columns=', 'custom-columns-file=',
] as const;

const PLAIN = ['table', 'wide', 'json', 'yaml', 'sarif', 'junit'] as const;
const TEMPLATED: Record<string, { format: OutputFormat; file: boolean }> = {
  'jsonpath': { format: 'jsonpath', file: false },
  'jsonpath-file': { format: 'jsonpath', file: true },
  'jsonpath-as-json': { format: 'jsonpath-as-json', file: false },
  'custom-columns': { format: 'custom-columns', file: false },
  'custom-columns-file': { format: 'custom-columns-file', file: true },
};

/** The most bytes of a template file read: a template is never near it. */
export const MAX_TEMPLATE_FILE = 1024 * 1024;

/** "-o VALUE" → the spec, or an error line (the parser's usage error). */
export function parseOutput(value: string, readFile: (path: string) => string): OutputSpec | string {
  if ((PLAIN as readonly string[]).includes(value)) return { format: value as OutputFormat, template: null };
  const eq = value.indexOf('=');
  const name = eq < 0 ? value : value.slice(0, eq);
  const kind = TEMPLATED[name];
  if (!kind) {
    return `unable to match a printer suitable for the output format "${value}", allowed formats are: ` +
      'custom-columns,custom-columns-file,json,jsonpath,jsonpath-as-json,jsonpath-file,junit,sarif,table,wide,yaml';
  }
  const arg = eq < 0 ? '' : value.slice(eq + 1);
  // kubectl's words for a template format without its template.
  if (arg === '') return `${name.startsWith('custom-columns') ? 'custom-columns' : 'template'} format specified but no ${kind.file ? 'template file' : name.startsWith('custom') ? 'custom columns' : 'template'} given`;
  if (!kind.file) return { format: kind.format, template: arg };
  let text: string;
  try {
    text = readFile(arg);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EFBIG') return `the --output file ${arg} is larger than ${MAX_TEMPLATE_FILE} bytes`;
    return `error reading --output file ${arg}: ${code ?? (err as Error).message}`;
  }
  if (text.length > MAX_TEMPLATE_FILE) return `the --output file ${arg} is larger than ${MAX_TEMPLATE_FILE} bytes`;
  return { format: kind.format, template: text };
}

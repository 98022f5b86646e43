import { dump } from 'js-yaml';

// eslint-disable-next-line no-control-regex
const BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const HAS_BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * js-yaml double-quotes and escapes strings with control characters (\e,
 * \x9B), but treats bidi overrides as printable. When one is present, every
 * string is double-quoted, where \uXXXX is a valid escape, and they are escaped.
 */
export function renderYaml(doc: object): string {
  const text = dump(doc, { noRefs: true, lineWidth: -1 });
  if (!HAS_BIDI.test(text)) return text;
  return dump(doc, { noRefs: true, lineWidth: -1, forceQuotes: true, quoteStyle: 'double' })
    .replace(BIDI, (ch) => `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}

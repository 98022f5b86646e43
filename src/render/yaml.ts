import { dump } from 'js-yaml';
import type { PodLevel } from '../judge/levels.js';
import { DOCUMENT_KIND } from './document.js';

// eslint-disable-next-line no-control-regex
const BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const HAS_BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * js-yaml double-quotes and escapes strings with control characters (\e,
 * \x9B), but treats bidi overrides as printable. When one is present, every
 * string is double-quoted, where \uXXXX is a valid escape, and they are escaped.
 */
export function renderYaml(value: unknown): string {
  const text = dump(value, { noRefs: true, lineWidth: -1 });
  if (!HAS_BIDI.test(text)) return text;
  return dump(value, { noRefs: true, lineWidth: -1, forceQuotes: true, quoteStyle: 'double' })
    .replace(BIDI, (ch) => `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}

/**
 * -o yaml, item by item: `kind`, then `items:` with each item dumped as a
 * one-element list and indented under it, then `pods`. The text is what
 * js-yaml gives for the whole document, except that the choice to quote
 * every string (for bidi overrides) is made per item.
 */
export class YamlStream {
  private opened = false;
  private count = 0;

  add(items: readonly Record<string, unknown>[]): string {
    if (items.length === 0) return '';
    let text = this.open();
    for (const item of items) {
      this.count++;
      text += renderYaml([item]).replace(/^(?=.)/gm, '  ');
    }
    return text;
  }

  end(pods: PodLevel[], drift: unknown[] = []): string {
    let text = this.open();
    if (this.count === 0) text = text.replace(/items:\n$/, 'items: []\n');
    if (pods.length) text += renderYaml({ pods });
    if (drift.length) text += renderYaml({ drift });
    return text;
  }

  private open(): string {
    if (this.opened) return '';
    this.opened = true;
    return `kind: ${DOCUMENT_KIND}\nitems:\n`;
  }
}

import type { PodLevel } from '../judge/levels.js';
import { safeJson } from '../safe.js';
import { DOCUMENT_KIND } from './document.js';

/** A document written whole: the same text as the stream below gives. */
export function renderJson(doc: object): string {
  return safeJson(JSON.stringify(doc, null, 2)) + '\n';
}

/**
 * -o json, item by item: the text JSON.stringify(document, null, 2) would
 * give, written as the items come, so a sweep of any size never holds its
 * document. Nothing is written before the first item or the end, so a run
 * that fails at once leaves stdout empty.
 */
export class JsonStream {
  private opened = false;
  private count = 0;

  add(items: readonly Record<string, unknown>[]): string {
    if (items.length === 0) return '';
    // One JSON.stringify for the batch, nested two arrays deep so that its
    // items come out at the document's indentation and with its separators:
    // no pass per line to indent them, and no string built item by item
    // (a 400-process read made 18 MB of short-lived text that way).
    const nested = JSON.stringify([items], null, 2);
    const body = nested.slice(NESTED_OPEN.length, nested.length - NESTED_CLOSE.length);
    const text = this.open() + (this.count === 0 ? '\n' : ',\n') + body;
    this.count += items.length;
    return safeJson(text);
  }

  /** The end of the document: the items closed, then `pods` when there are any. Not called when the read was cut. */
  end(pods: PodLevel[], drift: unknown[] = []): string {
    let text = this.open() + (this.count ? '\n  ]' : ']');
    if (pods.length) text += `,\n  "pods": ${indent(JSON.stringify(pods, null, 2), '  ').trimStart()}`;
    if (drift.length) text += `,\n  "drift": ${indent(JSON.stringify(drift, null, 2), '  ').trimStart()}`;
    return safeJson(text + '\n}\n');
  }

  /** How many items were written. */
  get written(): number {
    return this.count;
  }

  private open(): string {
    if (this.opened) return '';
    this.opened = true;
    return `{\n  "kind": ${JSON.stringify(DOCUMENT_KIND)},\n  "items": [`;
  }
}

const NESTED_OPEN = '[\n  [\n';
const NESTED_CLOSE = '\n  ]\n]';

function indent(text: string, pad: string): string {
  return pad + text.replace(/\n/g, `\n${pad}`);
}

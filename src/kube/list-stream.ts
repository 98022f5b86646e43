/**
 * A list's body, parsed item by item as its bytes arrive.
 *
 * A page of 500 pods as real clusters serve them is about 6 MB of JSON
 * (managedFields and the last-applied annotation make most of a pod's
 * 12 KB). Parsed whole, it becomes about 25 MB of objects that all live until
 * the parse ends, so the garbage collector promotes them to the old
 * generation, and the heap grows far beyond what the sweep keeps. Here each
 * element of the top-level "items" array is cut out of the byte stream,
 * parsed on its own and handed to `each` (which keeps only what the tool
 * needs), so at most one raw item is alive at a time and no page is ever held
 * as one string.
 *
 * The scan only finds where elements begin and end (strings, escapes and
 * nesting); JSON.parse still validates every byte: each element is parsed,
 * and so is the rest of the body with the array left empty (`"items":[]`),
 * which keeps metadata (the continue token, remainingItemCount).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export class ListTooLarge extends Error {}

export class ListSplitter<T> {
  readonly items: T[] = [];
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The top-level value is an object: its depth-1 strings alternate key, value. */
  private topObject = false;
  private expectKey = false;
  private keyBytes: number[] | null = null;
  private lastKey = '';
  /** Inside the top-level "items" array (its elements are at depth 2). */
  private inItems = false;
  private afterComma = false;
  /** Bytes of the element being read, when one is. */
  private element: Buffer[] | null = null;
  private elementSize = 0;
  /** Bytes outside the elements: the body with an empty items array. */
  private skeleton: Buffer[] = [];
  private skeletonSize = 0;

  constructor(private readonly each: (raw: unknown, index: number) => T, private readonly maxItem: number, private readonly maxSkeleton: number) {}

  push(chunk: Buffer): void {
    let from = 0; // start of the run of this chunk not yet assigned to the element or the skeleton
    const n = chunk.length;
    let i = 0;
    let nextBackslash = -2;
    while (i < n) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          if (this.keyBytes) this.keyBytes.push(chunk[i]);
          i++;
          continue;
        }
        const q = chunk.indexOf(QUOTE, i);
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = chunk.indexOf(BACKSLASH, i);
        const end = q === -1 ? n : q;
        if (nextBackslash !== -1 && nextBackslash < end) {
          if (this.keyBytes) for (let k = i; k <= nextBackslash; k++) this.keyBytes.push(chunk[k]);
          this.escaped = true;
          i = nextBackslash + 1;
          continue;
        }
        if (this.keyBytes) for (let k = i; k < end; k++) this.keyBytes.push(chunk[k]);
        if (q === -1) {
          i = n;
          continue;
        }
        this.inString = false;
        if (this.keyBytes) {
          // Decoded as JSON decodes it, escapes and all.
          try {
            this.lastKey = JSON.parse(`"${Buffer.from(this.keyBytes).toString('utf8')}"`) as string;
          } catch {
            this.lastKey = '';
          }
          this.keyBytes = null;
        }
        i = q + 1;
        continue;
      }
      const c = chunk[i];
      if (this.inItems && this.depth === 2) {
        // Between elements of the items array, or at the end of one.
        if (c === 0x2c /* , */ || c === 0x5d /* ] */) {
          // A comma with no element before it, or none after it: `[,`, `,,`, `,]`.
          if (!this.element && (c === 0x2c || this.afterComma)) throw new SyntaxError('an empty element in the list');
          this.afterComma = c === 0x2c;
          if (this.element) {
            this.appendElement(chunk, from, i);
            this.finishElement();
            from = i;
          }
          if (c === 0x2c) {
            // The comma belongs to neither: the skeleton keeps an empty array.
            this.appendSkeleton(chunk, from, i);
            from = i + 1;
            i++;
            continue;
          }
          this.inItems = false;
        } else if (!this.element && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
          this.appendSkeleton(chunk, from, i);
          from = i;
          this.element = [];
          this.elementSize = 0;
        }
      }
      switch (c) {
        case QUOTE:
          this.inString = true;
          if (this.depth === 1 && this.topObject && this.expectKey) this.keyBytes = [];
          break;
        case 0x7b: // {
        case 0x5b: // [
          if (this.depth === 0) {
            this.topObject = c === 0x7b;
            this.expectKey = this.topObject;
          } else if (this.depth === 1 && c === 0x5b && this.topObject && !this.expectKey && this.lastKey === 'items') {
            this.inItems = true;
          }
          this.depth++;
          break;
        case 0x7d: // }
        case 0x5d: // ]
          this.depth--;
          break;
        case 0x2c: // ,
          if (this.depth === 1 && this.topObject) this.expectKey = true;
          break;
        case 0x3a: // :
          if (this.depth === 1 && this.topObject) this.expectKey = false;
          break;
      }
      i++;
    }
    if (this.element) this.appendElement(chunk, from, n);
    else this.appendSkeleton(chunk, from, n);
  }

  /** The body without its items (metadata and all), once every byte has come. */
  finish(): unknown {
    if (this.element || this.inString || this.depth !== 0) throw new SyntaxError('the list ends in the middle of a value');
    return JSON.parse(Buffer.concat(this.skeleton, this.skeletonSize).toString('utf8'));
  }

  private appendElement(chunk: Buffer, from: number, to: number): void {
    if (to <= from) return;
    this.elementSize += to - from;
    if (this.elementSize > this.maxItem) throw new ListTooLarge(`item ${this.items.length} of the list is larger than ${this.maxItem} bytes`);
    this.element!.push(chunk.subarray(from, to));
  }

  private appendSkeleton(chunk: Buffer, from: number, to: number): void {
    if (to <= from) return;
    this.skeletonSize += to - from;
    if (this.skeletonSize > this.maxSkeleton) throw new ListTooLarge(`the list's own fields are larger than ${this.maxSkeleton} bytes`);
    // A copy: a view would keep the whole chunk (and so the page) alive for a few bytes of it.
    this.skeleton.push(Buffer.from(chunk.subarray(from, to)));
  }

  private finishElement(): void {
    const parts = this.element!;
    this.element = null;
    const text = (parts.length === 1 ? parts[0] : Buffer.concat(parts, this.elementSize)).toString('utf8');
    this.items.push(this.each(JSON.parse(text), this.items.length));
  }
}

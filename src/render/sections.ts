import { displayWidth, formatColumns, GAP } from './columns.js';

/**
 * The detail view's sections (FINDINGS, CONTROLS, CAPABILITIES, SIGNALS):
 * kubectl's borderless columns (src/render/columns.ts, the printer lists
 * stream through), with the long text of a wrapping column (a finding's
 * message, a list of names) wrapped at spaces to the terminal's width, and
 * a word wider than its column (a URL) broken after a "/". Widths are
 * visible widths (displayWidth). Cells arrive made safe (src/safe.ts).
 *
 * cli-table3 was measured for these sections and not taken: the same text,
 * at 20 to 450 times the cost per view (README, "Which printer draws what";
 * `npm run bench:detail` measures it again).
 */
export interface SectionStyle {
  /** Columns to fit. */
  width: number;
  /** Bold header (a terminal, no NO_COLOR). */
  color: boolean;
}

/** A section: its header (null for --no-headers), its rows, and which columns wrap. */
export function section(head: string[] | null, rows: string[][], wraps: boolean[], style: SectionStyle): string {
  if (tooNarrow(head, rows, wraps, style.width)) return stacked(head, rows, wraps, style);
  const widths = widthsFor(head, rows, wraps, style.width);
  // Each wrapped line is a line of its own, with the other columns blank.
  const lines: string[][] = [];
  for (const row of rows) {
    const split = row.map((cell, c) => (wraps[c] ? wrapWords(cell, widths[c]) : [cell]));
    const height = Math.max(...split.map((l) => l.length));
    for (let i = 0; i < height; i++) lines.push(split.map((l) => l[i] ?? ''));
  }
  return formatColumns(head, lines, widths, style.color);
}

/** Indent of a wrapping column's text under its row, when the row has no room for it. */
const STACK_INDENT = 4;

/** The columns that do not wrap leave a wrapping one less than its longest word (or piece of a URL). */
function tooNarrow(head: string[] | null, rows: string[][], wraps: boolean[], width: number): boolean {
  let need = GAP * (wraps.length - 1);
  for (let c = 0; c < wraps.length; c++) {
    const cells = rows.map((r) => r[c]);
    need += Math.max(head ? displayWidth(head[c]) : 0, ...cells.map(wraps[c] ? longestPiece : displayWidth));
  }
  return need > width;
}

/**
 * A narrow terminal: the columns that do not wrap on the row's line, and
 * each wrapping column's text below it, indented, across the whole width.
 */
function stacked(head: string[] | null, rows: string[][], wraps: boolean[], style: SectionStyle): string {
  const keep = <T,>(cells: T[]): T[] => cells.filter((_, c) => !wraps[c]);
  const widths = widthsFor(head ? keep(head) : null, rows.map(keep), keep(wraps.map(() => false)), style.width);
  let out = head ? formatColumns(keep(head), [], widths, style.color) : '';
  const pad = ' '.repeat(STACK_INDENT);
  for (const row of rows) {
    out += formatColumns(null, [keep(row)], widths, false);
    for (const [c, cell] of row.entries()) {
      if (wraps[c] && cell) for (const line of wrapWords(cell, Math.max(style.width - STACK_INDENT, 1))) out += `${pad}${line}\n`;
    }
  }
  return out;
}

/** Each column's width: its natural one, with the wrapping columns sharing what the width leaves. */
export function widthsFor(head: string[] | null, rows: string[][], wraps: boolean[], width: number): number[] {
  const natural = wraps.map((_, c) => Math.max(head ? displayWidth(head[c]) : 0, ...rows.map((r) => displayWidth(r[c]))));
  const fixed = natural.reduce((sum, w, c) => sum + (wraps[c] ? 0 : w), 0) + GAP * (natural.length - 1);
  const wrapping = natural.reduce((sum, w, c) => sum + (wraps[c] ? w : 0), 0);
  const room = Math.max(width - fixed, 0);
  // Never narrower than the longest name or piece of a URL, so neither is broken mid-word.
  const floors = natural.map((_, c) => (wraps[c] ? Math.max(head ? displayWidth(head[c]) : 0, ...rows.map((r) => longestPiece(r[c]))) : 0));
  const widths = natural.map((w, c) => (!wraps[c] || wrapping <= room ? w : Math.max(Math.floor((room * w) / wrapping), floors[c])));
  // Columns held at their floor push the others past the width: take it back from those with room to spare.
  let excess = widths.reduce((sum, w, c) => sum + (wraps[c] ? w : 0), 0) - room;
  while (excess > 0) {
    const c = widths.reduce((best, w, i) => (wraps[i] && w - floors[i] > (best < 0 ? 0 : widths[best] - floors[best]) ? i : best), -1);
    if (c < 0) break;
    const take = Math.min(excess, widths[c] - floors[c]);
    widths[c] -= take;
    excess -= take;
  }
  return widths;
}

/** `Label:  text`, the text wrapped to the width under itself (a hanging indent). */
export function hanging(label: string, text: string, width: number): string[] {
  const pad = displayWidth(label);
  return wrapWords(text, Math.max(width - pad, 20)).map((line, i) => (i ? ' '.repeat(pad) : label) + line.trimStart());
}

/**
 * Text → lines no wider than `width`, broken at spaces. A word wider than
 * that (a URL) takes lines of its own, broken after its "/"s; a piece wider
 * still keeps its own line.
 */
export function wrapWords(text: string, width: number): string[] {
  if (displayWidth(text) <= width) return [text];
  const lines: string[] = [];
  let line = '';
  let used = 0;
  for (const word of text.split(' ')) {
    const w = displayWidth(word);
    if (w > width) {
      const parts = breakWord(word, width);
      if (line) lines.push(line);
      lines.push(...parts.slice(0, -1));
      line = parts[parts.length - 1];
      used = displayWidth(line);
    } else if (line && used + 1 + w > width) {
      lines.push(line);
      line = word;
      used = w;
    } else {
      used = line ? used + 1 + w : w;
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines;
}

/** The pieces a word may be broken into: after each "/" of a URL or path. */
function pieces(word: string): string[] {
  return word.split(/(?<=\/)/);
}

function longestPiece(text: string): number {
  return Math.max(0, ...text.split(' ').flatMap(pieces).map(displayWidth));
}

/** A word wider than `width`, as lines of its pieces, each line as full as it can be. */
function breakWord(word: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const piece of pieces(word)) {
    if (line && displayWidth(line) + displayWidth(piece) > width) {
      lines.push(line);
      line = '';
    }
    line += piece;
  }
  lines.push(line);
  return lines;
}

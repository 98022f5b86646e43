/**
 * kubectl-style columns: cells padded to their column's width, three spaces
 * between columns, no borders. Linear in the number of cells; a table of a
 * few hundred processes is most of what this tool prints.
 */
export const GAP = 3;

export function formatColumns(head: string[] | null, lines: string[][], widths: number[], bold: boolean): string {
  const out: string[] = [];
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === cells.length - 1 ? cell : cell + ' '.repeat(Math.max(widths[c] - displayWidth(cell), 0))))
      .join(' '.repeat(GAP)).trimEnd();
  if (head) out.push(bold ? `\u001b[1m${line(head)}\u001b[22m` : line(head));
  for (const cells of lines) out.push(line(cells));
  return out.join('\n') + '\n';
}

/**
 * Columns a string takes in a terminal: East Asian wide and emoji code points
 * take two, combining marks none (a cheap subset of UAX #11, enough for
 * process names, which are at most 15 bytes).
 */
export function displayWidth(text: string): number {
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u02ff]*$/.test(text)) return text.length;
  let width = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || cp === 0xfe0f) continue;
    width += (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd) ? 2 : 1;
  }
  return width;
}

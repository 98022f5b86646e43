// The detail view's sections drawn by cli-table3, for scripts/bench-detail.mjs
// only: a drop-in for src/render/sections.ts's section(), same arguments, same
// widths, kubectl's borderless look (no box characters, three spaces between
// columns, no padding, header as given). The tool does not use it: see the
// README, "Which printer draws what".
//
// CLI_TABLE3_MODE (set by the bench when it bundles this):
//   wrap  cli-table3 wraps the long cells itself (wordWrap). A word wider than
//         its column (a URL) is broken after its "/"s with line breaks first,
//         since cli-table3 would cut it with "…".
//   rows  each cell wrapped here, one table row per line: cli-table3 only pads.
import Table from 'cli-table3';
import { GAP } from '../../src/render/columns.ts';
import { widthsFor, wrapWords, type SectionStyle } from '../../src/render/sections.ts';

// The Level: line is not a section: drawn as the tool draws it, whichever way draws the sections.
export { hanging } from '../../src/render/sections.ts';

declare const CLI_TABLE3_MODE: 'wrap' | 'rows';

const BORDERLESS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '',
  middle: ' '.repeat(GAP),
};

export function section(head: string[] | null, rows: string[][], wraps: boolean[], style: SectionStyle): string {
  const widths = widthsFor(head, rows, wraps, style.width);
  const table = new Table({
    ...(head ? { head } : {}),
    chars: BORDERLESS,
    style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [] },
    colWidths: widths,
    wordWrap: CLI_TABLE3_MODE === 'wrap',
  });
  for (const row of rows) {
    if (CLI_TABLE3_MODE === 'wrap') {
      table.push(row.map((cell, c) => (wraps[c] ? cell.split(' ').map((w) => wrapWords(w, widths[c]).join('\n')).join(' ') : cell)));
    } else {
      const split = row.map((cell, c) => (wraps[c] ? wrapWords(cell, widths[c]) : [cell]));
      const height = Math.max(...split.map((l) => l.length));
      for (let i = 0; i < height; i++) table.push(split.map((l) => l[i] ?? ''));
    }
  }
  // Every column is padded to its width, the last too: no line ends in spaces.
  const lines = table.toString().split('\n').map((line) => line.trimEnd());
  if (head && style.color) lines[0] = `\u001b[1m${lines[0]}\u001b[22m`;
  return lines.join('\n') + '\n';
}

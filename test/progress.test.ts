import { describe, expect, it } from 'vitest';
import { progressBar } from '../src/render/progress.js';

function stream(isTTY: boolean) {
  const out: string[] = [];
  return { out, isTTY, write: (t: string) => out.push(t) };
}

describe('progress bar', () => {
  it('draws on a terminal for a long sweep, and clears itself at the end', () => {
    const s = stream(true);
    const bar = progressBar(s, true);
    for (let i = 0; i <= 10; i++) bar(i, 10);
    expect(s.out[3]).toMatch(/^\r\[#{9}-{21}\] 3\/10 containers$/);
    expect(s.out.at(-1)).toBe('\r\u001b[K');
  });

  it('nothing when stderr is not a terminal, for json/yaml (disabled), or for a short sweep', () => {
    for (const [tty, enabled, total] of [[false, true, 10], [true, false, 10], [true, true, 3]] as const) {
      const s = stream(tty);
      const bar = progressBar(s, enabled);
      for (let i = 0; i <= total; i++) bar(i, total);
      expect(s.out).toEqual([]);
    }
  });
});

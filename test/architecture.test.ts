// The flow argv → options → source → parse → judge → render, held in the
// imports: each stage imports only what comes before it, and nothing imports
// in a circle. Read from the source files themselves.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** src-relative path → the src-relative paths it imports (static, dynamic and type-only alike). */
const graph = new Map<string, string[]>();
for (const file of files(SRC)) {
  const text = readFileSync(file, 'utf8');
  const deps = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)]
    .map((m) => relative(SRC, resolve(dirname(file), m[1])).replace(/\.js$/, '.ts'));
  graph.set(relative(SRC, file), deps);
}

const importers = (pred: (dep: string) => boolean) =>
  [...graph].flatMap(([file, deps]) => deps.filter(pred).map((dep) => `${file} → ${dep}`));

describe('the architecture, in the imports', () => {
  it('options.ts is read by the CLI, run and app only: nothing below sees a flag', () => {
    const allowed = (f: string) => f.startsWith('cli/') || f === 'run.ts' || f === 'app.ts';
    expect(importers((d) => d === 'cli/options.ts').filter((e) => !allowed(e.split(' → ')[0]))).toEqual([]);
  });

  it.each([
    ['kube/', ['render/', 'cli/', 'judge/', 'sources/']],
    ['judge/', ['render/', 'cli/', 'kube/', 'sources/', 'read/']],
    ['render/', ['cli/', 'kube/', 'sources/', 'read/']],
    ['record/', ['render/', 'cli/', 'kube/', 'sources/', 'judge/']],
    ['read/', ['render/', 'cli/', 'judge/', 'sources/']],
    ['procfs/', ['render/', 'cli/', 'kube/', 'sources/', 'judge/', 'read/', 'record/']],
    ['decode/', ['render/', 'cli/', 'kube/', 'sources/', 'judge/', 'read/', 'record/', 'procfs/']],
  ])('%s imports none of %j', (room, later) => {
    const bad = [...graph].filter(([f]) => f.startsWith(room))
      .flatMap(([f, deps]) => deps.filter((d) => later.some((l) => d.startsWith(l))).map((d) => `${f} → ${d}`));
    expect(bad).toEqual([]);
  });

  it('no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].join(' → '));
        return;
      }
      state.set(f, 'open');
      for (const d of graph.get(f) ?? []) visit(d, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('every import names a file that exists', () => {
    expect([...graph].flatMap(([f, deps]) => deps.filter((d) => !graph.has(d)).map((d) => `${f} → ${d}`))).toEqual([]);
  });
});

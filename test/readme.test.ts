// The README's flag table must name every flag the built tool accepts, so it
// cannot go stale silently.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

it('every flag in --help is in the README flag table', () => {
  const help = runCli(['--help']).stdout;
  const flags = [...new Set([...help.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]+)/gm)].map((m) => m[1]))];
  expect(flags.length).toBeGreaterThan(15);
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const table = readme.slice(readme.indexOf('## Flags'), readme.indexOf('## JSON'));
  expect(flags.filter((f) => !table.includes(`\`${f}`) && !table.includes(`, ${f}`))).toEqual([]);
});

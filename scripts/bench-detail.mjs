// npm run bench:detail [-- --runs N]
//
// The detail view of one process with its sections (FINDINGS, CONTROLS,
// CAPABILITIES, SIGNALS) drawn three ways: by the tool's own printer
// (src/render/sections.ts), and by cli-table3 through a drop-in with the same
// arguments (scripts/bench/sections-cli-table3.ts), which either wraps the
// long cells itself ("cli-table3 wrap") or is given them wrapped, one row per
// line ("cli-table3 rows"). The README's "Which printer draws what" gives its
// figures; timing lives here and only here, never in a test.
//
// Each way is the whole tool bundled as scripts/build.mjs bundles it, with
// src/render/table.ts's import of ./sections.js pointed at the drop-in. Two
// processes are drawn, from captured status texts, in a pod (so all four
// sections show): the host's PID 1, with every capability and findings of
// 1,500 characters, and a restricted pod's PID 1.
//
// 1. Text: lines that differ from the tool's own, lines wider than the width,
//    and cells cut with "…", at several widths.
// 2. One detail view drawn, warm: the median.
// 3. The first detail view in a fresh process (module evaluation included).
// 4. The executables: `--pid 1` on this machine, in interleaved runs through
//    scripts/bench/runner.py (wall and CPU time from wait4(2)), and their size.
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { bundle, wrap } from './build.mjs';
import { median, startRunner } from './bench/timing.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '21' } } });
const RUNS = Number(args.runs);
const WIDTHS = [60, 80, 100, 120, 160, 200];
const work = join(root, '.cache/bench/detail');
mkdirSync(work, { recursive: true });

/** esbuild plugins that draw the sections with cli-table3 in `mode`; none for the tool's own printer. */
function drawnBy(mode) {
  if (mode === null) return [];
  return [{
    name: 'sections-by-cli-table3',
    setup(b) {
      b.onResolve({ filter: /^\.\/sections\.js$/ }, (a) => (/src[\\/]render[\\/]table\.ts$/.test(a.importer)
        ? { path: join(root, 'scripts/bench/sections-cli-table3.ts') } : undefined));
      // cli-table3 colours a header or border style through @colors/colors; none is given.
      b.onResolve({ filter: /^@colors\/colors\/safe$/ }, () => ({ path: 'colors', namespace: 'unused' }));
      b.onLoad({ filter: /.*/, namespace: 'unused' }, () => ({ contents: 'throw new Error("unused");', loader: 'js' }));
    },
  }];
}
const WAYS = { 'tool (sections.ts)': null, 'cli-table3 wrap': 'wrap', 'cli-table3 rows': 'rows' };
const define = (mode) => ({ CLI_TABLE3_MODE: JSON.stringify(mode ?? 'wrap') });

/** A script that draws the detail view: `node HARNESS text W…` | `warm N` | `first`. */
async function harness(mode, name) {
  const entry = `
    import { readFileSync } from 'node:fs';
    import { judge } from './src/judge/judge.ts';
    import { podPolicy } from './src/sources/policy.ts';
    import { renderTable } from './src/render/table.ts';
    import { statusRecord } from './test/helpers/records.ts';
    const WEB = { namespace: 'default', pod: 'web', container: 'app' };
    const policy = podPolicy({ metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app' }] } }, { name: 'app' });
    const judged = (file) => judge(statusRecord(WEB, 1, readFileSync(${JSON.stringify(join(root, 'test/fixtures/status'))} + '/' + file, 'utf8')), policy);
    const processes = { privileged: judged('pid1-host-6.18.txt'), restricted: judged('restricted-pod-6.18.txt') };
    const spec = { show: { capabilities: true, signals: true }, wide: false, noHeaders: false };
    const draw = (j, width) => renderTable([j], spec, { width, color: false, now: Date.parse('2026-12-06T00:00:00Z') });
    const ms = () => Number(process.hrtime.bigint()) / 1e6;
    const [mode, ...rest] = process.argv.slice(2);
    if (mode === 'text') {
      process.stdout.write(JSON.stringify(Object.fromEntries(rest.map((w) => [w, draw(processes.privileged, Number(w))]))));
    } else if (mode === 'first') {
      const t = ms();
      draw(processes.privileged, 100);
      process.stdout.write(String(ms() - t));
    } else {
      const out = {};
      for (const [name, j] of Object.entries(processes)) {
        const t0 = ms();
        for (let i = 0; i < 3; i++) draw(j, 100);
        const per = Math.max((ms() - t0) / 3, 0.001);
        const batch = Math.max(1, Math.min(200, Math.round(20 / per)));
        const times = [];
        for (let i = 0; i < Number(rest[0]); i++) {
          const t = ms();
          for (let k = 0; k < batch; k++) draw(j, 100);
          times.push((ms() - t) / batch);
        }
        out[name] = times.sort((a, b) => a - b)[times.length >> 1];
      }
      process.stdout.write(JSON.stringify(out));
    }`;
  const result = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'ts', sourcefile: 'harness.ts' },
    bundle: true, platform: 'node', target: 'node22', format: 'cjs', minify: true, write: false, logLevel: 'error',
    define: { __VERSION__: '"bench"', 'import.meta.url': '"file:///bench"', ...define(mode) },
    plugins: drawnBy(mode),
  });
  const file = join(work, `${name}-harness.cjs`);
  writeFileSync(file, result.outputFiles[0].text);
  return file;
}

const node = (file, ...argv) => spawnSync(process.execPath, [file, ...argv], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout;
const fmt = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : ms < 100 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(0)} ms`);
const slug = (way) => way.replace(/\W+/g, '-');

const harnesses = {};
for (const [way, mode] of Object.entries(WAYS)) harnesses[way] = await harness(mode, slug(way));
const [own] = Object.keys(WAYS);

console.log('1. Text of the detail view of the privileged process, against the tool\'s own');
console.log('way                  width   lines   lines that differ   lines wider than the width   cut with …');
const texts = Object.fromEntries(Object.entries(harnesses).map(([way, h]) => [way, JSON.parse(node(h, 'text', ...WIDTHS.map(String)))]));
for (const [way, byWidth] of Object.entries(texts)) {
  for (const w of WIDTHS) {
    const [a, b] = [texts[own][w].split('\n'), byWidth[w].split('\n')];
    const differ = Math.max(a.length, b.length) - b.filter((l, i) => l === a[i]).length;
    const over = b.filter((l) => [...l].length > w).length;
    console.log(`${way.padEnd(21)}${String(w).padEnd(8)}${String(b.length).padEnd(8)}${String(differ).padEnd(20)}${String(over).padEnd(29)}${(byWidth[w].match(/…/g) ?? []).length}`);
  }
  writeFileSync(join(work, `${slug(way)}-100.txt`), byWidth[100]);
}
console.log(`(each way's text at width 100: ${work}/*-100.txt)`);

console.log(`\n2. One detail view drawn, warm (median of ${RUNS} batches)`);
console.log('way                  privileged    restricted');
for (const [way, h] of Object.entries(harnesses)) {
  const r = JSON.parse(node(h, 'warm', String(RUNS)));
  console.log(`${way.padEnd(21)}${fmt(r.privileged).padEnd(14)}${fmt(r.restricted)}`);
}

console.log(`\n3. The first detail view in a fresh process, the privileged one (median of ${RUNS} processes)`);
for (const [way, h] of Object.entries(harnesses)) {
  const times = Array.from({ length: RUNS }, () => Number(node(h, 'first')));
  console.log(`${way.padEnd(21)}${fmt(median(times))}`);
}

const tools = {};
for (const [way, mode] of Object.entries(WAYS)) {
  tools[way] = join(work, `kubectl-procstatus-${slug(way)}`);
  writeFileSync(tools[way], wrap(await bundle('src/main.ts', define(mode), { plugins: drawnBy(mode) })), { mode: 0o755 });
}
// The bench's own runner client (scripts/bench/timing.mjs): a run that fails stops the bench rather than being timed.
const runner = startRunner();
const time = (argv) => runner.once(argv, { PATH: process.env.PATH, COLUMNS: '100' });
console.log(`\n4. The executables: --pid 1 on this machine, the detail view (median of ${RUNS} interleaved runs)`);
console.log('way                  wall      CPU       size');
const results = Object.fromEntries(Object.keys(tools).map((way) => [way, []]));
for (const way of Object.keys(tools)) await time([process.execPath, tools[way], '--pid', '1']); // warm the compile caches
for (let i = 0; i < RUNS; i++) {
  const order = Object.keys(tools);
  for (const way of i % 2 ? order.reverse() : order) results[way].push(await time([process.execPath, tools[way], '--pid', '1']));
}
await runner.stop();
for (const [way, rs] of Object.entries(results)) {
  const kib = `${(statSync(tools[way]).size / 1024).toFixed(0)} KiB`;
  console.log(`${way.padEnd(21)}${`${median(rs.map((x) => x.ms)).toFixed(0)} ms`.padEnd(10)}${`${median(rs.map((x) => x.cpu)).toFixed(0)} ms`.padEnd(10)}${kib}`);
}

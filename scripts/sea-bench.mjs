// Start-up of the standalone linux-amd64 executable against the bundle:
// median wall time of `--version` over N runs (default 21), each way.
//
//   node scripts/release.mjs --only linux-amd64 && node scripts/sea-bench.mjs [N]
//
// Ways: the SEA as released (V8 code cache in the blob), the same SEA built
// without the code cache, and the npm bundle run by this Node (its compile
// cache warmed by the first run).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBase } from './release-node.mjs';
import { TARGETS } from './release-targets.mjs';
import { buildSea } from './sea.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 21);
const sea = join(root, 'release/work/linux-amd64/kubectl-procstatus');
const main = join(root, 'release/work/kubectl-procstatus.sea.cjs');
if (!existsSync(sea)) {
  console.error('no release/work/linux-amd64/kubectl-procstatus: run node scripts/release.mjs --only linux-amd64 first');
  process.exit(1);
}
const base = nodeBase(TARGETS.find((t) => t.id === 'linux-amd64').node).bin;
const noCache = join(root, '.cache/bench/kubectl-procstatus-no-code-cache');
mkdirSync(join(root, '.cache/bench'), { recursive: true });
await buildSea({ main, base, blobMaker: base, format: 'elf', out: noCache, codeCache: false });

const rows = [
  ['SEA, code cache (as released)', sea, ['--version']],
  ['SEA, no code cache', noCache, ['--version']],
  [`node ${process.version} dist/kubectl-procstatus (compile cache)`, process.execPath, [join(root, 'dist/kubectl-procstatus'), '--version']],
  [`node ${process.version} dist/kubectl-procstatus.cjs (no cache)`, process.execPath, [join(root, 'dist/kubectl-procstatus.cjs'), '--version']],
  [`node ${process.version} -e (Node alone, for scale)`, process.execPath, ['-e', 'process.stdout.write("kubectl-procstatus \\n")']],
];

function once(cmd, args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0 || !/^kubectl-procstatus /.test(r.stdout)) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

// Round-robin, so that load from elsewhere on the machine falls on every way alike.
const times = rows.map(() => []);
for (const [, cmd, args] of rows) once(cmd, args); // warm-up: page cache, compile cache
for (let i = 0; i < runs; i++) rows.forEach(([, cmd, args], k) => times[k].push(once(cmd, args)));
console.log(`median of ${runs} runs of --version:`);
rows.forEach(([label], k) => {
  const sorted = times[k].sort((a, b) => a - b);
  console.log(`  ${sorted[Math.floor(sorted.length / 2)].toFixed(1).padStart(6)} ms  ${label}`);
});

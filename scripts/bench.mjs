// npm run bench: kubectl-procstatus against the yardsticks users reach for
// today, in the same run, on the test API server with real namespaced pods.
// Prints medians, ratios and peak memory (max RSS). Timing lives here and only
// here: tests never assert on time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { startApiServer, canMakeNamespaces, identicalPodsFixture, CLUSTER_FIXTURE } = await import('../test/apiserver/harness.ts');
const TOOL = join(root, 'dist', 'kubectl-procstatus');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

if (!canMakeNamespaces()) {
  console.error('bench: cannot make PID/mount namespaces here (needs root and unshare); nothing measured');
  process.exit(1);
}
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
if (!hasKubectl) {
  console.error('bench: kubectl is not on PATH; the yardsticks need it');
  process.exit(1);
}

const cluster = JSON.parse(readFileSync(CLUSTER_FIXTURE, 'utf8'));
const keep = new Set(['web', 'busy']);
const fixture = {
  namespaces: ['default'],
  pods: [...cluster.pods.filter((p) => keep.has(p.metadata.name) && (p.metadata.namespace ?? 'default') === 'default'),
    ...identicalPodsFixture({ count: 50, prefix: 'sweep' }).pods],
};
console.error('bench: starting the test API server with 52 pods (one with 400 processes)…');
const api = await startApiServer({ fixture, timeoutMs: 120_000 });
const env = { ...process.env, KUBECONFIG: api.kubeconfig, NO_COLOR: '1' };
const scratch = mkdtempSync(join(tmpdir(), 'procstatus-bench-'));

/** One run: wall time in ms, and max RSS in KiB (from GNU time, when present). */
function once(argv) {
  const rss = join(scratch, 'rss');
  const cmd = TIME ? [TIME, '-f', '%M', '-o', rss, ...argv] : argv;
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd[0], cmd.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  const kib = TIME ? Number(readFileSync(rss, 'utf8').trim().split('\n').pop()) : NaN;
  return { ms, kib };
}

/** A case is a list of commands run back to back (a loop of execs is many). */
function measure(commands, runs = RUNS) {
  once(commands[0]); // warm: the compile cache, TLS, page cache
  const times = [];
  let peak = 0;
  for (let i = 0; i < runs; i++) {
    let total = 0;
    for (const c of commands) {
      const r = once(c);
      total += r.ms;
      peak = Math.max(peak, r.kib);
    }
    times.push(total);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], peakMiB: peak / 1024 };
}

const pids20 = Array.from({ length: 20 }, (_, i) => i + 1);
const kexec = (pod, ...cmd) => ['kubectl', 'exec', pod, '--', ...cmd];
const cases = [
  {
    name: 'one PID', target: 1.25,
    ours: [[TOOL, 'web', '--pid', '1']],
    yardsticks: { 'kubectl exec cat': [kexec('web', 'cat', '/proc/1/status')] },
  },
  {
    name: '20 PIDs', target: 1.3,
    ours: [[TOOL, 'busy', '--pid', pids20.join(',')]],
    yardsticks: {
      'one kubectl exec cat': [kexec('busy', 'cat', ...pids20.map((p) => `/proc/${p}/status`))],
      'loop of 20 kubectl execs': pids20.map((p) => kexec('busy', 'cat', `/proc/${p}/status`)),
    },
    runs: { 'loop of 20 kubectl execs': 5 },
  },
  {
    name: '--all-pids (400)', target: 1.5,
    ours: [[TOOL, 'busy', '--all-pids']],
    yardsticks: { "kubectl exec sh -c 'cat /proc/[0-9]*/status'": [kexec('busy', 'sh', '-c', 'cat /proc/[0-9]*/status')] },
  },
  {
    name: 'local --all-pids', target: null,
    ours: [[TOOL, '--all-pids']],
    yardsticks: { 'ps -e -o pid,comm,caught,ignored,blocked': [['ps', '-e', '-o', 'pid,comm,caught,ignored,blocked']] },
  },
  {
    name: 'start-up (--version)', target: 1.3,
    ours: [[TOOL, '--version']],
    yardsticks: { 'kubectl version --client': [['kubectl', 'version', '--client']] },
  },
  {
    name: 'sweep of 50 pods', target: 3,
    ours: [[TOOL, '-l', 'app=sweep', '--pid', '1']],
    yardsticks: { 'one pod (same tool)': [[TOOL, 'sweep-0', '--pid', '1']] },
  },
];

const rows = [];
try {
  for (const c of cases) {
    const ours = measure(c.ours);
    for (const [label, commands] of Object.entries(c.yardsticks)) {
      const y = measure(commands, c.runs?.[label] ?? RUNS);
      const ratio = ours.median / y.median;
      const first = label === Object.keys(c.yardsticks)[0];
      const verdict = c.target === null || !first ? '' : ratio <= c.target ? `ok (≤ ${c.target}x)` : `MISSED (target ${c.target}x)`;
      rows.push([c.name, label, ours.median.toFixed(0), y.median.toFixed(0), `${ratio.toFixed(2)}x`, verdict,
        ours.peakMiB.toFixed(0), y.peakMiB.toFixed(0)]);
      console.error(`bench: ${c.name} vs ${label}: ${ratio.toFixed(2)}x`);
    }
  }
} finally {
  await api.stop();
  rmSync(scratch, { recursive: true, force: true });
}

const head = ['case', 'yardstick', 'ours ms', 'yardstick ms', 'ratio', 'target', 'ours MiB', 'yardstick MiB'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
console.log(`medians of ${RUNS} runs (loops: 5), ${new Date().toISOString().slice(0, 10)}, ${process.version}, ` +
  `${(await import('node:os')).cpus().length} cores`);
console.log(line(head));
for (const r of rows) console.log(line(r));
const memoryOk = rows.every((r) => Number(r[6]) <= 100);
console.log(`peak memory of kubectl-procstatus: ${memoryOk ? 'ok (≤ 100 MiB in every case)' : 'MISSED (over 100 MiB)'}`);

// npm run bench [-- --quick] [-- --kubectl PATH|1.XX] [-- --runs N] [-- --tool PATH] [-- --realistic]
//
// kubectl-procstatus against the yardsticks users reach for today, on the
// test API server with real namespaced pods. Every case runs as interleaved
// A/B pairs in the same run (the order alternates), and reports medians of
// wall time and client CPU time, and peak memory (max RSS), measured by
// scripts/bench/runner.py from wait4(2). The remote-link case goes through a
// proxy that delays each direction by 25 ms (scripts/bench/proxy.mjs), which
// also counts the TCP connections and TLS handshakes each tool opens; the
// server's request log gives its HTTP requests. Timing lives here and only
// here: tests never assert on time.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveKubectl } from './bench/kubectl.mjs';
import { startDelayProxy } from './bench/proxy.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    kubectl: { type: 'string' },
    runs: { type: 'string' },
    tool: { type: 'string' },
    // The big sweep's pods at a real cluster's size (about 12 KB of JSON each:
    // managedFields, last-applied-configuration, ...) instead of minimal ones.
    realistic: { type: 'boolean', default: false },
  },
});
const QUICK = args.quick;
const RUNS = Number(args.runs ?? process.env.BENCH_RUNS ?? (QUICK ? 5 : 15));
const SWEEP = QUICK ? 500 : 2000; // pod objects in the big sweep
const SWEEP_RUNS = 1; // the 2,000-pod sweep takes most of a minute on its own
const DELAY_MS = 25; // each way: a 50 ms round trip
// --tool: another build of kubectl-procstatus to time (e.g. a copy of an
// earlier dist/kubectl-procstatus, for a before/after comparison).
const TOOL = args.tool ?? join(root, 'dist', 'kubectl-procstatus');

const { startApiServer, canMakeNamespaces, identicalPodsFixture, CLUSTER_FIXTURE } = await import('../test/apiserver/harness.ts');
if (!canMakeNamespaces()) {
  console.error('bench: cannot make PID/mount namespaces here (needs root and unshare); nothing measured');
  process.exit(1);
}
let kubectl;
try {
  kubectl = resolveKubectl(args.kubectl ?? process.env.KUBECTL ?? null);
} catch (e) {
  console.error(`bench: ${e.message}`);
  process.exit(1);
}
console.error(`bench: kubectl ${kubectl.version} at ${kubectl.path} (${kubectl.how})`);

// ---- the cluster -----------------------------------------------------------

const cluster = JSON.parse(readFileSync(CLUSTER_FIXTURE, 'utf8'));
const keep = new Set(['web', 'busy']);
const fixture = {
  namespaces: ['default'],
  pods: [
    ...cluster.pods.filter((p) => keep.has(p.metadata.name) && (p.metadata.namespace ?? 'default') === 'default'),
    ...identicalPodsFixture({ count: 20, prefix: 'small', trees: 2 }).pods,
    ...identicalPodsFixture({ count: SWEEP, prefix: 'bulk', trees: 4, realistic: args.realistic }).pods,
  ],
};
console.error(`bench: starting the test API server with ${fixture.pods.length} pods (one with 400 processes)…`);
// Starting 400 processes can outlast the server's 15 s per container on a
// busy machine; try again before giving up.
let api;
for (let attempt = 1; !api; attempt++) {
  try {
    api = await startApiServer({ fixture, timeoutMs: 120_000, log: true, echo: false });
  } catch (e) {
    if (attempt === 3) throw e;
    console.error(`bench: the test API server did not start (${e.message.split('\n')[1] ?? e.message}); again`);
  }
}
const scratch = mkdtempSync(join(os.tmpdir(), 'procstatus-bench-'));
const proxy = await startDelayProxy({ port: Number(new URL(api.url).port), delayMs: DELAY_MS });
const remoteKubeconfig = join(scratch, 'kubeconfig-remote');
writeFileSync(remoteKubeconfig, readFileSync(api.kubeconfig, 'utf8').replaceAll(api.url, `https://127.0.0.1:${proxy.port}`));

const baseEnv = { ...process.env, KUBECONFIG: api.kubeconfig, NO_COLOR: '1' };
const remoteEnv = { ...baseEnv, KUBECONFIG: remoteKubeconfig };

// ---- running one command ---------------------------------------------------

const runner = spawn('python3', [join(root, 'scripts', 'bench', 'runner.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
const waiting = [];
createInterface({ input: runner.stdout }).on('line', (line) => waiting.shift()?.(JSON.parse(line)));

// Interrupted: stop the server (and so its containers) before going.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    runner.kill();
    void api.stop().finally(() => process.exit(130));
  });
}

/** One run → { ms, cpu, kib }. Async, so the proxy keeps running meanwhile. */
async function once(argv, env = baseEnv) {
  const r = await new Promise((resolve) => {
    waiting.push(resolve);
    runner.stdin.write(`${JSON.stringify({ argv, env })}\n`);
  });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms: r.ms, cpu: r.cpu_ms, kib: r.maxrss_kib };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const summary = (rs) => ({ ms: median(rs.map((r) => r.ms)), cpu: median(rs.map((r) => r.cpu)), mib: Math.max(...rs.map((r) => r.kib)) / 1024 });

/** Interleaved A/B pairs: a warm-up each, then `runs` pairs, alternating which goes first. */
async function pair(a, b, env, runs = RUNS) {
  await once(a, env);
  await once(b, env);
  const ra = [];
  const rb = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      ra.push(await once(a, env));
      rb.push(await once(b, env));
    } else {
      rb.push(await once(b, env));
      ra.push(await once(a, env));
    }
  }
  return { ours: summary(ra), yard: summary(rb) };
}

/** Requests the server logged since `since` (ISO time), as "GET /path" (query left out). */
function requestsSince(since) {
  const out = [];
  for (const line of api.stderr().split('\n')) {
    const m = /^\[apiserver (\S+)\] (\S+) (\S+) user=\S+ -> (\S+)/.exec(line);
    if (!m || m[1] < since) continue;
    out.push(`${m[2]} ${m[3].split('?')[0]}${m[4] === 'upgrade' ? ' (upgrade)' : ''}`);
  }
  return out;
}

/** One run through the delaying proxy: what crossed the link, and what the server saw. */
async function roundTrips(argv) {
  await once(argv, remoteEnv); // warm
  await new Promise((r) => setTimeout(r, 50)); // let the warm-up's requests reach the log
  proxy.reset();
  const since = new Date().toISOString();
  await once(argv, remoteEnv);
  await new Promise((r) => setTimeout(r, 2 * DELAY_MS + 50)); // closes and the last log lines
  const s = proxy.stats();
  return { ...s, requests: requestsSince(since) };
}

// ---- the cases -------------------------------------------------------------

const pids20 = Array.from({ length: 20 }, (_, i) => i + 1).join(',');
const K = kubectl.path;
const kexec = (pod, ...cmd) => [K, 'exec', pod, '--', ...cmd];
const cases = [
  { name: 'one PID', yardstick: '`kubectl exec web -- cat /proc/1/status`', target: 1.0,
    ours: [TOOL, 'web', '--pid', '1'], yard: kexec('web', 'cat', '/proc/1/status') },
  { name: `one PID, ${2 * DELAY_MS} ms RTT`, yardstick: 'the same, both through the delaying proxy', target: 0.8, env: remoteEnv,
    ours: [TOOL, 'web', '--pid', '1'], yard: kexec('web', 'cat', '/proc/1/status') },
  { name: '20 PIDs', yardstick: 'one `kubectl exec busy -- cat` of the same 20 files', target: 1.05,
    ours: [TOOL, 'busy', '--pid', pids20], yard: kexec('busy', 'cat', ...pids20.split(',').map((p) => `/proc/${p}/status`)) },
  { name: '`--all-pids -o json`, 400 processes', yardstick: "`kubectl exec busy -- sh -c 'cat /proc/[0-9]*/status'`", target: 1.2, memTarget: 80,
    ours: [TOOL, 'busy', '--all-pids', '-o', 'json'], yard: kexec('busy', 'sh', '-c', 'cat /proc/[0-9]*/status') },
  { name: 'local `--all-pids`', yardstick: '`ps -e -o pid,comm,caught,ignored,blocked`', target: 2.5,
    ours: [TOOL, '--all-pids'], yard: ['ps', '-e', '-o', 'pid,comm,caught,ignored,blocked'] },
  { name: 'start-up, `--version`', yardstick: '`kubectl version --client`', target: 0.8,
    ours: [TOOL, '--version'], yard: [K, 'version', '--client'] },
  // The node read sees every process of the machine (the test server's node is
  // this machine), more than the sweep it is held against reads.
  { name: 'a node: `node/node-1 --all-pids -o json`, one exec', yardstick: "the per-container sweep of its real pods: `-l 'app in (web,busy,small)' --all-pids --all-containers -o json`",
    target: 0.5, ours: [TOOL, 'node/node-1', '--all-pids', '--debug-image', 'busybox:1.36', '-o', 'json'],
    yard: [TOOL, '-l', 'app in (web,busy,small)', '--all-pids', '--all-containers', '-o', 'json'] },
];

const rows = [];
const trips = [];
const sweeps = [];
const started = Date.now();
const load = os.loadavg()[0];
try {
  for (const c of cases) {
    const r = await pair(c.ours, c.yard, c.env ?? baseEnv);
    const ratio = r.ours.ms / r.yard.ms;
    rows.push({ ...c, ...r, ratio });
    console.error(`bench: ${c.name}: ${r.ours.ms.toFixed(0)} vs ${r.yard.ms.toFixed(0)} ms, ${ratio.toFixed(2)}x`);
  }
  for (const [name, argv] of [
    ['kubectl-procstatus web --pid 1', [TOOL, 'web', '--pid', '1']],
    ['kubectl exec web -- cat /proc/1/status', kexec('web', 'cat', '/proc/1/status')],
    ['kubectl-procstatus -l app=small --pid 1 (20 pods)', [TOOL, '-l', 'app=small', '--pid', '1']],
  ]) {
    trips.push({ name, ...(await roundTrips(argv)) });
    console.error(`bench: round trips of ${name}: ${JSON.stringify(trips.at(-1))}`);
  }
  const sweepArgv = [TOOL, '-l', 'app=bulk', '--pid', '1', '-o', 'json'];
  await once([TOOL, '-l', 'app=small', '--pid', '1']); // warm
  const rs = [];
  for (let i = 0; i < SWEEP_RUNS; i++) rs.push(await once(sweepArgv));
  const s = summary(rs);
  sweeps.push({ name: `sweep of ${SWEEP} pods (\`-l app=bulk --pid 1 -o json\`)`, containers: SWEEP, ...s });
  console.error(`bench: sweep of ${SWEEP}: ${s.ms.toFixed(0)} ms, ${s.cpu.toFixed(0)} ms CPU, ${s.mib.toFixed(0)} MiB`);
} finally {
  runner.stdin.end();
  await proxy.close();
  await api.stop();
  rmSync(scratch, { recursive: true, force: true });
}

// ---- the report (markdown, for the README) ---------------------------------

const cpuModel = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
console.log(`${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} cores (${cpuModel}), ` +
  `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.versions.node}, ` +
  `kubectl ${kubectl.version}, load ${load.toFixed(1)} at start; medians of ${RUNS} interleaved pairs` +
  `${QUICK ? ' (--quick)' : ''}; ${((Date.now() - started) / 1000).toFixed(0)} s.`);
console.log('');
console.log('| case | yardstick | ours ms | yardstick ms | ratio | target | ours CPU ms | yardstick CPU ms | ours MiB | yardstick MiB |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
const mark = (ok) => (ok ? '✔' : '✘');
for (const r of rows) {
  const mem = r.memTarget ? ` (≤ ${r.memTarget} ${mark(r.ours.mib <= r.memTarget)})` : '';
  console.log(`| ${r.name} | ${r.yardstick} | ${r.ours.ms.toFixed(0)} | ${r.yard.ms.toFixed(0)} | ${r.ratio.toFixed(2)}x | ` +
    `≤ ${r.target}x ${mark(r.ratio <= r.target)} | ${r.ours.cpu.toFixed(0)} | ${r.yard.cpu.toFixed(0)} | ` +
    `${r.ours.mib.toFixed(0)}${mem} | ${r.yard.mib.toFixed(0)} |`);
}
console.log('');
console.log(`| round trips at ${2 * DELAY_MS} ms RTT | TCP connections | TLS handshakes (resumed) | HTTP requests |`);
console.log('|---|---|---|---|');
for (const t of trips) {
  const counts = new Map();
  for (const q of t.requests) {
    const k = q.replace(/\/pods\/[^/ ]+/, '/pods/NAME');
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const list = [...counts].map(([k, n]) => `${n > 1 ? `${n}× ` : ''}\`${k}\``).join(', ');
  console.log(`| \`${t.name}\` | ${t.connections} | ${t.clientHellos} (${t.resumed}) | ${t.requests.length}: ${list} |`);
}
console.log('');
console.log('| sweep | wall ms | client CPU ms | CPU per container | target | peak MiB | target |');
console.log('|---|---|---|---|---|---|---|');
for (const s of sweeps) {
  const per = s.cpu / s.containers;
  console.log(`| ${s.name} | ${s.ms.toFixed(0)} | ${s.cpu.toFixed(0)} | ${per.toFixed(2)} ms | ≤ 5 ms ${mark(per <= 5)} | ` +
    `${s.mib.toFixed(0)} | ≤ 150 MiB ${mark(s.mib <= 150)} |`);
}

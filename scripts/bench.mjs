// npm run bench [-- --quick] [-- --kubectl PATH|1.XX] [-- --runs N] [-- --tool PATH] [-- --only SECTIONS]
//
// kubectl-procstatus against the yardsticks users reach for today, on the
// test API server with real namespaced pods, in two parts:
//
// 1. Paired cases: each runs as interleaved A/B pairs against its yardstick
//    (the order alternates) and reports medians of wall time and client CPU
//    time, and peak memory (max RSS), measured by scripts/bench/runner.py
//    from wait4(2). The remote-link case goes through a proxy that delays
//    each direction by 25 ms (scripts/bench/proxy.mjs), which also counts
//    the TCP connections and TLS handshakes each tool opens; the server's
//    request log gives its HTTP requests.
// 2. Scale: sweeps of 50 to 10,000 pod objects of realistic size served by
//    a second server from a few process trees (scripts/bench/scale.mjs),
//    with the client CPU per container as the slope between two sizes, and
//    the transport's own floor per connection (scripts/bench/transport.mjs).
//
// A case that fails is reported as failed and the rest go on. The servers
// are stopped on the way out, interrupted or not. Timing lives here and
// only here: tests never assert on time.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveKubectl } from './bench/kubectl.mjs';
import { startDelayProxy } from './bench/proxy.mjs';
import { machineLine, pairedTable, scaleTable, scaleTargets, transportTable, tripsTable } from './bench/report.mjs';
import { scaleFixture, selectorOf, slopes, sweepSizes } from './bench/scale.mjs';
import { tapServerLog } from './bench/serverlog.mjs';
import { median, pair, startRunner } from './bench/timing.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const SECTIONS = ['paired', 'trips', 'transport', 'scale'];
let args;
try {
  ({ values: args } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      kubectl: { type: 'string' },
      runs: { type: 'string' },
      tool: { type: 'string' },
      only: { type: 'string' },
    },
  }));
} catch (e) {
  console.error(`bench: ${e.message}`);
  process.exit(2);
}
const QUICK = args.quick;
const RUNS = Number(args.runs ?? process.env.BENCH_RUNS ?? (QUICK ? 3 : 11));
const ONLY = new Set((args.only ?? SECTIONS.join(',')).split(','));
for (const s of ONLY) {
  if (!SECTIONS.includes(s)) {
    console.error(`bench: --only takes ${SECTIONS.join(', ')}; not ${s}`);
    process.exit(2);
  }
}
if (!Number.isInteger(RUNS) || RUNS < 1) {
  console.error('bench: --runs needs a positive whole number');
  process.exit(2);
}
const DELAY_MS = 25; // each way: a 50 ms round trip
// Scale: pod counts swept, the pair the per-container slope is taken between,
// and how many runs each size gets (the big ones once: a 10,000-pod sweep
// takes minutes here).
const SIZES = QUICK ? [50, 500] : [50, 1000, 5000, 10000];
const SLOPE = QUICK ? [50, 500] : [50, 5000];
const runsOf = (size) => (size <= 50 ? (QUICK ? 3 : 5) : 1);
const TRANSPORT = { count: QUICK ? 100 : 300, concurrency: 10, runs: QUICK ? 1 : 3 };
// --tool: another build of kubectl-procstatus to time (e.g. a copy of an
// earlier dist/kubectl-procstatus, for a before/after comparison).
const TOOL = args.tool ?? join(root, 'dist', 'kubectl-procstatus');
let interrupted = false;
// Once interrupted, what fails on the way out (the runner is gone) is not news.
const say = (line) => interrupted || console.error(`bench: ${line}`);

const { startApiServer, canMakeNamespaces, identicalPodsFixture, CLUSTER_FIXTURE } = await import('../test/apiserver/harness.ts');
if (!canMakeNamespaces()) {
  say('cannot make PID/mount namespaces here (needs root and unshare); nothing measured');
  process.exit(1);
}
let kubectl;
try {
  kubectl = resolveKubectl(args.kubectl ?? process.env.KUBECTL ?? null);
} catch (e) {
  say(e.message);
  process.exit(1);
}
say(`kubectl ${kubectl.version} at ${kubectl.path} (${kubectl.how})`);
say(`${QUICK ? 'quick run: ' : ''}${RUNS} pairs per case; scale: ${SIZES.join(', ')} pods`);

// ---- what has to be undone, whatever happens ---------------------------------

const started = Date.now();
const loads = [os.loadavg()[0]];
const LOAD_EVERY_S = 15;
const sampler = setInterval(() => loads.push(os.loadavg()[0]), LOAD_EVERY_S * 1000);
sampler.unref();
const tap = tapServerLog();
const runner = startRunner();
const scratch = mkdtempSync(join(os.tmpdir(), 'procstatus-bench-'));
const servers = new Set();
let proxy = null;

async function cleanUp() {
  clearInterval(sampler);
  await runner.stop();
  await proxy?.close();
  proxy = null;
  await Promise.all([...servers].map((s) => s.stop()));
  servers.clear();
  rmSync(scratch, { recursive: true, force: true });
  tap.restore();
}
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.once(sig, () => {
    say(`${sig}: stopping the servers`);
    interrupted = true;
    void cleanUp().finally(() => process.exit(code));
  });
}

/** Starts a test API server (logging every request to the tap); a busy machine gets three tries. */
async function startServer(fixture, what) {
  say(`starting the test API server with ${what}…`);
  for (let attempt = 1; ; attempt++) {
    try {
      const api = await startApiServer({ fixture, timeoutMs: 300_000, log: true, echo: true });
      servers.add(api);
      return api;
    } catch (e) {
      if (attempt === 3) throw e;
      say(`the test API server did not start (${e.message.split('\n')[0]}); again`);
    }
  }
}

async function stopServer(api) {
  servers.delete(api);
  await api.stop();
}

const settle = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- part 1: the paired cases ------------------------------------------------

const K = kubectl.path;
const kexec = (pod, ...cmd) => [K, 'exec', pod, '--', ...cmd];
const pids20 = Array.from({ length: 20 }, (_, i) => i + 1).join(',');
const remote = { remote: true };
const cases = [
  { name: 'one PID', yardstick: '`kubectl exec web -- cat /proc/1/status`', target: 1.0, cpuTarget: true, memTarget: 60,
    ours: [TOOL, 'web', '--pid', '1'], yard: kexec('web', 'cat', '/proc/1/status') },
  { name: `one PID, ${2 * DELAY_MS} ms RTT`, yardstick: 'the same, both through the delaying proxy', target: 0.8, ...remote,
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
const tripCases = [
  ['kubectl-procstatus web --pid 1', [TOOL, 'web', '--pid', '1']],
  ['kubectl exec web -- cat /proc/1/status', kexec('web', 'cat', '/proc/1/status')],
  ['kubectl-procstatus -l app=small --pid 1 (20 pods)', [TOOL, '-l', 'app=small', '--pid', '1']],
];

const rows = [];
const trips = [];
let transport = null;

/** One run through the delaying proxy: what crossed the link, and what the server saw. */
async function roundTrips(argv, env) {
  await runner.once(argv, env); // warm
  await settle(2 * DELAY_MS + 100); // the warm-up's closes and last log lines
  proxy.reset();
  const mark = tap.mark();
  await runner.once(argv, env);
  await settle(2 * DELAY_MS + 100);
  return { ...proxy.stats(), requests: tap.since(mark) };
}

/** The transport floor, on one of the small pods: the median per connection over its runs. */
async function transportFloor(api, env) {
  const argv = [process.execPath, join(root, 'scripts', 'bench', 'transport.mjs'), '--url', api.url, '--token', api.token,
    '--ca', join(root, 'test', 'apiserver', 'certs', 'ca.crt'), '--pod', 'small-0',
    '--count', String(TRANSPORT.count), '--concurrency', String(TRANSPORT.concurrency)];
  const rs = [];
  for (let i = 0; i < TRANSPORT.runs; i++) rs.push(JSON.parse((await runner.once(argv, env, { stdout: true, timeoutS: 600 })).stdout));
  const mid = median(rs.map((r) => r.perConnectionMs));
  return { ...rs.find((r) => r.perConnectionMs === mid) ?? rs[0], perConnectionMs: mid, runs: rs.length };
}

async function partOne() {
  const cluster = JSON.parse(readFileSync(CLUSTER_FIXTURE, 'utf8'));
  const keep = new Set(['web', 'busy']);
  const fixture = {
    namespaces: ['default'],
    pods: [
      ...cluster.pods.filter((p) => keep.has(p.metadata.name) && (p.metadata.namespace ?? 'default') === 'default'),
      ...identicalPodsFixture({ count: 20, prefix: 'small', trees: 2 }).pods,
    ],
  };
  let api;
  try {
    api = await startServer(fixture, `${fixture.pods.length} pods (one with 400 processes)`);
  } catch (e) {
    const error = `the test API server did not start: ${e.message.split('\n')[0]}`;
    say(error);
    if (ONLY.has('paired')) rows.push(...cases.map((c) => ({ ...c, error })));
    if (ONLY.has('trips')) trips.push(...tripCases.map(([name]) => ({ name, error })));
    if (ONLY.has('transport')) transport = { error };
    return;
  }
  proxy = await startDelayProxy({ port: Number(new URL(api.url).port), delayMs: DELAY_MS });
  const remoteKubeconfig = join(scratch, 'kubeconfig-remote');
  writeFileSync(remoteKubeconfig, readFileSync(api.kubeconfig, 'utf8').replaceAll(api.url, `https://127.0.0.1:${proxy.port}`));
  const env = { ...process.env, KUBECONFIG: api.kubeconfig, NO_COLOR: '1' };
  const remoteEnv = { ...env, KUBECONFIG: remoteKubeconfig };

  if (ONLY.has('paired')) {
    for (const c of cases) {
      try {
        const r = await pair(runner, c.ours, c.yard, c.remote ? remoteEnv : env, RUNS);
        rows.push({ ...c, ...r });
        say(`${c.name}: ${r.ours.ms.toFixed(0)} vs ${r.yard.ms.toFixed(0)} ms, ${(r.ours.ms / r.yard.ms).toFixed(2)}x; ` +
          `CPU ${r.ours.cpu.toFixed(0)} vs ${r.yard.cpu.toFixed(0)} ms`);
      } catch (e) {
        rows.push({ ...c, error: e.message });
        say(`${c.name}: failed: ${e.message}`);
      }
    }
  }
  if (ONLY.has('trips')) {
    for (const [name, argv] of tripCases) {
      try {
        trips.push({ name, ...(await roundTrips(argv, remoteEnv)) });
        const t = trips.at(-1);
        say(`round trips of ${name}: ${t.connections} connections, ${t.clientHellos} handshakes (${t.resumed} resumed), ${t.requests.length} requests`);
      } catch (e) {
        trips.push({ name, error: e.message });
        say(`round trips of ${name}: failed: ${e.message}`);
      }
    }
  }
  if (ONLY.has('transport')) {
    try {
      transport = await transportFloor(api, env);
      say(`transport floor: ${transport.perConnectionMs.toFixed(2)} ms CPU per connection (${transport.resumed}/${transport.count} resumed)`);
    } catch (e) {
      transport = { error: e.message };
      say(`transport floor: failed: ${e.message}`);
    }
  }
  await proxy.close();
  proxy = null;
  await stopServer(api);
}

// ---- part 2: scale -------------------------------------------------------------

let scaleRows = [];

async function partTwo() {
  let api;
  try {
    api = await startServer(scaleFixture(SIZES), `${SIZES.at(-1).toLocaleString('en-US')} realistic pods on ${SIZES.length} process trees`);
  } catch (e) {
    const error = `the test API server did not start: ${e.message.split('\n')[0]}`;
    say(error);
    scaleRows = SIZES.flatMap((size) => ['-o json', 'table'].map((output) => ({ size, output, error })));
    return;
  }
  const env = { ...process.env, KUBECONFIG: api.kubeconfig, NO_COLOR: '1' };
  try {
    await runner.once([TOOL, '-l', selectorOf(SIZES, SIZES[0]), '--pid', '1'], env); // warm
  } catch (e) {
    say(`scale warm-up failed: ${e.message}`);
  }
  scaleRows = await sweepSizes({ runner, tap, env, tool: TOOL, sizes: SIZES, runsOf, timeoutS: 3600, say });
  await stopServer(api);
}

try {
  if (ONLY.has('paired') || ONLY.has('trips') || ONLY.has('transport')) await partOne();
  if (ONLY.has('scale')) await partTwo();
} finally {
  await cleanUp();
}

// ---- the report (markdown, for the README) -------------------------------------

const cpuModel = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
console.log(machineLine({
  date: new Date().toISOString().slice(0, 10), cpus: os.cpus().length, cpuModel, memGiB: (os.totalmem() / 2 ** 30).toFixed(0),
  os: `${os.type()} ${os.release()}`, node: process.versions.node, kubectl: kubectl.version,
  load: { start: loads[0], mean: loads.reduce((a, b) => a + b, 0) / loads.length, max: Math.max(...loads), every: LOAD_EVERY_S },
  runs: RUNS, quick: QUICK, seconds: (Date.now() - started) / 1000,
}));
const blocks = [];
if (rows.length) blocks.push(pairedTable(rows));
if (trips.length) blocks.push(tripsTable(trips, 2 * DELAY_MS));
const perContainer = slopes(scaleRows, ...SLOPE);
if (scaleRows.length) {
  blocks.push(scaleTable(scaleRows, (size) => selectorOf(SIZES, size)));
  blocks.push(scaleTargets({ slopes: perContainer, rows: scaleRows, sizes: SIZES, cpuTarget: 1, memTarget: 150 }));
}
if (transport) blocks.push(transportTable(transport, perContainer));
for (const b of blocks) console.log(['', ...b].join('\n'));

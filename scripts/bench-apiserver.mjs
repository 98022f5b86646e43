// PATH=node_modules/node/bin:$PATH node scripts/bench-apiserver.mjs [--count N] [--chunk N] [--kubectl]
//
// The test API server itself at scale: how long a server with N pods of
// realistic size (fixture podSets, about 12 KB of JSON each) takes to start,
// and how long a full chunked list of them takes, first (objects rendered
// and cached) and again (from the byte cache): on the wire from a Node
// client, and inside the server (the sum of its logged request times).
// --kubectl adds `kubectl get pods -A` (kubectl's own decoding and printing
// dominate it). Timing lives here: tests never assert on time.
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    chunk: { type: 'string', default: '500' },
    kubectl: { type: 'boolean', default: false },
  },
});
const COUNT = Number(args.count);
const CHUNK = Number(args.chunk);

const { startApiServer, canMakeNamespaces } = await import('../test/apiserver/harness.ts');
const { request } = await import('../test/apiserver/client.ts');
const { kubectl, kubectlHome } = await import('../test/apiserver/kubectl.ts');
const { kindOf, tapServerLog } = await import('./bench/serverlog.mjs');
if (!canMakeNamespaces()) {
  console.error('bench-apiserver: cannot make PID/mount namespaces here (needs root and unshare); nothing measured');
  process.exit(1);
}

// Every request the server logs, read as it comes (the harness keeps only the last 64 KiB of its stderr).
const tap = tapServerLog();
const t0 = performance.now();
const api = await startApiServer({
  fixture: { podSets: [{ count: COUNT, prefix: 'bulk', trees: 4, realistic: true }] },
  timeoutMs: 300_000,
  log: true,
  echo: true,
});
const startMs = performance.now() - t0;

/** Server-side milliseconds of the list requests logged since `mark`. */
function serverMs(mark) {
  return tap.since(mark).filter((r) => kindOf(r) === 'list').reduce((sum, r) => sum + (r.ms ?? 0), 0);
}

async function chunkedPass() {
  const mark = tap.mark();
  const t = performance.now();
  let token = '';
  let items = 0;
  let bytes = 0;
  let pages = 0;
  do {
    const r = await request(api, 'GET', `/api/v1/pods?limit=${CHUNK}${token ? `&continue=${token}` : ''}`);
    if (r.status !== 200) throw new Error(`list answered ${r.status}: ${r.text.slice(0, 200)}`);
    items += r.body.items.length;
    bytes += Buffer.byteLength(r.text);
    pages++;
    token = r.body.metadata.continue ?? '';
  } while (token);
  return { ms: performance.now() - t, server: serverMs(mark), items, pages, mib: bytes / 2 ** 20 };
}

const rows = [];
try {
  const first = await chunkedPass();
  const again = await chunkedPass();
  rows.push(['server start', `${(startMs / 1000).toFixed(1)} s`, `${COUNT} pods on 4 process trees`]);
  for (const [name, p] of [['chunked list, first', first], ['chunked list, again', again]]) {
    rows.push([name, `${(p.ms / 1000).toFixed(2)} s`, `${p.items} pods, ${p.pages} chunks of ${CHUNK}, ${p.mib.toFixed(0)} MiB; server ${(p.server / 1000).toFixed(2)} s`]);
  }
  const mark = tap.mark();
  let t = performance.now();
  const whole = await request(api, 'GET', '/api/v1/pods');
  rows.push(['unchunked list', `${((performance.now() - t) / 1000).toFixed(2)} s`, `${whole.body.items.length} pods; server ${(serverMs(mark) / 1000).toFixed(2)} s`]);
  if (args.kubectl) {
    const home = kubectlHome();
    t = performance.now();
    const r = kubectl(api, home, ['get', 'pods', '-A'], 600_000);
    rows.push(['kubectl get pods -A', `${((performance.now() - t) / 1000).toFixed(1)} s`, `exit ${r.code}, ${r.stdout.trim().split('\n').length - 1} rows`]);
  }
} finally {
  await api.stop();
  tap.restore();
}
const w = Math.max(...rows.map((r) => r[0].length));
for (const [name, time, what] of rows) console.log(`${name.padEnd(w)}  ${time.padStart(7)}  ${what}`);

// Test Kubernetes API server for kubectl-procstatus's end-to-end tests and
// benchmark. Usage:
//
//   node test/apiserver/main.ts --fixture test/fixtures/cluster.json [--port 0] [--ignore-stdin]
//
// Starts every running container of the fixture as a real process tree,
// serves the API over HTTPS on 127.0.0.1, writes a kubeconfig, then prints one
// JSON line {"url","kubeconfig","token"} to stdout. Runs until SIGTERM,
// SIGINT, or EOF on stdin (unless stdin is /dev/null or --ignore-stdin is
// given), and kills every process tree on the way out.
// PROCSTATUS_APISERVER_LOG=1 logs each request to stderr.

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeTokens } from './api/auth.ts';
import { killEverything, sleep, waitAllExited } from './runtime/containers.ts';
import { validateFixture } from './cluster/fixture.ts';
import { parseFaultRules } from './server/faults.ts';
import { createApiServer } from './server/server.ts';
import type { ApiServer } from './server/server.ts';
import { writeKubeconfig } from './api/kubeconfig.ts';
import { Cluster } from './cluster/cluster.ts';

// Not import.meta: this file must also type-check where the package is CommonJS.
const certs = path.join(path.dirname(path.resolve(process.argv[1])), 'certs');
const verbose = process.env.PROCSTATUS_APISERVER_LOG === '1';
const log = (line: string): void => {
  if (verbose) process.stderr.write(`[apiserver ${new Date().toISOString()}] ${line}\n`);
};

const { values } = parseArgs({
  options: {
    fixture: { type: 'string' },
    port: { type: 'string', default: '0' },
    'ignore-stdin': { type: 'boolean', default: false },
  },
});
if (!values.fixture) {
  process.stderr.write('usage: node test/apiserver/main.ts --fixture FILE [--port N] [--ignore-stdin]\n');
  process.exit(2);
}

const WORK_PREFIX = 'procstatus-apiserver-';

/**
 * Removes work directories (kubeconfig, root filesystems) left by servers
 * that were SIGKILLed and so could not clean up: their owner PID is gone.
 */
function sweepStaleWorkDirs(): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith(WORK_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    let owner = 0;
    try {
      owner = Number(fs.readFileSync(path.join(dir, 'owner.pid'), 'utf8'));
    } catch {
      continue; // being created right now, or not ours
    }
    let alive = false;
    try {
      process.kill(owner, 0);
      alive = true;
    } catch {
      // no such process
    }
    if (!alive) fs.rmSync(dir, { recursive: true, force: true });
  }
}

sweepStaleWorkDirs();
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), WORK_PREFIX));
fs.writeFileSync(path.join(workDir, 'owner.pid'), String(process.pid));
let cluster: Cluster | undefined;
let api: ApiServer | undefined;
let stopping = false;

function cleanupSync(): void {
  cluster?.stop();
  killEverything();
  // Kills what is left in the cgroups; the directories go once the processes have exited (removeCgroups).
  cluster?.cgroups?.removeAllSync();
}

async function shutdown(code: number, why: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`shutting down: ${why}`);
  cleanupSync();
  if (api) await Promise.race([api.stop(), sleep(2000)]);
  await waitAllExited(5000);
  await cluster?.removeCgroups();
  fs.rmSync(workDir, { recursive: true, force: true });
  process.exit(code);
}

process.on('exit', cleanupSync);
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => void shutdown(0, sig));
process.on('uncaughtException', (e) => {
  process.stderr.write(`apiserver: uncaught error: ${e.stack ?? e}\n`);
  void shutdown(1, 'uncaught error');
});
process.on('unhandledRejection', (e) => {
  process.stderr.write(`apiserver: unhandled rejection: ${e instanceof Error ? e.stack : e}\n`);
  void shutdown(1, 'unhandled rejection');
});

function stdinIsDevNull(): boolean {
  try {
    const s = fs.fstatSync(0);
    return s.isCharacterDevice() && s.rdev === fs.statSync('/dev/null').rdev;
  } catch {
    return true;
  }
}

/** A loopback port nothing listens on (bound, then released), for the "refused" context. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 1));
    });
  });
}

async function main(): Promise<void> {
  try {
    const fixture = validateFixture(JSON.parse(fs.readFileSync(path.resolve(values.fixture as string), 'utf8')));
    cluster = new Cluster(fixture, workDir);
    const t0 = Date.now();
    await cluster.start();
    log(`started ${cluster.pods.length} pods in ${Date.now() - t0}ms`);
    const tokens = makeTokens();
    api = createApiServer({
      cluster,
      tokens,
      key: fs.readFileSync(path.join(certs, 'server.key')),
      cert: fs.readFileSync(path.join(certs, 'server.crt')),
      log,
      faults: parseFaultRules(fixture.faults ?? []),
    });
    const port = await api.listen(Number(values.port));
    const url = `https://127.0.0.1:${port}`;
    const kubeconfig = writeKubeconfig(path.join(workDir, 'kubeconfig'), {
      url,
      refusedUrl: `https://127.0.0.1:${await closedPort()}`,
      ca: fs.readFileSync(path.join(certs, 'ca.crt')),
      otherCa: fs.readFileSync(path.join(certs, 'other-ca.crt')),
      tokens: tokens.tokens,
    });
    if (!values['ignore-stdin'] && !stdinIsDevNull()) {
      process.stdin.on('end', () => void shutdown(0, 'stdin closed'));
      process.stdin.on('error', () => void shutdown(0, 'stdin error'));
      process.stdin.resume();
    }
    process.stdout.write(`${JSON.stringify({ url, kubeconfig, token: tokens.tokens.admin })}\n`);
  } catch (e) {
    process.stderr.write(`apiserver: failed to start: ${e instanceof Error ? e.message : e}\n`);
    await shutdown(1, 'start-up failed');
  }
}

void main();

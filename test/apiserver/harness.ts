// Starts the test API server (main.ts) as a child process for tests and the
// benchmark:
//
//   const api = await startApiServer({ fixture: CLUSTER_FIXTURE });   // or a fixture object
//   ... kubectl --kubeconfig api.kubeconfig ... / fetch(api.url, { headers: { Authorization: `Bearer ${api.token}` } })
//   await api.stop();
//
// The server exits on its own if this process goes away (it watches its
// stdin, which is a pipe from here), and its containers die with it.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canMakeCgroups } from './runtime/cgroups.ts';
import { request } from './client.ts';
import type { Fixture } from './cluster/fixture.ts';
import { identicalPods } from './cluster/podsets.ts';
import type { IdenticalPodsOptions } from './cluster/podsets.ts';
import type { ArmedFault, FaultRule } from './server/faults.ts';

export type { ArmedFault, FaultKind, FaultRule } from './server/faults.ts';
export { THROTTLE_ANNOTATION } from './server/faults.ts';
export { startKubectlProxy } from './kubectl.ts';
export type { KubectlProxy } from './kubectl.ts';

/** Repository root, found from this file (CommonJS) or the working directory (ESM, vitest). */
function repoRoot(): string {
  const starts = [typeof __dirname === 'string' ? __dirname : undefined, process.cwd()].filter(Boolean) as string[];
  for (const start of starts) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, 'test', 'apiserver', 'main.ts'))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error('cannot find test/apiserver/main.ts above the working directory');
}

export const REPO_ROOT = repoRoot();
export const MAIN = path.join(REPO_ROOT, 'test', 'apiserver', 'main.ts');
/** The standard fixture cluster. */
export const CLUSTER_FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'cluster.json');

/** A Node that runs .ts files directly (type stripping is on by default from 22.18). */
export function nodeForTs(): string {
  const [maj, min] = process.versions.node.split('.').map(Number);
  if (maj > 22 || (maj === 22 && min >= 18)) return process.execPath;
  return path.join(REPO_ROOT, 'node_modules', '.bin', 'node');
}

/** PATH plus the sbin directories, where they are missing. */
export function withSbin(path: string | undefined): string {
  const dirs = (path ?? '').split(':').filter(Boolean);
  for (const d of ['/usr/local/sbin', '/usr/sbin', '/sbin']) if (!dirs.includes(d)) dirs.push(d);
  return dirs.join(':');
}

/** Whether the server can start ephemeral containers (it needs capsh, from libcap2-bin). */
export function hasCapsh(): boolean {
  return spawnSync('sh', ['-c', 'command -v capsh'], { env: { ...process.env, PATH: withSbin(process.env.PATH) } }).status === 0;
}

export interface ApiServerHandle {
  url: string;
  kubeconfig: string;
  /** Bearer token with full access (the kubeconfig's `test` context). */
  token: string;
  /** Host PID of the server process. */
  pid: number;
  /** What the server wrote to stderr so far (last 64 KiB). */
  stderr(): string;
  /** SIGTERM, then wait for it (and so all its containers) to exit. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A fixture file path or a fixture object (written to a temp file). */
  fixture: string | Fixture;
  /** Start-up deadline, default 30 s. */
  timeoutMs?: number;
  /** Extra environment for the server, e.g. PROCSTATUS_APISERVER_PROTOCOLS. */
  env?: Record<string, string>;
  /** Log every request to stderr (also on when PROCSTATUS_APISERVER_LOG=1). */
  log?: boolean;
  /** Copy the log to this process's stderr (default true); false keeps it in stderr() only. */
  echo?: boolean;
}

export async function startApiServer(o: StartOptions): Promise<ApiServerHandle> {
  let fixtureFile: string;
  let tempFixture: string | undefined;
  if (typeof o.fixture === 'string') {
    fixtureFile = path.resolve(o.fixture);
  } else {
    tempFixture = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'procstatus-fixture-')), 'fixture.json');
    fs.writeFileSync(tempFixture, JSON.stringify(o.fixture));
    fixtureFile = tempFixture;
  }
  const removeTemp = (): void => {
    if (tempFixture) fs.rmSync(path.dirname(tempFixture), { recursive: true, force: true });
  };
  const log = o.log || process.env.PROCSTATUS_APISERVER_LOG === '1';
  const child = spawn(
    nodeForTs(),
    ['--disable-warning=MODULE_TYPELESS_PACKAGE_JSON', MAIN, '--fixture', fixtureFile, '--port', '0'],
    {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      // The container tools (capsh, nsenter, unshare) live in sbin on some
      // systems, which a user's or CI's PATH may leave out.
      env: { ...process.env, ...o.env, PATH: withSbin(process.env.PATH), PROCSTATUS_APISERVER_LOG: log ? '1' : '0' },
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-64 * 1024);
    if (log && o.echo !== false) process.stderr.write(d);
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  child.stdin.on('error', () => {
    // the server already exited
  });

  const ready = await new Promise<{ url: string; kubeconfig: string; token: string }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`test API server did not become ready in ${o.timeoutMs ?? 90_000} ms; stderr:\n${stderr}`));
    }, o.timeoutMs ?? 90_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.slice(0, nl)));
      } catch {
        child.kill('SIGKILL');
        reject(new Error(`test API server printed an unexpected line: ${out.slice(0, nl)}\nstderr:\n${stderr}`));
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`test API server exited during start-up (code ${code}, signal ${signal}); stderr:\n${stderr}`));
    });
  }).catch(async (e: unknown) => {
    await exited;
    removeTemp();
    throw e;
  });

  let stopping: Promise<void> | undefined;
  return {
    ...ready,
    pid: child.pid as number,
    stderr: () => stderr,
    stop: () => {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(killer);
        }
        removeTemp();
      })();
      return stopping;
    },
  };
}

let nsCheck: { ok: boolean; why: string } | undefined;

function checkNamespaces(): { ok: boolean; why: string } {
  if (nsCheck) return nsCheck;
  const run = (cmd: string, args: string[]): string | undefined => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
    if (r.error) return `${cmd}: ${r.error.message}`;
    if (r.status !== 0) return `${cmd} ${args.join(' ')} exited ${r.status}: ${(r.stderr ?? '').trim()}`;
    return undefined;
  };
  const why =
    run('unshare', ['--pid', '--mount', '--fork', '--mount-proc', 'true']) ??
    run('nsenter', ['--version']) ??
    run('setpriv', ['--version']);
  nsCheck = { ok: why === undefined, why: why ?? '' };
  return nsCheck;
}

/**
 * Whether this machine can run the test API server's containers (root, or
 * enough privilege for `unshare --pid --mount --fork --mount-proc`). Cached.
 */
export function canMakeNamespaces(): boolean {
  return checkNamespaces().ok;
}

/** Why canMakeNamespaces() is false, for skip messages. */
export function namespacesUnavailableReason(): string {
  const c = checkNamespaces();
  return c.ok ? '' : `cannot create PID/mount namespaces here (${c.why}); the test API server needs them`;
}

export type { IdenticalPodsOptions } from './cluster/podsets.ts';

/**
 * A fixture with `count` identical one-container pods, e.g. for the
 * benchmark. For thousands of them put the same options in the fixture's
 * `podSets` instead: the server builds the pods itself and the fixture file
 * stays small.
 */
export function identicalPodsFixture(o: IdenticalPodsOptions): Fixture {
  return { pods: identicalPods(o) };
}

/**
 * Whether ephemeral containers can start here: namespaces as above, plus
 * capsh (libcap2-bin), which applies their securityContext. Cached.
 */
export function canRunEphemeralContainers(): boolean {
  return canMakeNamespaces() && ephemeralUnavailableReason() === '';
}

let capshCheck: string | undefined;

/** Why canRunEphemeralContainers() is false, for skip messages. */
export function ephemeralUnavailableReason(): string {
  const ns = namespacesUnavailableReason();
  if (ns) return ns;
  if (capshCheck === undefined) {
    const r = spawnSync('capsh', ['--quiet', '--print'], { encoding: 'utf8', timeout: 10_000 });
    capshCheck = r.error ? `capsh: ${r.error.message} (install libcap2-bin)` : r.status !== 0 ? `capsh --print exited ${r.status}` : '';
  }
  return capshCheck;
}

/**
 * Why created pods cannot be mapped to kubelet-style cgroups here ('' when
 * they can): the server needs a writable cgroup v2 hierarchy (runtime/cgroups.ts)
 * besides what ephemeral containers need.
 */
export function cgroupsUnavailableReason(): string {
  const e = ephemeralUnavailableReason();
  if (e) return e;
  const c = canMakeCgroups();
  return c.ok ? '' : c.why;
}

/**
 * Request faults of a running server (server/faults.ts, README "Faults on
 * demand"), through its test-only endpoints and the admin token:
 *
 *   await faultsOf(api).add({ path: '/api/v1/pods', page: 2, fault: 'expired' });
 *   await faultsOf(api).add({ path: '/api/v1/namespaces/default/pods/web/exec', fault: 'throttle', times: 3 });
 *   (await faultsOf(api).list())[0].hits;
 */
export function faultsOf(api: Pick<ApiServerHandle, 'url' | 'kubeconfig' | 'token'>): {
  add(rules: FaultRule | FaultRule[]): Promise<ArmedFault[]>;
  list(): Promise<ArmedFault[]>;
  clear(): Promise<void>;
  /** Every continue token issued so far expires (410 on its next use). */
  compact(): Promise<number>;
} {
  const call = async (method: string, path: string, body?: unknown): Promise<any> => {
    const r = await request(api, method, path, body === undefined ? {} : { body, contentType: 'application/json' });
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r.body;
  };
  return {
    add: async (rules) => (await call('POST', '/procstatus-test/faults', rules)).faults,
    list: async () => (await call('GET', '/procstatus-test/faults')).faults,
    clear: async () => {
      await call('DELETE', '/procstatus-test/faults');
    },
    compact: async () => (await call('POST', '/procstatus-test/compact')).compactedRevision,
  };
}

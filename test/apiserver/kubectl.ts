// The real kubectl against the test API server, for tests that judge the
// server by what kubectl makes of it.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiServerHandle } from './harness.ts';

export const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A private HOME, which keeps kubectl's discovery cache out of the user's ~/.kube; remove it with fs.rmSync. */
export function kubectlHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'procstatus-kubectl-home-'));
}

/** Runs kubectl with the server's kubeconfig (and no KUBECONFIG) and `home` as HOME, for at most `timeoutMs` (30 s). */
export function kubectl(api: Pick<ApiServerHandle, 'kubeconfig'>, home: string, args: string[], timeoutMs = 30_000): KubectlResult {
  const r = spawnSync('kubectl', ['--kubeconfig', api.kubeconfig, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 256 << 20,
    env: { ...process.env, HOME: home, KUBECONFIG: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface KubectlProxy {
  /** http://127.0.0.1:PORT, the proxy's plain-HTTP front. */
  url: string;
  /** A kubeconfig whose one context talks to the proxy without credentials (namespace default). */
  kubeconfig: string;
  /** What the proxy wrote to stderr so far. */
  stderr(): string;
  /** Ends the proxy and removes its kubeconfig. */
  stop(): Promise<void>;
}

/**
 * Starts `kubectl proxy --port=0` against a running server (its `test`
 * context) and waits for "Starting to serve on 127.0.0.1:PORT". `args` go to
 * kubectl proxy as they are, e.g. `--reject-paths=^$` to let exec through
 * (by default the proxy refuses `^/api/.*\/pods/.*\/exec` and attach with a
 * plain-text 403 Forbidden; README "kubectl proxy").
 */
export async function startKubectlProxy(api: Pick<ApiServerHandle, 'kubeconfig'>, home: string, args: string[] = []): Promise<KubectlProxy> {
  const child = spawn('kubectl', ['--kubeconfig', api.kubeconfig, 'proxy', '--port=0', ...args], {
    env: { ...process.env, HOME: home, KUBECONFIG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kubectl proxy did not start in 30 s; stderr:\n${stderr}`));
    }, 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Starting to serve on (\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve(`http://${m[1]}`);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kubectl proxy exited (code ${code}); stderr:\n${stderr}`));
    });
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'procstatus-kubectl-proxy-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'proxy', cluster: { server: url } }],
      users: [{ name: 'proxy', user: {} }],
      contexts: [{ name: 'proxy', context: { cluster: 'proxy', user: 'proxy', namespace: 'default' } }],
      'current-context': 'proxy',
    }),
  );
  return {
    url,
    kubeconfig,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The real kubectl against the test API server, for tests that judge the
// server by what kubectl makes of it.

import { spawnSync } from 'node:child_process';
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

/** Runs kubectl with the server's kubeconfig (and no KUBECONFIG) and `home` as HOME, for at most 30 s. */
export function kubectl(api: Pick<ApiServerHandle, 'kubeconfig'>, home: string, args: string[]): KubectlResult {
  const r = spawnSync('kubectl', ['--kubeconfig', api.kubeconfig, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, HOME: home, KUBECONFIG: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

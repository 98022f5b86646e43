// The real kubectl 1.33, run without blocking (tests that run servers in
// their own process need the event loop), with nothing of this machine's
// configuration in reach.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

export const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
export const hasKubectl = fs.existsSync(KUBECTL);

/** $KUBECONFIG and in-cluster variables switched off. */
export const CLEAN_ENV = { KUBECONFIG: undefined, KUBERNETES_SERVICE_HOST: undefined, KUBERNETES_SERVICE_PORT: undefined };

export function kubectlAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(KUBECTL, args, { env: { ...process.env, ...CLEAN_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

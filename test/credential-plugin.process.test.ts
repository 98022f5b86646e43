// A credential plugin is a process tree, and nothing of it outlives its use:
// at the time limit, when the tool is interrupted, when the tool exits (shell
// completion included), the plugin's whole process group is killed. A
// plugin gets no terminal unless the kubeconfig's interactiveMode gives it
// one, as client-go decides it.
// https://kubernetes.io/docs/reference/access-authn-authz/authentication/#input-and-output-formats
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runCredentialPlugin, type ExecConfig } from '../src/kube/credential-plugin.ts';
import { BUNDLE, cliEnv, runCliAsync } from './helpers/cli.js';
import { CLEAN_ENV } from './helpers/kubectl.js';

const cluster = inject('cluster');
const V1 = 'client.authentication.k8s.io/v1';
const COMPLETION = path.join(path.dirname(BUNDLE), 'kubectl_complete-procstatus');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'procstatus-plugin-group-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/**
 * A plugin that starts a grandchild in its own process group, writes the
 * grandchild's PID to a file, then hangs (in the foreground, so only a kill
 * ends it).
 */
function hangingPlugin(): { command: string; pidFile: string } {
  const dir = path.join(tmp, `hang-${++n}`);
  fs.mkdirSync(dir);
  const pidFile = path.join(dir, 'grandchild.pid');
  const command = path.join(dir, 'plugin');
  fs.writeFileSync(command, `#!/bin/sh\nsleep 1000 &\necho $! > '${pidFile}'\nsleep 1000\n`, { mode: 0o700 });
  return { command, pidFile };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The grandchild is gone (its reaping by init may take a moment after the kill). */
async function gone(pidFile: string): Promise<boolean> {
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  expect(pid).toBeGreaterThan(1);
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

async function until(pred: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !pred(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(pred()).toBe(true);
}

const cfg = (over: Partial<ExecConfig>): ExecConfig => ({
  user: 'u', apiVersion: V1, command: '', args: [], env: [], installHint: '', interactiveMode: 'Never', provideClusterInfo: false, ...over,
});

function kubeconfigWith(exec: Record<string, unknown>, server = 'https://127.0.0.1:1', ca?: string): string {
  const file = path.join(tmp, `kubeconfig-${++n}`);
  fs.writeFileSync(file, JSON.stringify({
    clusters: [{ name: 'c', cluster: { server, ...(ca ? { 'certificate-authority-data': ca } : {}) } }],
    users: [{ name: 'u', user: { exec: { apiVersion: V1, interactiveMode: 'Never', ...exec } } }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'default' } }],
    'current-context': 'x',
  }));
  return file;
}

describe('the plugin\'s process group is killed', () => {
  it('at the time limit, grandchildren included', async () => {
    const p = hangingPlugin();
    await expect(runCredentialPlugin(cfg({ command: p.command }), { timeoutMs: 500, env: process.env, stderr: () => {} }))
      .rejects.toThrow(/did not finish within 500ms/);
    expect(await gone(p.pidFile)).toBe(true);
  });

  it('once the plugin has answered: a helper it left behind goes with it', async () => {
    const dir = path.join(tmp, 'leaves-helper');
    fs.mkdirSync(dir);
    const pidFile = path.join(dir, 'helper.pid');
    const command = path.join(dir, 'plugin');
    // The helper keeps nothing of the plugin's output open, so only the group kill ends it.
    fs.writeFileSync(command, `#!/bin/sh\nsleep 1000 >/dev/null 2>&1 &\necho $! > '${pidFile}'\n`
      + `echo '{"apiVersion":"${V1}","kind":"ExecCredential","status":{"token":"t"}}'\n`, { mode: 0o700 });
    expect((await runCredentialPlugin(cfg({ command }), { timeoutMs: 10_000, env: process.env, stderr: () => {} })).token).toBe('t');
    expect(await gone(pidFile)).toBe(true);
  });

  it('at the tool\'s --request-timeout', async () => {
    const p = hangingPlugin();
    const r = await runCliAsync(['--kubeconfig', kubeconfigWith({ command: p.command }), '--request-timeout', '1s', 'web', '--pid', '1'], CLEAN_ENV);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: credential plugin ".*" \(exec of user "u"\) did not finish within 1s/);
    expect(await gone(p.pidFile)).toBe(true);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('when the tool is interrupted (%s) while the plugin runs', async (sig) => {
    const p = hangingPlugin();
    const child = spawn(BUNDLE, ['--kubeconfig', kubeconfigWith({ command: p.command }), 'web', '--pid', '1'], {
      env: cliEnv(CLEAN_ENV), stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
    await until(() => fs.existsSync(p.pidFile) && fs.readFileSync(p.pidFile, 'utf8').trim() !== '');
    child.kill(sig);
    expect(await exited).not.toBe(0);
    expect(await gone(p.pidFile)).toBe(true);
  });

  it('when shell completion gives up on a plugin that hangs, within its own time limit', async () => {
    const p = hangingPlugin();
    const child = spawn(COMPLETION, ['--kubeconfig', kubeconfigWith({ command: p.command }), ''], { env: cliEnv(CLEAN_ENV), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    // No candidates, only the directive.
    expect(out.trim()).toMatch(/^:\d+$/);
    expect(await gone(p.pidFile)).toBe(true);
  });
});

describe('the plugin and the terminal', () => {
  /** A plugin that says what it found on stdin, and whether it was told it is interactive, in its token. */
  const reader = (): string => {
    const command = path.join(tmp, `reader-${++n}`);
    fs.writeFileSync(command, [
      '#!/bin/sh',
      'line=none; read -r line || line=eof',
      'printf %s "$line" > "$0.stdin"',
      'case "$KUBERNETES_EXEC_INFO" in *\'"interactive":true\'*) i=yes;; *) i=no;; esac',
      `printf '{"apiVersion":"${V1}","kind":"ExecCredential","status":{"token":"stdin-%s-interactive-%s"}}' "$line" "$i"`,
      '',
    ].join('\n'), { mode: 0o700 });
    return command;
  };

  it('no terminal (Never, or IfAvailable without one): stdin is empty, whatever the tool\'s stdin holds', async () => {
    for (const interactiveMode of ['Never', 'IfAvailable']) {
      const command = reader();
      const run = runCredentialPlugin(cfg({ command, interactiveMode }), { timeoutMs: 10_000, env: process.env, stderr: () => {}, stdinIsTerminal: false });
      expect((await run).token).toBe('stdin-eof-interactive-no');
    }
    // The built tool with a pipe on stdin that holds a secret: the plugin does not see it.
    const command = reader();
    const file = kubeconfigWith({ command, interactiveMode: 'IfAvailable' });
    const child = spawn(BUNDLE, ['--kubeconfig', file, '--request-timeout', '5s', 'web', '--pid', '1', '-v'], {
      env: cliEnv(CLEAN_ENV), stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.write('a secret line\n');
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await new Promise((resolve) => child.on('close', resolve));
    // The plugin ran (the server is not there: that is the error), and read nothing.
    expect(err).toMatch(/cannot connect to the API server/);
    expect(fs.readFileSync(`${command}.stdin`, 'utf8')).toBe('eof');
  });

  it.skipIf(!cluster || !fs.existsSync('/usr/bin/script'))('Always, on a terminal: the plugin reads the terminal, and is told it is interactive', async () => {
    // A plugin that asks on the terminal for the token and hands it over.
    const command = path.join(tmp, 'prompting');
    fs.writeFileSync(command, [
      '#!/bin/sh',
      'printf "token: " >&2',
      'read -r token',
      'case "$KUBERNETES_EXEC_INFO" in *\'"interactive":true\'*) ;; *) echo "not told it is interactive" >&2; exit 2;; esac',
      `printf '{"apiVersion":"${V1}","kind":"ExecCredential","status":{"token":"%s"}}' "$token"`,
      '',
    ].join('\n'), { mode: 0o700 });
    const k = JSON.parse(fs.readFileSync(cluster!.kubeconfig, 'utf8')) as { clusters: { name: string; cluster: Record<string, string> }[] };
    const c = k.clusters.find((x) => x.name === 'procstatus-test')!.cluster;
    const file = kubeconfigWith({ command, interactiveMode: 'Always' }, c.server, c['certificate-authority-data']);
    // script(1) gives the tool a terminal, and types into it what we write.
    const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
    const child = spawn('script', ['-qec', `${q(BUNDLE)} --kubeconfig ${q(file)} single --pid 1 -o json`, '/dev/null'], {
      env: cliEnv(CLEAN_ENV), stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('token: ') && !child.stdin.writableEnded) child.stdin.end(`${cluster!.token}\n`);
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(out).toContain('"name": "sleep"');
  });
});

// Exec credential plugins (src/kube/credential-plugin.ts): the ExecCredential
// checks of client-go's exec authenticator, the error wording, and real runs of
// small plugin scripts (argv, env, KUBERNETES_EXEC_INFO, stdin, time limit).
// https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCluster } from '../src/kube/config.ts';
import {
  CredentialCache, execInfo, parseExecConfig, parseExecCredential, pluginError, runCredentialPlugin, type ExecConfig,
} from '../src/kube/credential-plugin.ts';

const V1 = 'client.authentication.k8s.io/v1';
const V1BETA1 = 'client.authentication.k8s.io/v1beta1';

// The shape `aws eks get-token` prints (token shortened).
const EKS_OUTPUT = '{"kind": "ExecCredential", "apiVersion": "client.authentication.k8s.io/v1beta1", "spec": {}, '
  + '"status": {"expirationTimestamp": "2026-12-02T17:44:05Z", "token": "k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0x"}}';
const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const PEM_KEY = '-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----\n';

describe('ExecCredential output', () => {
  it('a v1beta1 token with expiry (EKS)', () => {
    expect(parseExecCredential(EKS_OUTPUT, V1BETA1)).toEqual({
      token: 'k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0x', expiresAt: new Date('2026-12-02T17:44:05Z'),
    });
  });

  it('a v1 client certificate and key', () => {
    const out = JSON.stringify({ apiVersion: V1, kind: 'ExecCredential', status: { clientCertificateData: PEM_CERT, clientKeyData: PEM_KEY } });
    expect(parseExecCredential(out, V1)).toEqual({ clientCertificateData: PEM_CERT, clientKeyData: PEM_KEY, expiresAt: null });
  });

  it.each([
    ['', 'it printed nothing'],
    ['<html>Login required</html>', 'its output is not JSON (starts with "<html>Login required</html>")'],
    ['[1]', 'its output is not a JSON object'],
    [JSON.stringify({ apiVersion: V1, kind: 'Status' }), 'its output has kind "Status", not ExecCredential'],
    [EKS_OUTPUT, `the kubeconfig asks for ${V1}, the plugin returned "${V1BETA1}"`],
    [JSON.stringify({ apiVersion: V1, kind: 'ExecCredential' }), 'its ExecCredential has no status'],
    [JSON.stringify({ apiVersion: V1, kind: 'ExecCredential', status: {} }), 'its ExecCredential has no token and no client certificate/key pair'],
    [JSON.stringify({ apiVersion: V1, kind: 'ExecCredential', status: { clientCertificateData: PEM_CERT } }),
      'its ExecCredential has only one of clientCertificateData and clientKeyData'],
    [JSON.stringify({ apiVersion: V1, kind: 'ExecCredential', status: { clientCertificateData: 'x', clientKeyData: 'y' } }),
      'its clientCertificateData/clientKeyData are not PEM'],
    [JSON.stringify({ apiVersion: V1, kind: 'ExecCredential', status: { token: 't', expirationTimestamp: 'soon' } }),
      'its expirationTimestamp is not an RFC 3339 time'],
  ])('refused: %s', (out, why) => {
    expect(parseExecCredential(out, V1)).toEqual({ invalid: why });
  });

  it('KUBERNETES_EXEC_INFO: an ExecCredential of the configured version, not interactive', () => {
    expect(JSON.parse(execInfo(V1))).toEqual({ kind: 'ExecCredential', apiVersion: V1, spec: { interactive: false } });
  });
});

describe('the kubeconfig exec block', () => {
  it('GKE\'s, with defaults filled in', () => {
    expect(parseExecConfig('gke', { apiVersion: V1BETA1, command: 'gke-gcloud-auth-plugin', installHint: 'Install it', provideClusterInfo: true }))
      .toEqual({ user: 'gke', apiVersion: V1BETA1, command: 'gke-gcloud-auth-plugin', args: [], env: [], installHint: 'Install it', interactiveMode: 'IfAvailable', provideClusterInfo: true });
  });
  it.each([
    [{ apiVersion: 'client.authentication.k8s.io/v1alpha1', command: 'x' }, /apiVersion "client.authentication.k8s.io\/v1alpha1" is not supported/],
    [{ command: 'x' }, /apiVersion \(missing\) is not supported/],
    [{ apiVersion: V1 }, /command is missing/],
    [{ apiVersion: V1, command: 'x', args: 'get-token' }, /args must be a list of strings/],
    [{ apiVersion: V1, command: 'x', env: [{ value: 'v' }] }, /env must be a list/],
    [{ apiVersion: V1, command: 'x', interactiveMode: 'Sometimes' }, /interactiveMode "Sometimes"/],
  ])('refused: %j', (raw, why) => {
    expect(() => parseExecConfig('u', raw)).toThrow(why);
  });
});

const cfg = (over: Partial<ExecConfig> = {}): ExecConfig => ({
  user: 'prod', apiVersion: V1, command: 'kubelogin', args: [], env: [], installHint: '', interactiveMode: 'Never', provideClusterInfo: false, ...over,
});

describe('error wording: the plugin, and what went wrong, on one line', () => {
  const run = { status: 0, signal: null, stdout: '', stderr: '' };
  it('not found, with the kubeconfig\'s installHint as the hint', () => {
    const e = pluginError(cfg({ installHint: 'kubelogin is not installed.\n\n  Get it from https://example/kubelogin\n' }), { ...run, errorCode: 'ENOENT', status: null }, 30_000)!;
    expect(e.message).toBe('credential plugin "kubelogin" (exec of user "prod") not found');
    expect(e.hint).toBe('kubelogin is not installed. Get it from https://example/kubelogin');
  });
  it('exit code and the first line of stderr', () => {
    const e = pluginError(cfg(), { ...run, status: 2, stderr: '\nerror: token expired\nsee --help\n' }, 30_000)!;
    expect(e.message).toBe('credential plugin "kubelogin" (exec of user "prod") failed with exit code 2: error: token expired');
  });
  it('killed, timed out', () => {
    expect(pluginError(cfg(), { ...run, status: null, signal: 'SIGSEGV' }, 30_000)!.message).toMatch(/was killed by SIGSEGV$/);
    expect(pluginError(cfg(), { ...run, status: null, signal: 'SIGKILL', errorCode: 'ETIMEDOUT' }, 5000)!.message)
      .toMatch(/did not finish within 5s$/);
  });
  it('bad output', () => {
    expect(pluginError(cfg(), { ...run, stdout: 'Opening browser...' }, 30_000)!.message)
      .toBe('credential plugin "kubelogin" (exec of user "prod") gave no valid ExecCredential: its output is not JSON (starts with "Opening browser...")');
  });
  it('a good run is no error', () => {
    expect(pluginError(cfg(), { ...run, stdout: JSON.stringify({ apiVersion: V1, kind: 'ExecCredential', status: { token: 't' } }) }, 30_000)).toBeNull();
  });
});

describe('running plugins', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'procstatus-plugin-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const script = (name: string, body: string): string => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o700 });
    return file;
  };
  const stderr: string[] = [];
  const opts = { timeoutMs: 10_000, env: { PATH: process.env.PATH, FROM_PARENT: 'parent', OVERRIDDEN: 'parent' }, stderr: (t: string) => stderr.push(t) };

  it('argv as given (no shell), env entries over ours, KUBERNETES_EXEC_INFO, stdin not a terminal', async () => {
    // The plugin reports what it got inside its token.
    const echo = script('echo-plugin', [
      'stdin=terminal; [ -t 0 ] || stdin=none',
      'token="args=$#:$1|$2 parent=$FROM_PARENT over=$OVERRIDDEN stdin=$stdin info=$KUBERNETES_EXEC_INFO"',
      'printf \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":%s}}\' "$(printf %s "$token" | sed \'s/"/\\\\"/g; s/^/"/; s/$/"/\')"',
    ].join('\n'));
    const cred = await runCredentialPlugin(cfg({ command: echo, args: ['a b', '$(id)'], env: [{ name: 'OVERRIDDEN', value: 'kubeconfig' }] }), opts);
    expect(cred.token).toBe(`args=2:a b|$(id) parent=parent over=kubeconfig stdin=none info=${execInfo(V1)}`);
  });

  it('stderr of a good run passes through, made safe', async () => {
    stderr.length = 0;
    const p = script('noisy', 'printf \'token cached\\033]0;pwned\\007\\n\' >&2; echo \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t"}}\'');
    await runCredentialPlugin(cfg({ command: p }), opts);
    expect(stderr.join('')).toBe('token cached\\x1b]0;pwned\\x07\n');
  });

  it('a failing run: exit code and stderr in the error', async () => {
    const p = script('fails', 'echo "refresh failed: invalid_grant" >&2; exit 7');
    await expect(runCredentialPlugin(cfg({ command: p }), opts)).rejects.toThrow(`credential plugin "${p}" (exec of user "prod") failed with exit code 7: refresh failed: invalid_grant`);
  });

  it('a plugin that hangs is killed at the time limit', async () => {
    const p = script('hangs', 'exec sleep 30');
    await expect(runCredentialPlugin(cfg({ command: p }), { ...opts, timeoutMs: 300 })).rejects.toThrow(/did not finish within 300ms$/);
  });

  it('not installed, not executable', async () => {
    await expect(runCredentialPlugin(cfg({ command: 'procstatus-surely-not-installed' }), opts)).rejects.toThrow(/"procstatus-surely-not-installed" .* not found$/);
    const p = path.join(tmp, 'not-exec');
    fs.writeFileSync(p, '#!/bin/sh\n', { mode: 0o600 });
    await expect(runCredentialPlugin(cfg({ command: p }), opts)).rejects.toThrow(/cannot be run: permission denied/);
  });

  it('provideClusterInfo: spec.cluster with the CA inline and the exec extension as config', async () => {
    const dir = path.join(tmp, 'cluster-info');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'ca.crt'), 'THE CA\n');
    script('cluster-info/plugin', 'printf %s "$KUBERNETES_EXEC_INFO" > "$(dirname "$0")/info.json"; '
      + 'echo \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t"}}\'');
    fs.writeFileSync(path.join(dir, 'config'), [
      'clusters:',
      '- name: c',
      '  cluster:',
      '    server: https://api.example:6443',
      '    certificate-authority: ca.crt',
      '    tls-server-name: kubernetes',
      '    extensions:',
      '    - name: client.authentication.k8s.io/exec',
      '      extension: {audience: sts.example}',
      'users:',
      '- name: u',
      '  user:',
      '    exec: {apiVersion: client.authentication.k8s.io/v1, command: ./plugin, interactiveMode: Never, provideClusterInfo: true}',
      'contexts:',
      '- name: x',
      '  context: {cluster: c, user: u}',
      'current-context: x',
      '',
    ].join('\n'));
    const c = loadCluster({ cwd: process.cwd(), stderr: () => {}, kubeconfig: path.join(dir, 'config'), context: null, env: { PATH: process.env.PATH }, home: tmp });
    expect((await c.transport.prepare()).headers.Authorization).toBe('Bearer t');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'info.json'), 'utf8'))).toEqual({
      kind: 'ExecCredential',
      apiVersion: V1,
      spec: {
        cluster: {
          server: 'https://api.example:6443',
          'tls-server-name': 'kubernetes',
          'certificate-authority-data': Buffer.from('THE CA\n').toString('base64'),
          config: { audience: 'sts.example' },
        },
        interactive: false,
      },
    });
  });

  it('interactiveMode Always is refused without a terminal, in client-go\'s words', async () => {
    await expect(runCredentialPlugin(cfg({ interactiveMode: 'Always' }), { ...opts, stdinIsTerminal: false }))
      .rejects.toThrow(/exec plugin cannot support interactive mode: standard input is not a terminal$/);
  });
});

describe('one credential per run', () => {
  it('runs once; again only after expirationTimestamp', async () => {
    let now = 1_000;
    let n = 0;
    const cache = new CredentialCache(async () => ({ token: `t${++n}`, expiresAt: new Date(2_000) }), () => now);
    expect((await cache.get()).token).toBe('t1');
    now = 1_999;
    expect((await cache.get()).token).toBe('t1');
    now = 2_000;
    expect((await cache.get()).token).toBe('t2');
    expect(cache.runs).toBe(2);
  });
  it('without an expiry, once for the whole run, however many ask at once', async () => {
    let n = 0;
    const cache = new CredentialCache(async () => ({ token: `t${++n}`, expiresAt: null }), () => 1e15);
    const all = await Promise.all(Array.from({ length: 50 }, () => cache.get()));
    expect(new Set(all.map((c) => c.token))).toEqual(new Set(['t1']));
    expect(cache.runs).toBe(1);
  });
  it('a failed run is the answer for the rest of the run: the plugin is not run again', async () => {
    let n = 0;
    const cache = new CredentialCache(async () => {
      n++;
      throw new Error('exit code 1');
    });
    await expect(cache.get()).rejects.toThrow('exit code 1');
    await expect(cache.get()).rejects.toThrow('exit code 1');
    expect(n).toBe(1);
  });
});

// Kubeconfigs as kubectl takes them, beyond the common case: a plain http://
// server (kubectl proxy), a proxy-url (HTTP CONNECT, SOCKS5, one that
// refuses, one that is not there), and the mistakes kubectl itself refuses,
// in its words. The built tool against the test API server; kubectl 1.33 on
// the same files as the reference.
// https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/
// https://kubernetes.io/docs/tasks/extend-kubernetes/http-proxy-access-api/
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCliAsync } from './helpers/cli.js';
import { closedPort, errorLines } from './helpers/errors.js';
import { CLEAN_ENV, hasKubectl, KUBECTL, kubectlAsync } from './helpers/kubectl.js';
import { startConnectProxy, startSocks5Proxy, type TestProxy } from './helpers/proxies.js';

const cluster = inject('cluster');

describe.skipIf(!cluster)('kubeconfigs as kubectl takes them', () => {
  let tmp: string;
  let server: string;
  let caData: string;
  let token: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'procstatus-kubeconfig-edges-'));
    const k = JSON.parse(fs.readFileSync(cluster!.kubeconfig, 'utf8')) as {
      clusters: { name: string; cluster: Record<string, string> }[];
    };
    const c = k.clusters.find((x) => x.name === 'procstatus-test')!.cluster;
    server = c.server;
    caData = c['certificate-authority-data'];
    token = cluster!.token;
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** A kubeconfig of one context `x`: cluster `c`, user `u` (left out when `user` is null). */
  const kubeconfig = (name: string, clusterFields: Record<string, unknown>, user: Record<string, unknown> | null, userName = 'u'): string => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: clusterFields }],
      users: user ? [{ name: 'u', user }] : [],
      contexts: [{ name: 'x', context: { cluster: 'c', user: userName } }],
      'current-context': 'x',
    }));
    return file;
  };
  const tls = () => ({ server, 'certificate-authority-data': caData });
  const ours = (file: string, ...args: string[]) => runCliAsync(['--kubeconfig', file, ...args], CLEAN_ENV);

  describe('a plain http:// server: kubectl proxy in front of the API server', () => {
    let proxy: ChildProcess;
    let url: string;
    beforeAll(async () => {
      // --reject-paths='^$': kubectl proxy refuses exec and attach by default.
      proxy = spawn(KUBECTL, ['--kubeconfig', cluster!.kubeconfig, 'proxy', '--port=0', '--reject-paths=^$'], {
        env: { ...process.env, ...CLEAN_ENV }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      url = await new Promise<string>((resolve, reject) => {
        let out = '';
        proxy.stdout!.on('data', (d) => {
          out += d;
          const m = /Starting to serve on (127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(`http://${m[1]}`);
        });
        proxy.on('exit', (code) => reject(new Error(`kubectl proxy exited (${code}): ${out}`)));
      });
    });
    afterAll(() => {
      proxy?.kill();
    });

    it.skipIf(!hasKubectl)('the pod GET and the exec (a ws:// upgrade) go through; no credentials are sent to http://, as kubectl sends none', async () => {
      // kubectl proxy passes a client's own Authorization on: a bogus token that reached it would be a 401.
      const file = kubeconfig('http', { server: url }, { token: 'not-a-valid-token-0123456789abcdef' });
      const r = await ours(file, 'single', '--pid', '1', '-o', 'json', '-v');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).items[0]).toMatchObject({ pod: 'single', pid: 1, name: 'sleep', error: null });
      expect(r.stderr).toMatch(/exec connected, subprotocol v5\.channel\.k8s\.io/);
      expect(await kubectlAsync(['--kubeconfig', file, 'get', 'pod', 'single', '-o', 'name'])).toMatchObject({ code: 0, stdout: 'pod/single\n' });
      const exec = await kubectlAsync(['--kubeconfig', file, 'exec', 'single', '--', 'cat', '/proc/1/status']);
      expect(exec.code).toBe(0);
      expect(exec.stdout).toMatch(/^Name:\s+sleep$/m);
    });
  });

  describe('proxy-url', () => {
    const proxies: TestProxy[] = [];
    afterAll(async () => {
      await Promise.all(proxies.map((p) => p.close()));
    });
    const start = async (p: Promise<TestProxy>) => {
      const proxy = await p;
      proxies.push(proxy);
      return proxy;
    };
    const apiHostPort = () => new URL(server).host;

    it('an HTTP proxy: every connection is a CONNECT tunnel, and the exec upgrade reuses the GET\'s', async () => {
      const proxy = await start(startConnectProxy());
      const file = kubeconfig('connect', { ...tls(), 'proxy-url': proxy.url }, { token });
      const r = await ours(file, 'single', '--pid', '1', '-o', 'json');
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout).items[0]).toMatchObject({ pod: 'single', pid: 1, error: null });
      expect(proxy.tunnels).toEqual([apiHostPort()]);
      if (hasKubectl) {
        expect(await kubectlAsync(['--kubeconfig', file, 'get', 'pod', 'single', '-o', 'name'])).toMatchObject({ code: 0, stdout: 'pod/single\n' });
        expect(proxy.tunnels.length).toBeGreaterThan(1);
        expect(new Set(proxy.tunnels)).toEqual(new Set([apiHostPort()]));
      }
    });

    it('a SOCKS5 proxy', async () => {
      const proxy = await start(startSocks5Proxy());
      const file = kubeconfig('socks', { ...tls(), 'proxy-url': proxy.url }, { token });
      const r = await ours(file, 'single', '--pid', '1', '-o', 'json');
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout).items[0]).toMatchObject({ pod: 'single', pid: 1, error: null });
      expect(proxy.tunnels).toEqual([apiHostPort()]);
      if (hasKubectl) expect(await kubectlAsync(['--kubeconfig', file, 'get', 'pod', 'single', '-o', 'name'])).toMatchObject({ code: 0 });
    });

    it('a proxy that refuses the tunnel: says so, with its answer', async () => {
      const proxy = await start(startConnectProxy({ refuse: true }));
      const file = kubeconfig('refusing', { ...tls(), 'proxy-url': proxy.url }, { token });
      const [line, hint] = errorLines(await ours(file, 'single', '--pid', '1'));
      expect(line).toBe(`error: the proxy ${proxy.url} refused the tunnel to the API server ${server}: HTTP 403 Forbidden`);
      expect(hint).toMatch(/proxy-url/);
    });

    it('a proxy that is not there: the proxy cannot be reached (kubectl blames the API server)', async () => {
      const proxyUrl = `http://127.0.0.1:${await closedPort()}`;
      const file = kubeconfig('no-proxy', { ...tls(), 'proxy-url': proxyUrl }, { token });
      const [line] = errorLines(await ours(file, 'single', '--pid', '1'));
      expect(line).toBe(`error: cannot connect to the proxy ${proxyUrl} (proxy-url): connection refused`);
      if (hasKubectl) {
        const k = await kubectlAsync(['--kubeconfig', file, 'get', 'pod', 'single']);
        expect(k.code).toBe(1);
        expect(k.stderr).toMatch(/connection to the server .* was refused/);
      }
    });

    it('a scheme kubectl does not take: its words', async () => {
      const file = kubeconfig('ftp-proxy', { ...tls(), 'proxy-url': 'ftp://127.0.0.1:21' }, { token });
      const [line] = errorLines(await ours(file, 'single', '--pid', '1'));
      const words = 'invalid \'proxy-url\' "ftp://127.0.0.1:21" for cluster "c": unsupported scheme "ftp", must be http, https, or socks5';
      expect(line).toBe(`error: ${words}`);
      if (hasKubectl) expect((await kubectlAsync(['--kubeconfig', file, 'get', 'pods'])).stderr).toContain(words);
    });
  });

  describe('mistakes, in kubectl\'s words', () => {
    it('a context that names a user no file defines', async () => {
      const file = kubeconfig('ghost-user', tls(), null, 'ghost');
      const [line, hint] = errorLines(await ours(file, 'single', '--pid', '1'));
      expect(line).toBe('error: auth info "ghost" does not exist');
      expect(hint).toMatch(/context "x" names user "ghost"/);
      if (hasKubectl) {
        // kubectl's words for a user that does not exist, when it is asked for by name...
        expect((await kubectlAsync(['--kubeconfig', file, '--user', 'ghost', 'get', 'pods'])).stderr).toContain('auth info "ghost" does not exist');
        // ...and through the context: no credentials, so it asks for a username on stdin, and fails without one.
        const k = await kubectlAsync(['--kubeconfig', file, 'get', 'pods']);
        expect(k.code).toBe(1);
        expect(k.stdout).toContain('Please enter Username:');
      }
    });

    it('insecure-skip-tls-verify with a CA', async () => {
      const file = kubeconfig('insecure-ca', { ...tls(), 'insecure-skip-tls-verify': true }, { token });
      const words = 'specifying a root certificates file with the insecure flag is not allowed';
      const [line] = errorLines(await ours(file, 'single', '--pid', '1'));
      expect(line).toBe(`error: ${words}`);
      if (hasKubectl) expect((await kubectlAsync(['--kubeconfig', file, 'get', 'pods'])).stderr).toContain(words);
    });

    it.each([
      ['client-certificate', { 'client-certificate': '/nonexistent/client.crt', 'client-key-data': 'eA==' }, 'user "u"', 'client-cert'],
      ['client-key', { 'client-certificate-data': 'eA==', 'client-key': '/nonexistent/client.key' }, 'user "u"', 'client-key'],
    ])('a %s file that is not there: one line naming the field and the file', async (field, user, who, kubectlWord) => {
      const file = kubeconfig(`missing-${field}`, tls(), user);
      const missing = (user as Record<string, string>)[field];
      const [line] = errorLines(await ours(file, 'single', '--pid', '1'));
      expect(line).toBe(`error: unable to read ${field} ${missing} for ${who}: no such file or directory`);
      if (hasKubectl) expect((await kubectlAsync(['--kubeconfig', file, 'get', 'pods'])).stderr).toContain(`unable to read ${kubectlWord} ${missing} for u`);
    });

    it('a certificate-authority file that is not there', async () => {
      const file = kubeconfig('missing-ca', { server, 'certificate-authority': '/nonexistent/ca.crt' }, { token });
      const [line] = errorLines(await ours(file, 'single', '--pid', '1'));
      expect(line).toBe('error: unable to read certificate-authority /nonexistent/ca.crt for cluster "c": no such file or directory');
      if (hasKubectl) {
        expect((await kubectlAsync(['--kubeconfig', file, 'get', 'pods'])).stderr)
          .toContain('unable to read certificate-authority /nonexistent/ca.crt for c');
      }
    });

    it('a token and basic auth together', async () => {
      const file = kubeconfig('token-basic', tls(), { token, username: 'jane', password: 'secret' });
      const words = 'more than one authentication method found for u; found [token basicAuth], only one is allowed';
      const [line] = errorLines(await ours(file, 'single', '--pid', '1'));
      expect(line).toBe(`error: ${words}`);
      if (hasKubectl) expect((await kubectlAsync(['--kubeconfig', file, 'get', 'pods'])).stderr).toContain(words);
    });

    it('a token with a line break: says which token, never the token', async () => {
      const file = kubeconfig('token-lf', tls(), { token: `${token}\nInjected: header` });
      const r = await ours(file, 'single', '--pid', '1');
      const [line] = errorLines(r);
      expect(line).toBe('error: the token of user "u" in the kubeconfig is invalid: it contains a line break (CR or LF)');
      expect(r.stderr).not.toContain(token);
      if (hasKubectl) expect((await kubectlAsync(['--kubeconfig', file, 'get', 'pods'])).stderr).toContain('invalid header field value for "Authorization"');
    });

    it('a credential plugin\'s token with a CR', async () => {
      const plugin = path.join(tmp, 'cr-plugin');
      fs.writeFileSync(plugin, `#!/bin/sh\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${token}\\\\rX"}}'\n`, { mode: 0o700 });
      const file = kubeconfig('plugin-cr', tls(), { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' } });
      const r = await ours(file, 'single', '--pid', '1');
      const [line] = errorLines(r);
      expect(line).toBe(`error: the token from credential plugin "${plugin}" (exec of user "u") is invalid: it contains a line break (CR or LF)`);
      expect(r.stderr).not.toContain(token);
    });

    it('--kubeconfig /dev/zero, and a pipe that never ends: cut at once', async () => {
      const [zero] = errorLines(await ours('/dev/zero', 'single', '--pid', '1'));
      expect(zero).toBe('error: cannot read kubeconfig "/dev/zero": larger than 16777216 bytes');
      const fifo = path.join(tmp, 'fifo');
      execFileSync('mkfifo', [fifo]);
      const writer = spawn('sh', ['-c', `exec yes kubeconfig > '${fifo}'`], { stdio: 'ignore' });
      try {
        const [line] = errorLines(await ours(fifo, 'single', '--pid', '1'));
        expect(line).toBe(`error: cannot read kubeconfig "${fifo}": larger than 16777216 bytes`);
      } finally {
        writer.kill('SIGKILL');
      }
    });
  });
});

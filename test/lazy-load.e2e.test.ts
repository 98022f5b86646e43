// Which npm packages a run evaluates. The bundle carries client-node (for
// kubeconfig auth-providers) and socks (for socks5:// proxies), but a run
// with neither must not load them, nor what they pull in (openid-client,
// jose, hpagent, jsonpath-plus...): they cost start-up time and memory on
// every run. The bundle is built as scripts/build.mjs builds it, with every
// npm module marked so that it records itself when it is evaluated, and run
// against the test API server.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cliEnv } from './helpers/cli.js';
import { CLEAN_ENV } from './helpers/kubectl.js';
import { startSocks5Proxy, type TestProxy } from './helpers/proxies.js';

const cluster = inject('cluster');

/** Never loaded unless a kubeconfig asks for an auth-provider or a SOCKS proxy. */
const ON_DEMAND = [
  '@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose', 'jsonpath-plus', 'rfc4648', 'hpagent',
  'socks', 'socks-proxy-agent', 'smart-buffer', 'ip-address', 'ws', 'isomorphic-ws', 'undici',
];

/**
 * Table libraries: lists stream through the tool's own printer, one line per
 * row, and the detail view's sections are drawn by it too (cli-table3 was
 * measured for them and not taken: README, "Which printer draws what"). None
 * of them may be loaded by a list, a document or, while the bundle carries
 * none, the detail view; one that the detail view came to use would be
 * loaded by it alone.
 */
const TABLE_LIBRARIES = ['cli-table3', 'string-width', 'strip-ansi', 'ansi-regex', 'emoji-regex', 'is-fullwidth-code-point', '@colors/colors'];

type EsbuildPlugin = { name: string; setup(b: { onLoad(o: { filter: RegExp }, cb: (a: { path: string }) => Promise<unknown>): void }): void };

/** Every module of a package in node_modules records the package's name when it is evaluated. */
const markLoads: EsbuildPlugin = {
  name: 'mark-loads',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, async (args) => {
      const names = [...args.path.matchAll(/node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/g)];
      const pkg = names.at(-1)![1].replace(/\\/g, '/');
      let text = await fs.promises.readFile(args.path, 'utf8');
      let shebang = '';
      if (text.startsWith('#!')) {
        shebang = text.slice(0, text.indexOf('\n') + 1);
        text = text.slice(shebang.length);
      }
      return { contents: `${shebang}globalThis.__procstatusLoaded.add(${JSON.stringify(pkg)});\n${text}`, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

const BANNER = 'globalThis.__procstatusLoaded=new Set();process.on("exit",()=>{require("node:fs").writeFileSync(process.env.PROCSTATUS_LOADED_FILE,JSON.stringify([...globalThis.__procstatusLoaded].sort()))});';

describe.skipIf(!cluster)('packages a run loads', () => {
  let tmp: string;
  let instrumented: string;
  let server: string;
  let caData: string;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'procstatus-lazy-load-'));
    const build = (await import(new URL('../scripts/build.mjs', import.meta.url).href)) as {
      bundle(entry: string, define?: object, extra?: { plugins?: EsbuildPlugin[]; banner?: string }): Promise<string>;
    };
    instrumented = path.join(tmp, 'kubectl-procstatus.cjs');
    fs.writeFileSync(instrumented, await build.bundle('src/main.ts', {}, { plugins: [markLoads], banner: BANNER }));
    const k = JSON.parse(fs.readFileSync(cluster!.kubeconfig, 'utf8')) as { clusters: { name: string; cluster: Record<string, string> }[] };
    const c = k.clusters.find((x) => x.name === 'procstatus-test')!.cluster;
    server = c.server;
    caData = c['certificate-authority-data'];
  }, 120_000);
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** Runs the instrumented bundle: its result, and the packages it evaluated. */
  const run = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; loaded: string[] }> => {
    const record = path.join(tmp, `loaded-${Math.random().toString(36).slice(2)}.json`);
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [instrumented, ...args], { env: cliEnv({ ...CLEAN_ENV, PROCSTATUS_LOADED_FILE: record }) });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr, loaded: JSON.parse(fs.readFileSync(record, 'utf8')) as string[] }));
    });
  };
  const kubeconfig = (name: string, clusterFields: Record<string, unknown>, user: Record<string, unknown>): string => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, JSON.stringify({
      clusters: [{ name: 'c', cluster: { server, 'certificate-authority-data': caData, ...clusterFields } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }));
    return file;
  };

  it('local mode loads no package at all; -o yaml loads js-yaml', async () => {
    const local = await run(['--pid', '1', '-o', 'json']);
    expect(local.code).toBe(0);
    expect(local.loaded).toEqual([]);
    expect((await run(['--pid', '1', '-o', 'yaml'])).loaded).toEqual(['js-yaml']);
  });

  it.each(['test', 'exec-plugin'])('a token user and a credential plugin user (context %s): none of them', async (context) => {
    const r = await run(['--kubeconfig', cluster!.kubeconfig, '--context', context, 'single', '--pid', '1', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).items[0]).toMatchObject({ pod: 'single', pid: 1, error: null });
    // The marks work: what every run needs is there.
    expect(r.loaded).toEqual(expect.arrayContaining(['js-yaml']));
    expect(r.loaded.filter((p) => ON_DEMAND.includes(p))).toEqual([]);
  });

  it.each([
    ['a sweep', ['-A', '-l', 'app=web', '--pid', '1'], /^NAMESPACE\s+POD\s/],
    ['-o json', ['single', '--pid', '1', '-o', 'json'], /^\{/],
    ['one process\'s detail view', ['single', '--pid', '1'], /^Process: 1 .*pod default\/single/],
  ])('%s: no table library', async (_, args, shape) => {
    const r = await run(['--kubeconfig', cluster!.kubeconfig, ...args]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(shape);
    expect(r.loaded).toEqual(expect.arrayContaining(['js-yaml']));
    expect(r.loaded.filter((p) => TABLE_LIBRARIES.includes(p) || ON_DEMAND.includes(p))).toEqual([]);
  });

  it('a gcp auth-provider user: client-node is loaded, and its authenticator\'s token is sent', async () => {
    // A current access-token: client-node's gcp authenticator sends it as it is, without running gcloud.
    const file = kubeconfig('gcp', {}, {
      'auth-provider': { name: 'gcp', config: { 'access-token': cluster!.token, expiry: new Date(Date.now() + 3600_000).toISOString() } },
    });
    const r = await run(['--kubeconfig', file, 'single', '--pid', '1', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).items[0]).toMatchObject({ pod: 'single', pid: 1, error: null });
    expect(r.loaded).toEqual(expect.arrayContaining(['@kubernetes/client-node', 'jsonpath-plus']));
  });

  describe('a socks5:// proxy-url', () => {
    let proxy: TestProxy;
    beforeAll(async () => {
      proxy = await startSocks5Proxy();
    });
    afterAll(async () => {
      await proxy?.close();
    });

    it('loads socks, and nothing of client-node', async () => {
      const file = kubeconfig('socks', { 'proxy-url': proxy.url }, { token: cluster!.token });
      const r = await run(['--kubeconfig', file, 'single', '--pid', '1', '-o', 'json']);
      expect(r.code).toBe(0);
      expect(r.loaded).toContain('socks');
      expect(r.loaded.filter((p) => p.startsWith('@kubernetes/') || p === 'openid-client' || p === 'jose')).toEqual([]);
    });
  });
});

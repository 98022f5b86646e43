// The built tool finding and merging kubeconfig files, and getting
// credentials from exec plugins, against the test API server; kubectl 1.33,
// where installed, run on the same files as the reference.
// https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/#merging-kubeconfig-files
// https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { namespacesUnavailableReason } from './apiserver/harness.ts';
import {
  PLUGIN_FAIL_MESSAGE, PLUGIN_INSTALL_HINT, PLUGIN_MISSING_COMMAND, PLUGIN_RUNS_FILE,
} from './apiserver/api/kubeconfig.ts';
import { runCliAsync } from './helpers/cli.js';
import { closedPort, errorLines } from './helpers/errors.js';
import { CLEAN_ENV, hasKubectl, KUBECTL } from './helpers/kubectl.js';

const cluster = inject('cluster');
if (!cluster) console.warn(`skipping kubeconfig e2e tests: ${namespacesUnavailableReason()}`);

function kubectl(args: string[], env: NodeJS.ProcessEnv): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(KUBECTL, args, { env: { ...process.env, ...CLEAN_ENV, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!cluster)('finding and merging kubeconfig files', () => {
  let tmp: string;
  let good: string;
  let wrongCluster: string;
  let wrongPort: number;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'procstatus-kubeconfig-e2e-'));
    good = cluster!.kubeconfig;
    // A file that defines only the cluster the good file's `test` context
    // uses, under the same name, pointing at a port where nothing listens.
    wrongPort = await closedPort();
    const goodObj = JSON.parse(fs.readFileSync(good, 'utf8')) as { clusters: { name: string; cluster: Record<string, unknown> }[] };
    const same = goodObj.clusters.find((c) => c.name === 'procstatus-test')!;
    wrongCluster = path.join(tmp, 'wrong-cluster.yaml');
    fs.writeFileSync(wrongCluster, [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: procstatus-test',
      '  cluster:',
      `    server: https://127.0.0.1:${wrongPort}`,
      `    certificate-authority-data: ${same.cluster['certificate-authority-data'] as string}`,
      '',
    ].join('\n'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const run = (env: NodeJS.ProcessEnv, ...args: string[]) => runCliAsync([...args], { ...CLEAN_ENV, HOME: tmp, ...env });

  it('KUBECONFIG=/missing:/good reads the good file', async () => {
    const r = await run({ KUBECONFIG: `${tmp}/missing:${good}` }, 'single', '--pid', '1', '-o', 'json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).items[0]).toMatchObject({ pod: 'single', pid: 1, name: 'sleep', error: null });
  });

  it('empty entries in the list are ignored', async () => {
    const r = await run({ KUBECONFIG: `::${good}:` }, 'single', '--pid', '1', '-o', 'json');
    expect(r.code).toBe(0);
  });

  it('two files defining the same cluster name: no error, the first file wins', async () => {
    const first = await run({ KUBECONFIG: `${good}:${wrongCluster}` }, 'single', '--pid', '1', '-o', 'json');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    // The other order: the same context now reaches the wrong file's server.
    const second = await run({ KUBECONFIG: `${wrongCluster}:${good}` }, 'single', '--pid', '1');
    const [line] = errorLines(second);
    expect(line).toContain(`https://127.0.0.1:${wrongPort}`);
    expect(line).toMatch(/connection refused/);
  });

  it.skipIf(!hasKubectl)('kubectl picks the same cluster in both orders', () => {
    const server = (list: string) => kubectl(['config', 'view', '--raw', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'], { KUBECONFIG: list }).stdout;
    expect(server(`${good}:${wrongCluster}`)).toBe(cluster!.url);
    expect(server(`${wrongCluster}:${good}`)).toBe(`https://127.0.0.1:${wrongPort}`);
    expect(kubectl(['get', 'pod', 'single', '-o', 'name'], { KUBECONFIG: `${tmp}/missing:${good}:${wrongCluster}` }))
      .toMatchObject({ code: 0, stdout: 'pod/single\n' });
    expect(kubectl(['get', 'pod', 'single', '-o', 'name'], { KUBECONFIG: `${wrongCluster}:${good}` }).code).toBe(1);
  });

  it('no configuration at all: says so, and where it looked', async () => {
    const home = fs.mkdtempSync(path.join(tmp, 'home-'));
    const r = await runCliAsync(['single', '--pid', '1'], { ...CLEAN_ENV, HOME: home });
    const [line, hint] = errorLines(r);
    expect(line).toMatch(/^error: no Kubernetes configuration found: /);
    expect(line).toContain(`${home}/.kube/config (missing)`);
    expect(line).toContain('/var/run/secrets/kubernetes.io/serviceaccount');
    expect(line).not.toMatch(/HTTP protocol|localhost:8080/);
    expect(hint).toMatch(/^hint: .*--kubeconfig/);
  });

  it('every $KUBECONFIG path is named when none exists', async () => {
    const r = await run({ KUBECONFIG: `${tmp}/a:${tmp}/b` }, 'single', '--pid', '1');
    const [line] = errorLines(r);
    expect(line).toContain(`$KUBECONFIG (${tmp}/a, ${tmp}/b: all missing)`);
  });

  it('a --kubeconfig file that does not exist is an error, even with a good $KUBECONFIG', async () => {
    const r = await run({ KUBECONFIG: good }, '--kubeconfig', `${tmp}/nope`, 'single', '--pid', '1');
    const [line] = errorLines(r);
    expect(line).toBe(`error: kubeconfig "${tmp}/nope" (from --kubeconfig) does not exist`);
  });

  it('invalid YAML: one line naming the file', async () => {
    const bad = path.join(tmp, 'bad.yaml');
    fs.writeFileSync(bad, 'apiVersion: v1\nclusters: [\n');
    const r = await run({ KUBECONFIG: `${good}:${bad}` }, 'single', '--pid', '1');
    const [line] = errorLines(r);
    expect(line).toMatch(new RegExp(`^error: cannot load kubeconfig "${bad}": invalid YAML: `));
    if (hasKubectl) expect(kubectl(['config', 'view'], { KUBECONFIG: `${good}:${bad}` }).stderr).toContain(`error loading config file "${bad}"`);
  });
});

describe.skipIf(!cluster)('exec credential plugins', () => {
  const cli = (context: string, ...args: string[]) =>
    runCliAsync(['--kubeconfig', cluster!.kubeconfig, '--context', context, ...args], CLEAN_ENV);
  const runs = () => {
    const file = path.join(path.dirname(cluster!.kubeconfig), PLUGIN_RUNS_FILE);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
  };

  it('a working plugin: default/single --pid 1 reads; its stderr passes through, made safe', async () => {
    const r = await cli('exec-plugin', 'single', '--pid', '1');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Process: 1 \(sleep\)\s+pod default\/single/);
    expect(r.stderr).toBe('credential-plugin-ok: \\x1b[31missued\\x1b[0m a token\n');
  });

  it('one plugin run for a whole sweep', async () => {
    const before = runs();
    const r = await cli('exec-plugin', '-A', '-l', 'app=web', '--pid', '1', '--all-containers', '-o', 'json');
    expect(r.code).toBe(0);
    // web (app, sidecar) and other/web2: three execs, two list calls.
    expect(JSON.parse(r.stdout).items.filter((i: { error: string | null }) => i.error === null)).toHaveLength(3);
    expect(runs() - before).toBe(1);
  });

  it('a plugin that fails: its command, exit code and first stderr line', async () => {
    const [line] = errorLines(await cli('exec-plugin-fails', 'single', '--pid', '1'));
    expect(line).toMatch(/^error: credential plugin "\/.*\/credential-plugin-fail" \(exec of user "exec-plugin-fails"\) failed with exit code 1: /);
    expect(line.endsWith(PLUGIN_FAIL_MESSAGE)).toBe(true);
  });

  it('a plugin that is not installed: "not found" and the kubeconfig\'s installHint', async () => {
    const lines = errorLines(await cli('exec-plugin-missing', 'single', '--pid', '1'));
    expect(lines[0]).toBe(`error: credential plugin "${PLUGIN_MISSING_COMMAND}" (exec of user "exec-plugin-missing") not found`);
    expect(lines[1]).toBe(`hint: ${PLUGIN_INSTALL_HINT}`);
  });

  it('a plugin printing something else: says the output is not an ExecCredential', async () => {
    const [line] = errorLines(await cli('exec-plugin-garbage', 'single', '--pid', '1'));
    expect(line).toMatch(/credential-plugin-garbage" \(exec of user "exec-plugin-garbage"\) gave no valid ExecCredential: its output is not JSON/);
  });

  it.skipIf(!hasKubectl)('kubectl agrees: the working plugin works, the others fail the same way', () => {
    const k = (context: string) => kubectl(['--kubeconfig', cluster!.kubeconfig, '--context', context, 'get', 'pod', 'single', '-o', 'name'], {});
    expect(k('exec-plugin')).toMatchObject({ code: 0, stdout: 'pod/single\n' });
    const fails = k('exec-plugin-fails');
    expect(fails.code).toBe(1);
    expect(fails.stderr).toMatch(/credential-plugin-fail failed with exit code 1/);
    const missing = k('exec-plugin-missing');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`executable ${PLUGIN_MISSING_COMMAND} not found`);
    expect(missing.stderr).toContain(PLUGIN_INSTALL_HINT);
    expect(k('exec-plugin-garbage').code).toBe(1);
  });
});

// kubeconfig loading and merging (src/kube/kubeconfig.ts) in memory, checked
// against the rules of
// https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/#merging-kubeconfig-files
// and, where kubectl 1.33 is installed, against what kubectl itself makes of
// the same files.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCluster } from '../src/kube/config.ts';
import {
  inClusterConfig, kubeconfigSources, KubeconfigError, loadKubeconfigs, noConfigError, type ReadFile,
} from '../src/kube/kubeconfig.ts';
import { CliError } from '../src/errors.ts';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';

// As `gcloud container clusters get-credentials` writes it (CA shortened).
const GKE = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUVMRENDQXBTZ0F3SUJBZ0lRQ3ZhWmxYCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K
    server: https://34.118.12.7
  name: gke_acme-prod_europe-west1_main
contexts:
- context:
    cluster: gke_acme-prod_europe-west1_main
    user: gke_acme-prod_europe-west1_main
  name: gke_acme-prod_europe-west1_main
current-context: gke_acme-prod_europe-west1_main
kind: Config
preferences: {}
users:
- name: gke_acme-prod_europe-west1_main
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
      installHint: Install gke-gcloud-auth-plugin for use with kubectl by following
        https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin
      provideClusterInfo: true
`;

// As kind writes it, with a second "kind-dev" cluster entry under the same name as the one in LOCAL.
const KIND = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t
    server: https://127.0.0.1:40123
  name: kind-dev
contexts:
- context:
    cluster: kind-dev
    user: kind-dev
  name: kind-dev
current-context: kind-dev
kind: Config
preferences: {}
users:
- name: kind-dev
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t
    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ==
`;

// Hand-written, with relative file references and no current-context.
const LOCAL = `apiVersion: v1
kind: Config
clusters:
- name: kind-dev
  cluster:
    server: https://10.9.9.9:6443
    insecure-skip-tls-verify: true
- name: lab
  cluster:
    server: https://lab.example:6443
    certificate-authority: certs/lab-ca.crt
users:
- name: kind-dev
  user:
    token: from-local
- name: lab-admin
  user:
    client-certificate: certs/admin.crt
    client-key: /etc/lab/admin.key
    tokenFile: ../tokens/lab
- name: lab-reader
  user:
    tokenFile: ../tokens/lab
- name: lab-oidc
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/kubelogin
      args: [get-token]
- name: lab-path
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: kubelogin
contexts:
- name: lab
  context:
    cluster: lab
    user: lab-admin
    namespace: ops
- name: lab-reader
  context:
    cluster: lab
    user: lab-reader
`;

function memory(files: Record<string, string>): ReadFile {
  return (file) => (file in files ? files[file] : null);
}

describe('which files: --kubeconfig, else $KUBECONFIG, else ~/.kube/config', () => {
  it('the flag is that one file, whatever $KUBECONFIG says', () => {
    expect(kubeconfigSources('/x/flag', { KUBECONFIG: '/a:/b' }, '/home/u')).toEqual({ paths: ['/x/flag'], from: 'flag' });
  });
  it('$KUBECONFIG: a list; empty entries are ignored and repeats dropped', () => {
    expect(kubeconfigSources(null, { KUBECONFIG: ':/a::/b:/a:' }, '/home/u')).toEqual({ paths: ['/a', '/b'], from: 'env' });
  });
  it('an empty or only-colons $KUBECONFIG falls back to ~/.kube/config', () => {
    expect(kubeconfigSources(null, { KUBECONFIG: '' }, '/home/u').paths).toEqual(['/home/u/.kube/config']);
    expect(kubeconfigSources(null, { KUBECONFIG: '::' }, '/home/u').paths).toEqual(['/home/u/.kube/config']);
    expect(kubeconfigSources(null, {}, '/home/u')).toEqual({ paths: ['/home/u/.kube/config'], from: 'home' });
  });
});

describe('merging', () => {
  const files = { '/k/gke.yaml': GKE, '/k/kind.yaml': KIND, '/k/local/config': LOCAL };

  it('missing files in $KUBECONFIG are skipped and reported', () => {
    const m = loadKubeconfigs(kubeconfigSources(null, { KUBECONFIG: '/k/missing:/k/kind.yaml' }, '/h'), memory(files), '/');
    expect(m.missing).toEqual(['/k/missing']);
    expect(m.loaded).toEqual(['/k/kind.yaml']);
    expect(m.currentContext).toBe('kind-dev');
  });

  it('a missing --kubeconfig file is an error', () => {
    expect(() => loadKubeconfigs(kubeconfigSources('/k/missing', {}, '/h'), memory(files), '/'))
      .toThrow(/^kubeconfig "\/k\/missing" \(from --kubeconfig\) does not exist$/);
  });

  it('the first file to define a name wins, its entry whole (fields are not merged)', () => {
    const m = loadKubeconfigs({ paths: ['/k/kind.yaml', '/k/local/config'], from: 'env' }, memory(files), '/');
    // kind's kind-dev cluster, without LOCAL's insecure-skip-tls-verify.
    expect(m.clusters.get('kind-dev')!.value).toEqual({
      server: 'https://127.0.0.1:40123', 'certificate-authority-data': 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t',
    });
    expect(m.clusters.get('kind-dev')!.origin).toBe('/k/kind.yaml');
    expect(m.users.get('kind-dev')!.value.token).toBeUndefined();
    // Names only the later file has are still there.
    expect([...m.clusters.keys()]).toEqual(['kind-dev', 'lab']);
    expect(m.contexts.get('lab')!.value.namespace).toBe('ops');
  });

  it('the other order: the other entry wins', () => {
    const m = loadKubeconfigs({ paths: ['/k/local/config', '/k/kind.yaml'], from: 'env' }, memory(files), '/');
    expect(m.clusters.get('kind-dev')!.value.server).toBe('https://10.9.9.9:6443');
    expect(m.users.get('kind-dev')!.value.token).toBe('from-local');
  });

  it('current-context: the first file that sets one, even after files that do not', () => {
    const m = loadKubeconfigs({ paths: ['/k/local/config', '/k/gke.yaml', '/k/kind.yaml'], from: 'env' }, memory(files), '/');
    expect(m.currentContext).toBe('gke_acme-prod_europe-west1_main');
  });

  it('a name twice in one file is an error naming the file (kubectl: duplicate name in list)', () => {
    const dup = `clusters:\n- name: a\n  cluster: {server: https://1}\n- name: a\n  cluster: {server: https://2}\n`;
    expect(() => loadKubeconfigs({ paths: ['/k/dup'], from: 'env' }, memory({ '/k/dup': dup }), '/'))
      .toThrow('cannot load kubeconfig "/k/dup": duplicate name "a" in clusters');
  });

  it('invalid YAML: one line naming the file', () => {
    let err: Error | undefined;
    try {
      loadKubeconfigs({ paths: ['/k/ok', '/k/bad'], from: 'env' }, memory({ '/k/ok': KIND, '/k/bad': 'clusters: [\n' }), '/');
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(KubeconfigError);
    expect(err!.message).toMatch(/^cannot load kubeconfig "\/k\/bad": invalid YAML: /);
    expect(err!.message).not.toContain('\n');
  });

  it('wrong shapes are errors naming the file; an empty file is an empty config', () => {
    const read = memory({ '/s': 'just a string\n', '/l': '- a\n', '/n': 'clusters: 5\n', '/e': '', '/c': '# nothing\n' });
    expect(() => loadKubeconfigs({ paths: ['/s'], from: 'env' }, read, '/')).toThrow(/"\/s": not a kubeconfig/);
    expect(() => loadKubeconfigs({ paths: ['/l'], from: 'env' }, read, '/')).toThrow(/"\/l": not a kubeconfig/);
    expect(() => loadKubeconfigs({ paths: ['/n'], from: 'env' }, read, '/')).toThrow('"/n": clusters must be a list');
    const m = loadKubeconfigs({ paths: ['/e', '/c'], from: 'env' }, read, '/');
    expect(m.loaded).toEqual(['/e', '/c']);
    expect(m.clusters.size).toBe(0);
  });

  it('relative paths resolve against the directory of the file that holds them', () => {
    const m = loadKubeconfigs({ paths: ['local/config'], from: 'env' }, memory(files), '/k');
    expect(m.clusters.get('lab')!.value['certificate-authority']).toBe('/k/local/certs/lab-ca.crt');
    const admin = m.users.get('lab-admin')!.value;
    expect(admin['client-certificate']).toBe('/k/local/certs/admin.crt');
    expect(admin['client-key']).toBe('/etc/lab/admin.key');
    expect(admin.tokenFile).toBe('/k/tokens/lab');
    // An exec command with a slash is a path; a bare name is looked up in PATH.
    expect((m.users.get('lab-oidc')!.value.exec as { command: string }).command).toBe('/k/local/bin/kubelogin');
    expect((m.users.get('lab-path')!.value.exec as { command: string }).command).toBe('kubelogin');
  });
});

describe('in-cluster config and the no-config message', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'procstatus-incluster-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const sa = path.join(tmp, 'serviceaccount');
  fs.mkdirSync(sa);
  fs.writeFileSync(path.join(sa, 'token'), 'sa-token\n');
  fs.writeFileSync(path.join(sa, 'ca.crt'), '-----BEGIN CERTIFICATE-----\n');
  fs.writeFileSync(path.join(sa, 'namespace'), 'payments\n');
  const read: ReadFile = (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null);
  const podEnv = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };

  it('needs both env vars and the token', () => {
    expect(inClusterConfig({}, read, sa)).toBeNull();
    expect(inClusterConfig({ KUBERNETES_SERVICE_HOST: '10.96.0.1' }, read, sa)).toBeNull();
    expect(inClusterConfig(podEnv, read, path.join(tmp, 'nothing'))).toBeNull();
    expect(inClusterConfig(podEnv, read, sa)).toEqual({
      server: 'https://10.96.0.1:443', tokenFile: path.join(sa, 'token'), caFile: path.join(sa, 'ca.crt'), namespace: 'payments',
    });
  });

  it('IPv6 hosts get brackets; POD_NAMESPACE wins over the file', () => {
    const ic = inClusterConfig({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443', POD_NAMESPACE: 'x' }, read, sa);
    expect(ic).toMatchObject({ server: 'https://[fd00::1]:443', namespace: 'x' });
  });

  it('loadCluster falls back to it when no kubeconfig exists', async () => {
    const home = path.join(tmp, 'home');
    fs.mkdirSync(home, { recursive: true });
    const c = loadCluster({ cwd: process.cwd(), stderr: () => {}, kubeconfig: null, context: null, env: podEnv, home, serviceAccountDir: sa });
    expect(c).toMatchObject({ server: 'https://10.96.0.1:443', namespace: 'payments' });
    expect((await c.transport.prepare()).headers.Authorization).toBe('Bearer sa-token');
    expect(c.transport.tls?.ca?.toString()).toBe('-----BEGIN CERTIFICATE-----\n');
  });

  it('with nothing at all, the error says where it looked', () => {
    const home = path.join(tmp, 'empty-home');
    fs.mkdirSync(home, { recursive: true });
    let err: unknown;
    try {
      loadCluster({ cwd: process.cwd(), stderr: () => {}, kubeconfig: null, context: null, env: { KUBECONFIG: `${tmp}/a::${tmp}/b` }, home, serviceAccountDir: sa });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    const e = err as CliError;
    expect(e.message).toContain(`$KUBECONFIG (${tmp}/a, ${tmp}/b: all missing)`);
    expect(e.message).toContain('KUBERNETES_SERVICE_HOST unset');
    expect(e.message).toContain(sa);
    expect(e.hint).toMatch(/--kubeconfig/);
    const noEnv = noConfigError(kubeconfigSources(null, {}, home), { KUBERNETES_SERVICE_HOST: 'h' }, sa);
    expect(noEnv.message).toContain(`${home}/.kube/config (missing)`);
    expect(noEnv.message).toContain(`${sa}/token missing`);
  });
});

describe('loadCluster turns the merged result into the transport', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'procstatus-kubeconfig-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  fs.mkdirSync(path.join(tmp, 'a', 'certs'), { recursive: true });
  fs.mkdirSync(path.join(tmp, 'tokens'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'a', 'config'), LOCAL);
  fs.writeFileSync(path.join(tmp, 'a', 'certs', 'lab-ca.crt'), 'LAB CA');
  fs.writeFileSync(path.join(tmp, 'tokens', 'lab'), 'lab-token\n');
  fs.writeFileSync(path.join(tmp, 'kind'), KIND);

  it('relative CA and tokenFile are read from beside the file; --context picks the context', async () => {
    // lab-admin's client certificate (relative: beside the file) does not exist: kubectl's error, naming the resolved file.
    expect(() => loadCluster({ cwd: process.cwd(), stderr: () => {}, kubeconfig: null, context: 'lab', env: { KUBECONFIG: `${tmp}/kind:${tmp}/a/config` }, home: tmp }))
      .toThrow(`unable to read client-certificate ${path.join(tmp, 'a', 'certs', 'admin.crt')} for user "lab-admin": no such file or directory`);
    const r = loadCluster({ cwd: process.cwd(), stderr: () => {}, kubeconfig: null, context: 'lab-reader', env: { KUBECONFIG: `${tmp}/kind:${tmp}/a/config` }, home: tmp });
    expect(r).toMatchObject({ server: 'https://lab.example:6443', context: 'lab-reader' });
    expect((await r.transport.prepare()).headers.Authorization).toBe('Bearer lab-token');
    expect(r.transport.tls?.ca?.toString()).toBe('LAB CA');
    expect(r.namespace).toBe('default');
  });

  it('a context without a user still gets its cluster\'s CA, and no credentials', async () => {
    fs.writeFileSync(path.join(tmp, 'a', 'anon'), [
      'contexts:', '- name: anon', '  context: {cluster: lab}', 'current-context: anon', '',
    ].join('\n'));
    const c = loadCluster({ cwd: process.cwd(), stderr: () => {}, kubeconfig: null, context: null, env: { KUBECONFIG: `${tmp}/a/anon:${tmp}/a/config` }, home: tmp });
    expect(c.transport.tls?.ca?.toString()).toBe('LAB CA');
    expect((await c.transport.prepare()).headers.Authorization).toBeUndefined();
  });

  it('an unreadable tokenFile of the current user is a one-line error', () => {
    fs.mkdirSync(path.join(tmp, 'b', 'c', 'certs'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'b', 'c', 'config'), LOCAL);
    // The cluster's CA is there (kubectl would name a missing one first); the token file is not.
    fs.writeFileSync(path.join(tmp, 'b', 'c', 'certs', 'lab-ca.crt'), 'LAB CA');
    expect(() => loadCluster({ cwd: process.cwd(), stderr: () => {}, kubeconfig: `${tmp}/b/c/config`, context: 'lab-reader', env: {}, home: tmp }))
      .toThrow(`user "lab-reader": cannot read token file ${tmp}/b/tokens/lab: ENOENT`);
  });

  it('tokenFile wins over token, as in client-go; an unreadable one falls back to the token', async () => {
    const file = path.join(tmp, 'both-tokens');
    const config = (tokenFile: string) => fs.writeFileSync(file, JSON.stringify({
      clusters: [{ name: 'c', cluster: { server: 'https://api.example' } }],
      users: [{ name: 'u', user: { token: 'inline', tokenFile } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }));
    config(path.join(tmp, 'tokens', 'lab'));
    const load = () => loadCluster({ cwd: process.cwd(), stderr: () => {}, kubeconfig: file, context: null, env: {}, home: tmp });
    expect((await load().transport.prepare()).headers.Authorization).toBe('Bearer lab-token');
    config(path.join(tmp, 'tokens', 'missing'));
    expect((await load().transport.prepare()).headers.Authorization).toBe('Bearer inline');
  });

  it('the first file\'s same-named cluster is the one used', () => {
    const c = loadCluster({ cwd: process.cwd(), stderr: () => {}, kubeconfig: null, context: null, env: { KUBECONFIG: `${tmp}/kind:${tmp}/a/config` }, home: tmp });
    expect(c.server).toBe('https://127.0.0.1:40123');
    const d = loadCluster({ cwd: process.cwd(), stderr: () => {}, kubeconfig: null, context: 'kind-dev', env: { KUBECONFIG: `${tmp}/a/config:${tmp}/kind` }, home: tmp });
    expect(d.server).toBe('https://10.9.9.9:6443');
    expect(d.transport.tls?.insecure).toBe(true);
  });

  it('an unknown --context and an absent current-context are one-line errors', () => {
    expect(() => loadCluster({ cwd: process.cwd(), stderr: () => {}, kubeconfig: `${tmp}/kind`, context: 'nope', home: tmp, env: {} }))
      .toThrow('context "nope" does not exist in the kubeconfig');
    expect(() => loadCluster({ cwd: process.cwd(), stderr: () => {}, kubeconfig: `${tmp}/a/config`, context: null, home: tmp, env: {} }))
      .toThrow('no current context in the kubeconfig');
  });

  it.skipIf(!fs.existsSync(KUBECTL))('kubectl 1.33 merges the same files the same way', () => {
    for (const list of [`${tmp}/kind:${tmp}/a/config`, `/nonexistent:${tmp}/a/config::${tmp}/kind`]) {
      const r = spawnSync(KUBECTL, ['config', 'view', '--raw', '-o', 'json'], { env: { ...process.env, KUBECONFIG: list }, encoding: 'utf8' });
      expect(r.status).toBe(0);
      const k = JSON.parse(r.stdout) as {
        clusters: { name: string; cluster: { server: string } }[];
        users: { name: string; user: { token?: string } }[];
        'current-context': string;
      };
      const ours = loadKubeconfigs(kubeconfigSources(null, { KUBECONFIG: list }, tmp),
        (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null), '/');
      expect(Object.fromEntries(k.clusters.map((c) => [c.name, c.cluster.server])))
        .toEqual(Object.fromEntries([...ours.clusters.values()].map((c) => [c.name, c.value.server])));
      expect(Object.fromEntries(k.users.map((u) => [u.name, u.user.token ?? null])))
        .toEqual(Object.fromEntries([...ours.users.values()].map((u) => [u.name, (u.value.token as string) ?? null])));
      expect(k['current-context']).toBe(ours.currentContext);
    }
  });
});

// The kubeconfig written for each server run. Self-contained (CA as
// certificate-authority-data), with one context per case the tests need.
// https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/
// JSON is valid YAML, so kubectl and client libraries read it as is.

import fs from 'node:fs';

export interface KubeconfigInput {
  url: string;
  /** A loopback URL where nothing listens. */
  refusedUrl: string;
  ca: Buffer;
  /** A CA unrelated to the server certificate. */
  otherCa: Buffer;
  tokens: { admin: string; readonly: string; nopods: string; noephemeral: string; nocreate: string };
}

/** Context names, for tests: `--context readonly` etc. */
export const CONTEXTS = ['test', 'readonly', 'nopods', 'noephemeral', 'nocreate', 'bad-token', 'other-ns', 'wrong-ca', 'refused'] as const;

export function kubeconfigObject(i: KubeconfigInput): object {
  const cluster = (name: string, server: string, ca: Buffer): object => ({
    name,
    cluster: { server, 'certificate-authority-data': ca.toString('base64') },
  });
  const user = (name: string, token: string): object => ({ name, user: { token } });
  const context = (name: string, clusterName: string, userName: string, namespace = 'default'): object => ({
    name,
    context: { cluster: clusterName, user: userName, namespace },
  });
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      cluster('procstatus-test', i.url, i.ca),
      cluster('procstatus-test-wrong-ca', i.url, i.otherCa),
      cluster('procstatus-test-refused', i.refusedUrl, i.ca),
    ],
    users: [
      user('admin', i.tokens.admin),
      user('readonly', i.tokens.readonly),
      user('nopods', i.tokens.nopods),
      user('noephemeral', i.tokens.noephemeral),
      user('nocreate', i.tokens.nocreate),
      // Well-formed but unknown to the server: 401.
      user('bad-token', 'not-a-valid-token-0123456789abcdef'),
    ],
    contexts: [
      context('test', 'procstatus-test', 'admin'),
      context('readonly', 'procstatus-test', 'readonly'),
      context('nopods', 'procstatus-test', 'nopods'),
      context('noephemeral', 'procstatus-test', 'noephemeral'),
      context('nocreate', 'procstatus-test', 'nocreate'),
      context('bad-token', 'procstatus-test', 'bad-token'),
      context('other-ns', 'procstatus-test', 'admin', 'other'),
      context('wrong-ca', 'procstatus-test-wrong-ca', 'admin'),
      context('refused', 'procstatus-test-refused', 'admin'),
    ],
    'current-context': 'test',
  };
}

/** Writes the kubeconfig (mode 0600, it holds tokens) and returns its path. */
export function writeKubeconfig(file: string, i: KubeconfigInput): string {
  fs.writeFileSync(file, `${JSON.stringify(kubeconfigObject(i), null, 2)}\n`, { mode: 0o600 });
  return file;
}

// The kubeconfig written for each server run. Self-contained (CA as
// certificate-authority-data), with one context per case the tests need.
// https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/
// JSON is valid YAML, so kubectl and client libraries read it as is.

import fs from 'node:fs';
import path from 'node:path';

export interface KubeconfigInput {
  url: string;
  /** A loopback URL where nothing listens. */
  refusedUrl: string;
  ca: Buffer;
  /** A CA unrelated to the server certificate. */
  otherCa: Buffer;
  tokens: { admin: string; readonly: string; nopods: string; noephemeral: string; nocreate: string; nonamespaces: string };
}

/** Context names, for tests: `--context readonly` etc. */
export const CONTEXTS = ['test', 'readonly', 'nopods', 'noephemeral', 'nocreate', 'nonamespaces', 'bad-token', 'other-ns', 'wrong-ca', 'refused',
  'exec-plugin', 'exec-plugin-fails', 'exec-plugin-missing', 'exec-plugin-garbage'] as const;

/** The working credential plugin appends one line per run to this file, next to the kubeconfig. */
export const PLUGIN_RUNS_FILE = 'credential-plugin-ok.runs';
/** What the failing plugin writes to stderr before exiting 1. */
export const PLUGIN_FAIL_MESSAGE = 'credential-plugin-fail: refresh token expired, run the login command again';
export const PLUGIN_MISSING_COMMAND = 'procstatus-no-such-credential-plugin';
export const PLUGIN_INSTALL_HINT = 'install procstatus-no-such-credential-plugin from your cloud provider';

const EXEC_API = 'client.authentication.k8s.io/v1';

/**
 * Exec credential plugins (https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins),
 * as shell scripts next to the kubeconfig. The working one checks that the
 * kubeconfig's env entry and KUBERNETES_EXEC_INFO reach it, counts its runs,
 * says something on stderr (with an escape sequence, which clients must not
 * pass raw to a terminal) and prints the admin token.
 */
function pluginScripts(i: KubeconfigInput): Record<string, string> {
  const credential = JSON.stringify({ apiVersion: EXEC_API, kind: 'ExecCredential', status: { token: i.tokens.admin } });
  return {
    'credential-plugin-ok': [
      '#!/bin/sh',
      '[ "$PROCSTATUS_PLUGIN_ENV" = from-kubeconfig ] || { echo "credential-plugin-ok: env entry missing" >&2; exit 3; }',
      `case "$KUBERNETES_EXEC_INFO" in *'"apiVersion":"${EXEC_API}"'*'"kind":"ExecCredential"'* | *'"kind":"ExecCredential"'*'"apiVersion":"${EXEC_API}"'*) ;;`,
      '  *) echo "credential-plugin-ok: KUBERNETES_EXEC_INFO missing" >&2; exit 4;; esac',
      `echo run >> "$(dirname "$0")/${PLUGIN_RUNS_FILE}"`,
      "printf 'credential-plugin-ok: \\033[31missued\\033[0m a token\\n' >&2",
      `printf '%s\\n' '${credential}'`,
      '',
    ].join('\n'),
    'credential-plugin-fail': `#!/bin/sh\necho '${PLUGIN_FAIL_MESSAGE}' >&2\necho 'second line of the complaint' >&2\nexit 1\n`,
    'credential-plugin-garbage': "#!/bin/sh\nprintf '<html><body>Login required</body></html>\\n'\n",
  };
}

export function kubeconfigObject(i: KubeconfigInput): object {
  const cluster = (name: string, server: string, ca: Buffer): object => ({
    name,
    cluster: { server, 'certificate-authority-data': ca.toString('base64') },
  });
  const user = (name: string, token: string): object => ({ name, user: { token } });
  const execUser = (name: string, command: string, extra: object = {}): object => ({
    name,
    user: { exec: { apiVersion: EXEC_API, command, args: [], interactiveMode: 'Never', ...extra } },
  });
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
      user('nonamespaces', i.tokens.nonamespaces),
      // Well-formed but unknown to the server: 401.
      user('bad-token', 'not-a-valid-token-0123456789abcdef'),
      // A relative command with a slash is relative to the kubeconfig's directory.
      execUser('exec-plugin', './credential-plugin-ok', { env: [{ name: 'PROCSTATUS_PLUGIN_ENV', value: 'from-kubeconfig' }] }),
      execUser('exec-plugin-fails', './credential-plugin-fail'),
      execUser('exec-plugin-missing', PLUGIN_MISSING_COMMAND, { installHint: PLUGIN_INSTALL_HINT }),
      execUser('exec-plugin-garbage', './credential-plugin-garbage'),
    ],
    contexts: [
      context('test', 'procstatus-test', 'admin'),
      context('readonly', 'procstatus-test', 'readonly'),
      context('nopods', 'procstatus-test', 'nopods'),
      context('noephemeral', 'procstatus-test', 'noephemeral'),
      context('nocreate', 'procstatus-test', 'nocreate'),
      context('nonamespaces', 'procstatus-test', 'nonamespaces'),
      context('bad-token', 'procstatus-test', 'bad-token'),
      context('other-ns', 'procstatus-test', 'admin', 'other'),
      context('wrong-ca', 'procstatus-test-wrong-ca', 'admin'),
      context('refused', 'procstatus-test-refused', 'admin'),
      context('exec-plugin', 'procstatus-test', 'exec-plugin'),
      context('exec-plugin-fails', 'procstatus-test', 'exec-plugin-fails'),
      context('exec-plugin-missing', 'procstatus-test', 'exec-plugin-missing'),
      context('exec-plugin-garbage', 'procstatus-test', 'exec-plugin-garbage'),
    ],
    'current-context': 'test',
  };
}

/** Writes the kubeconfig (mode 0600, it holds tokens) and its credential plugins, and returns its path. */
export function writeKubeconfig(file: string, i: KubeconfigInput): string {
  for (const [name, text] of Object.entries(pluginScripts(i))) {
    fs.writeFileSync(path.join(path.dirname(file), name), text, { mode: 0o700 });
  }
  fs.writeFileSync(file, `${JSON.stringify(kubeconfigObject(i), null, 2)}\n`, { mode: 0o600 });
  return file;
}

// A kubeconfig user as client-go turns it into credentials
// (clientcmd.getUserIdentificationPartialConfig, then the transport's round
// trippers): checked first with kubectl's own words (clientcmd
// validateAuthInfo), then, per request, the Authorization header (a token,
// a tokenFile, basic auth, an exec credential plugin or an auth provider),
// the impersonation headers, and a plugin's client certificate.
// https://kubernetes.io/docs/reference/access-authn-authz/authentication/
// https://github.com/kubernetes/client-go/blob/master/tools/clientcmd/validation.go
// https://github.com/kubernetes/client-go/blob/master/transport/round_trippers.go

import { authProvider } from './auth-provider.js';
import { CredentialCache, parseExecConfig, runCredentialPlugin, type ExecCluster } from './credential-plugin.js';
import { readKubeconfigFile } from './files.js';
import { seconds } from './errors.js';
import { isObject, KubeconfigError, type Fields, type Named } from './kubeconfig.js';
import { bounded, type CredentialSource, type RequestCredentials } from './transport.js';

export interface UserOptions {
  /** Whether the server is https: client-go sends no credentials to an http:// server. */
  secure: boolean;
  server: string;
  env: NodeJS.ProcessEnv;
  /** The time limit of a credential plugin. */
  pluginTimeoutMs: number;
  /** spec.cluster for a plugin that asks for it (built only then). */
  execCluster: () => ExecCluster;
  /** Where a plugin's own stderr goes. */
  stderr: (text: string) => void;
  /** Start a credential plugin at the first request rather than now. */
  deferPlugin: boolean;
  /** For tests: whether stdin is a terminal (a plugin may get it), else isatty(0). */
  stdinIsTerminal?: boolean;
}

export interface UserCredentials {
  /** The kubeconfig's client certificate and key (PEM), for the TLS context. */
  cert?: Buffer;
  key?: Buffer;
  forRequest: CredentialSource;
}

/** Headers for impersonation (client-go impersonatingRoundTripper). */
const IMPERSONATE = { user: 'Impersonate-User', uid: 'Impersonate-Uid', group: 'Impersonate-Group', extra: 'Impersonate-Extra-' };

/**
 * The credentials of `user` (null: a context without a user, anonymous).
 * Files it names (client-certificate, client-key, tokenFile) are read now: a
 * missing one is the run's one error before anything is sent.
 */
export function userCredentials(user: Named<Fields> | null, o: UserOptions): UserCredentials {
  const v = user?.value ?? {};
  const name = user?.name ?? '';
  validate(name, v);
  const impersonation = impersonationHeaders(name, v);
  const token = str(v.token);
  const tokenFile = str(v.tokenFile);
  const username = str(v.username);
  const password = str(v.password);
  const certFile = str(v['client-certificate']);
  const keyFile = str(v['client-key']);
  // kubectl checks that the files exist even for an http:// server; the data fields win over files.
  const cert = certFile ? readKubeconfigFile(certFile, 'client-certificate', `user "${name}"`) : undefined;
  const key = keyFile ? readKubeconfigFile(keyFile, 'client-key', `user "${name}"`) : undefined;
  const certData = pemData(v, 'client-certificate-data', name) ?? cert;
  const keyData = pemData(v, 'client-key-data', name) ?? key;

  // client-go only reads credentials when the transport is TLS (rest.IsConfigTransportTLS).
  if (!o.secure) return { forRequest: async () => ({ headers: { ...impersonation } }) };

  if (token) checkHeaderValue(token, `the token of user "${name}" in the kubeconfig`);
  const fromFile = tokenFile ? tokenFileReader(tokenFile, `user "${name}"`, token !== '') : null;
  fromFile?.(); // no token beside it and unreadable: the run's one error, now
  const basic = username || password ? `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` : null;

  let bearer: (signal?: AbortSignal, deadline?: number) => Promise<{ token?: string; cert?: string; key?: string }>;
  const hasOwn = token !== '' || tokenFile !== '' || basic !== null || certData !== undefined;
  if (v.exec !== undefined && v.exec !== null && !hasOwn) {
    // client-go runs the plugin only for a user with no token, basic auth or client certificate of its own.
    bearer = pluginCredential(name, v.exec, o);
  } else if (isObject(v['auth-provider']) && !token && !tokenFile) {
    const provider = authProvider(name, v['auth-provider'] as Fields, o.server);
    const kind = str((v['auth-provider'] as Fields).name);
    bearer = async (signal, deadline = Infinity) => {
      const header = await bounded(provider(), signal, deadline,
        () => new KubeconfigError(`the auth-provider "${kind}" of user "${name}" gave no token within ${seconds(Math.max(0, deadline - Date.now()))}`));
      if (!header) return {};
      checkHeaderValue(header, `the token from the auth-provider "${kind}" of user "${name}"`);
      return { token: header.replace(/^Bearer /, '') };
    };
  } else {
    // tokenFile, read again at most once a minute, wins over token when both are set (client-go's cached file token source).
    bearer = async () => ({ token: fromFile?.() || token || undefined });
  }

  return {
    cert: certData,
    key: keyData,
    async forRequest(signal, deadline) {
      const got = await bearer(signal, deadline);
      const headers: RequestCredentials['headers'] = { ...impersonation };
      if (got.token) headers.Authorization = `Bearer ${got.token}`;
      else if (basic) headers.Authorization = basic;
      return { headers, ...(got.cert && got.key ? { cert: got.cert, key: got.key } : {}) };
    },
  };
}

/** clientcmd's validateAuthInfo, in kubectl's words. */
function validate(name: string, v: Fields): void {
  const methods = [];
  if (str(v.token)) methods.push('token');
  if (str(v.username) || str(v.password)) methods.push('basicAuth');
  if (methods.length > 1) {
    throw new KubeconfigError(`more than one authentication method found for ${name}; found [${methods.join(' ')}], only one is allowed`);
  }
  if ((str(v['client-certificate']) || str(v['client-certificate-data'])) && !str(v['client-key']) && !str(v['client-key-data'])) {
    throw new KubeconfigError(`client-key-data or client-key must be specified for ${name} to use the clientCert authentication method.`);
  }
  if (v.exec !== undefined && v.exec !== null && v['auth-provider'] !== undefined && v['auth-provider'] !== null) {
    throw new KubeconfigError(`authProvider cannot be provided in combination with an exec plugin for ${name}`);
  }
  const extra = v['as-user-extra'];
  if (!str(v.as) && (str(v['as-uid']) || (Array.isArray(v['as-groups']) && v['as-groups'].length > 0) || (isObject(extra) && Object.keys(extra as Fields).length > 0))) {
    throw new KubeconfigError(`requesting uid, groups or user-extra for ${name} without impersonating a user`);
  }
}

/**
 * as, as-uid, as-groups and as-user-extra, sent as client-go sends them:
 * Impersonate-User, Impersonate-Uid, one Impersonate-Group per group, and
 * one Impersonate-Extra-<key> per value, the key %-escaped where it has bytes
 * a header name may not have (and "%" itself).
 * https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation
 */
export function impersonationHeaders(name: string, v: Fields): Record<string, string | string[]> {
  const as = str(v.as);
  if (!as) return {};
  const check = (value: string, field: string) => {
    checkHeaderValue(value, `the ${field} of user "${name}" in the kubeconfig`);
    return value;
  };
  const headers: Record<string, string | string[]> = { [IMPERSONATE.user]: check(as, 'as') };
  const uid = str(v['as-uid']);
  if (uid) headers[IMPERSONATE.uid] = check(uid, 'as-uid');
  const groups = Array.isArray(v['as-groups']) ? (v['as-groups'] as unknown[]).map(String) : [];
  if (groups.length > 0) headers[IMPERSONATE.group] = groups.map((g) => check(g, 'as-groups'));
  const extra = isObject(v['as-user-extra']) ? (v['as-user-extra'] as Fields) : {};
  for (const [k, values] of Object.entries(extra)) {
    const list = (Array.isArray(values) ? values : [values]).map(String);
    if (list.length > 0) headers[IMPERSONATE.extra + headerKeyEscape(k)] = list.map((x) => check(x, `as-user-extra ${k}`));
  }
  return headers;
}

/** client-go's headerKeyEscape: every byte that is not an RFC 7230 token character, and "%", as %XX. */
export function headerKeyEscape(key: string): string {
  let out = '';
  for (const b of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /^[!#$&'*+\-.^_`|~0-9A-Za-z]$/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * A header value the way Node checks it (a CR or LF would split the request;
 * other controls are refused too): an error that says which value, never the
 * value itself (a token).
 */
export function checkHeaderValue(value: string, what: string): void {
  if (/[\r\n]/.test(value)) throw new KubeconfigError(`${what} is invalid: it contains a line break (CR or LF)`);
  // eslint-disable-next-line no-control-regex
  if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) throw new KubeconfigError(`${what} is invalid: it contains a character an HTTP header cannot carry`);
}

/** A *-data field: base64 of PEM. */
function pemData(v: Fields, field: string, user: string): Buffer | undefined {
  const data = str(v[field]);
  if (!data) return undefined;
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length === 0) throw new KubeconfigError(`user "${user}": ${field} is not base64`);
  return bytes;
}

/**
 * A token file, read again at most once a minute as client-go does
 * (projected service account tokens rotate), trimmed: a trailing newline is
 * not part of a token. Unreadable the first time, with no token beside it:
 * an error; later, or with a token beside it, the last good value serves.
 */
export function tokenFileReader(file: string, who: string, hasFallback = false): () => string {
  let token = '';
  let readAt = -Infinity;
  return () => {
    if (Date.now() - readAt > 60_000) {
      try {
        const text = readKubeconfigFile(file, 'tokenFile', who).toString('utf8').trim();
        checkHeaderValue(text, `the token in ${file} (tokenFile of ${who})`);
        token = text;
        readAt = Date.now();
      } catch (err) {
        if (!token && !hasFallback) {
          const e = err as KubeconfigError & { reason?: string };
          throw e.reason ? new KubeconfigError(`${who}: cannot read token file ${file}: ${e.reason}`) : e;
        }
      }
    }
    return token;
  };
}

/** The exec plugin's credential, run now (unless deferred) and awaited by the first request. */
function pluginCredential(name: string, exec: unknown, o: UserOptions):
  (signal?: AbortSignal, deadline?: number) => Promise<{ token?: string; cert?: string; key?: string }> {
  const cfg = parseExecConfig(name, exec);
  const cache = new CredentialCache(() => runCredentialPlugin(cfg, {
    timeoutMs: o.pluginTimeoutMs,
    env: o.env,
    cluster: cfg.provideClusterInfo ? o.execCluster() : undefined,
    stderr: o.stderr,
    stdinIsTerminal: o.stdinIsTerminal,
  }));
  // Started now, so it runs while the rest starts up; its failure is the first request's, before anything is sent.
  if (!o.deferPlugin) cache.get();
  const who = `credential plugin "${cfg.command}" (exec of user "${name}")`;
  return async (signal, deadline = Infinity) => {
    const started = Date.now();
    const cred = await bounded(cache.get(), signal, deadline,
      () => new KubeconfigError(`${who} did not finish within ${seconds(deadline - started)} (--request-timeout)`,
        'a plugin that waits for a browser or a prompt needs a terminal; run kubectl once to log in, then retry'));
    if (cred.token) checkHeaderValue(cred.token, `the token from ${who}`);
    return { token: cred.token, cert: cred.clientCertificateData, key: cred.clientKeyData };
  };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

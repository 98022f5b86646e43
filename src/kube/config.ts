import fs from 'node:fs';
import os from 'node:os';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type { Cluster as KcCluster, Context as KcContext, User as KcUser } from '@kubernetes/client-node/dist/config_types.js';
import { CliError } from '../errors.js';
import { readBounded } from '../read-file.js';
import { CredentialCache, parseExecConfig, runCredentialPlugin, type Credential, type ExecCluster } from './credential-plugin.js';
import {
  inClusterConfig, kubeconfigSources, KubeconfigError, loadKubeconfigs, noConfigError, SERVICE_ACCOUNT_DIR,
  type Fields, type MergedKubeconfig, type Named,
} from './kubeconfig.js';

export interface Cluster {
  kc: KubeConfig;
  /** The API server URL, for messages. */
  server: string;
  context: string;
  /** The context's namespace, else "default". */
  namespace: string;
}

export interface LoadOptions {
  kubeconfig: string | null;
  context: string | null;
  /** The time limit for a credential plugin (kubectl's --request-timeout); 30s when unset or 0. */
  requestTimeoutMs?: number;
  /** The environment ($KUBECONFIG, $HOME, KUBERNETES_SERVICE_*), as the run's Io has it. */
  env: NodeJS.ProcessEnv;
  /** Where a relative --kubeconfig or $KUBECONFIG path starts. */
  cwd: string;
  /** Where a credential plugin's own stderr goes (the user's terminal, through the run's Io). */
  stderr: (text: string) => void;
  /** For tests: the home directory, else $HOME. */
  home?: string;
  /** For tests: where the in-cluster service account files are. */
  serviceAccountDir?: string;
  /**
   * Run an exec credential plugin at the first request instead of now (e.g.
   * for completion that only lists contexts). By default it runs now, so a
   * failing plugin is the run's one error before anything else happens.
   */
  deferCredentials?: boolean;
}

const PLUGIN_TIMEOUT_MS = 30_000;
/** The authProvider name that routes a user to this file's exec authenticator. */
const EXEC_PROVIDER = 'procstatus-exec-credential';
const TOKEN_FILE_PROVIDER = 'procstatus-token-file';

/**
 * kubeconfig as kubectl reads it: --kubeconfig, else $KUBECONFIG (a list,
 * merged by kubectl's rules), else ~/.kube/config, else in-cluster. The files
 * are read and merged in ./kubeconfig.ts; exec credential plugins run in
 * ./credential-plugin.ts; client-node's KubeConfig only gets the result, so
 * it never spawns anything itself.
 * https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/
 */
export function loadCluster(opts: LoadOptions): Cluster {
  try {
    return load(opts);
  } catch (err) {
    if (err instanceof KubeconfigError) throw new CliError(err.message, err.hint);
    throw err;
  }
}

function load(opts: LoadOptions): Cluster {
  const env = opts.env;
  const home = opts.home ?? (env.HOME || os.homedir());
  const saDir = opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const sources = kubeconfigSources(opts.kubeconfig, env, home);
  const merged = loadKubeconfigs(sources, readOrNull, opts.cwd);

  // client-go falls back to the pod's service account only when the merged
  // kubeconfig is empty (and no file was named with --kubeconfig).
  const empty = merged.clusters.size === 0 && merged.users.size === 0 && merged.contexts.size === 0 && !merged.currentContext;
  if (empty && sources.from !== 'flag') {
    const ic = inClusterConfig(env, readOrNull, saDir);
    if (ic) return inCluster(ic);
    if (merged.loaded.length === 0) throw noConfigError(sources, env, saDir);
  }

  if (opts.context && !merged.contexts.has(opts.context)) {
    throw new KubeconfigError(`context "${opts.context}" does not exist in the kubeconfig`,
      'list them with: kubectl config get-contexts');
  }
  const contextName = opts.context ?? merged.currentContext;
  if (!contextName) {
    throw new KubeconfigError('no current context in the kubeconfig', 'choose one with --context, or: kubectl config use-context NAME');
  }
  const ctx = merged.contexts.get(contextName);
  if (!ctx) {
    throw new KubeconfigError(`current-context "${contextName}" does not exist in the kubeconfig`,
      'choose one with --context, or: kubectl config use-context NAME');
  }
  const clusterName = str(ctx.value.cluster);
  const cluster = merged.clusters.get(clusterName);
  if (!cluster) {
    throw new KubeconfigError(`context "${contextName}" uses cluster "${clusterName}", which is not in the kubeconfig`);
  }
  if (!str(cluster.value.server)) throw new KubeconfigError(`cluster "${clusterName}" in ${cluster.origin} has no server`);
  const userName = str(ctx.value.user);

  const kc = new KubeConfig();
  const users: KcUser[] = [];
  for (const u of merged.users.values()) {
    users.push(u.name === userName ? currentUser(kc, u, cluster, opts, env) : plainUser(u));
  }
  // kubectl allows a context without a user (anonymous); client-node skips
  // the cluster's CA when the current user is absent, so give it an empty one.
  if (!merged.users.has(userName)) users.push({ name: userName });
  kc.loadFromOptions({
    clusters: [...merged.clusters.values()].filter((c) => str(c.value.server)).map(toCluster),
    users,
    contexts: [...merged.contexts.values()].map(toContext),
    currentContext: contextName,
  });
  return {
    kc,
    server: str(cluster.value.server).replace(/\/+$/, ''),
    context: contextName,
    namespace: str(ctx.value.namespace) || 'default',
  };
}

function toCluster(c: Named<Fields>): KcCluster {
  const v = c.value;
  return {
    name: c.name,
    server: str(v.server).replace(/\/$/, ''),
    caData: str(v['certificate-authority-data']) || undefined,
    caFile: str(v['certificate-authority']) || undefined,
    skipTLSVerify: v['insecure-skip-tls-verify'] === true,
    tlsServerName: str(v['tls-server-name']) || undefined,
    proxyUrl: str(v['proxy-url']) || undefined,
  };
}

function toContext(c: Named<Fields>): KcContext {
  return {
    name: c.name,
    cluster: str(c.value.cluster),
    user: str(c.value.user),
    namespace: str(c.value.namespace) || undefined,
  };
}

/** A user as client-node knows it, minus exec and tokenFile (only the current user's are acted on). */
function plainUser(u: Named<Fields>): KcUser {
  const v = u.value;
  const authProvider = v['auth-provider'];
  return {
    name: u.name,
    token: str(v.token) || undefined,
    username: str(v.username) || undefined,
    password: str(v.password) || undefined,
    certData: str(v['client-certificate-data']) || undefined,
    certFile: str(v['client-certificate']) || undefined,
    keyData: str(v['client-key-data']) || undefined,
    keyFile: str(v['client-key']) || undefined,
    impersonateUser: str(v.as) || undefined,
    // gcp/azure/oidc auth providers stay client-node's, as before.
    authProvider: authProvider && typeof authProvider === 'object' ? authProvider : undefined,
  };
}

function currentUser(kc: KubeConfig, u: Named<Fields>, cluster: Named<Fields>, opts: LoadOptions, env: NodeJS.ProcessEnv): KcUser {
  const v = u.value;
  let user = plainUser(u);
  // kubeconfig's tokenFile (client-go reads it; client-node only knows "token-file").
  const tokenFile = str(v.tokenFile);
  if (!user.token && tokenFile) {
    const read = tokenFileReader(tokenFile, `user "${u.name}"`);
    read(); // unreadable: the run's one error, now
    addProvider(kc, TOKEN_FILE_PROVIDER, (req) => setBearer(req, read()));
    user = { ...user, authProvider: { name: TOKEN_FILE_PROVIDER, config: {} } };
  }
  // client-go uses the exec plugin only when the user has no token, basic
  // auth or client certificate of its own (Authenticator.UpdateTransportConfig).
  const hasOwn = user.token || user.username || user.certData || user.certFile;
  if (v.exec === undefined || v.exec === null || hasOwn) return user;
  const cfg = parseExecConfig(u.name, v.exec);
  const timeoutMs = opts.requestTimeoutMs && opts.requestTimeoutMs > 0 ? opts.requestTimeoutMs : PLUGIN_TIMEOUT_MS;
  const cache = new CredentialCache(() => runCredentialPlugin(cfg, {
    timeoutMs, env, cluster: cfg.provideClusterInfo ? execCluster(cluster) : undefined, stderr: opts.stderr,
  }));
  // Run it now: a failure is the run's one error, before any request.
  if (!opts.deferCredentials) cache.get();
  addProvider(kc, EXEC_PROVIDER, (req) => applyCredential(cache.get(), req));
  return { ...user, authProvider: { name: EXEC_PROVIDER, config: {} } };
}

/** spec.cluster for a plugin that asks for it (client-go ConfigToExecCluster). */
function execCluster(c: Named<Fields>): ExecCluster {
  const v = c.value;
  let ca = str(v['certificate-authority-data']);
  const caFile = str(v['certificate-authority']);
  if (!ca && caFile) {
    try {
      ca = fs.readFileSync(caFile).toString('base64');
    } catch (err) {
      throw new KubeconfigError(`cluster "${c.name}": cannot read certificate-authority ${caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const ext = Array.isArray(v.extensions)
    ? (v.extensions as Fields[]).find((e) => e && e.name === 'client.authentication.k8s.io/exec')
    : undefined;
  return {
    server: str(v.server),
    ...(str(v['tls-server-name']) ? { 'tls-server-name': str(v['tls-server-name']) } : {}),
    ...(v['insecure-skip-tls-verify'] === true ? { 'insecure-skip-tls-verify': true } : {}),
    ...(ca ? { 'certificate-authority-data': ca } : {}),
    ...(str(v['proxy-url']) ? { 'proxy-url': str(v['proxy-url']) } : {}),
    ...(v['disable-compression'] === true ? { 'disable-compression': true } : {}),
    ...(ext && ext.extension !== undefined ? { config: ext.extension } : {}),
  };
}

type RequestAuth = { headers?: Record<string, unknown>; cert?: unknown; key?: unknown };

/** A client-node authenticator for users marked with authProvider.name = `name`. */
function addProvider(kc: KubeConfig, name: string, apply: (req: RequestAuth) => void): void {
  kc.addAuthenticator({
    isAuthProvider: (x: KcUser) => x?.authProvider?.name === name,
    applyAuthentication: async (_x: KcUser, req: object) => apply(req as RequestAuth),
  });
}

function setBearer(req: RequestAuth, token: string): void {
  req.headers ??= {};
  req.headers.Authorization = `Bearer ${token}`;
}

/**
 * A token file, read again at most once a minute as client-go does
 * (projected service account tokens rotate), trimmed: a trailing newline is
 * not part of a token.
 */
function tokenFileReader(file: string, who: string): () => string {
  let token = '';
  let readAt = -Infinity;
  return () => {
    if (Date.now() - readAt > 60_000) {
      try {
        token = fs.readFileSync(file, 'utf8').trim();
        readAt = Date.now();
      } catch (err) {
        if (!token) throw new KubeconfigError(`${who}: cannot read token file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    return token;
  };
}

function applyCredential(cred: Credential, req: RequestAuth): void {
  if (cred.token) setBearer(req, cred.token);
  if (cred.clientCertificateData && cred.clientKeyData) {
    req.cert = Buffer.from(cred.clientCertificateData);
    req.key = Buffer.from(cred.clientKeyData);
  }
}

/** The pod's service account (client-go rest.InClusterConfig). */
function inCluster(ic: NonNullable<ReturnType<typeof inClusterConfig>>): Cluster {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server: ic.server, caFile: ic.caFile ?? undefined, skipTLSVerify: false }],
    users: [{ name: 'in-cluster', authProvider: { name: TOKEN_FILE_PROVIDER, config: {} } }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster', namespace: ic.namespace }],
    currentContext: 'in-cluster',
  });
  const read = tokenFileReader(ic.tokenFile, 'in-cluster service account');
  read();
  addProvider(kc, TOKEN_FILE_PROVIDER, (req) => setBearer(req, read()));
  return { kc, server: ic.server, context: 'in-cluster', namespace: ic.namespace };
}

/** kubeconfig files and service account files: nothing real is near this; /dev/zero or an endless pipe fails at once. */
const MAX_CONFIG_FILE = 16 * 1024 * 1024;

function readOrNull(file: string): string | null {
  try {
    return readBounded(file, MAX_CONFIG_FILE);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

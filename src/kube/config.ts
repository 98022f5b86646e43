import os from 'node:os';
import { CliError } from '../errors.js';
import { readBounded } from '../read-file.js';
import type { TlsSettings } from './agent.js';
import type { ExecCluster } from './credential-plugin.js';
import { userCredentials } from './credentials.js';
import { readKubeconfigFile } from './files.js';
import {
  inClusterConfig, kubeconfigSources, KubeconfigError, loadKubeconfigs, noConfigError, SERVICE_ACCOUNT_DIR,
  type Fields, type Named,
} from './kubeconfig.js';
import { PROXY_SCHEMES } from './proxy.js';
import { Transport } from './transport.js';

export interface Cluster {
  /** The API server URL, for messages. */
  server: string;
  context: string;
  /** The context's namespace, else "default". */
  namespace: string;
  /** How requests reach the server, with the user's credentials. */
  transport: Transport;
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
   * Start an exec credential plugin at the first request instead of now (e.g.
   * for completion that only lists contexts). By default it starts now, and
   * the first request waits for it, so a failing plugin is the run's one
   * error before anything is sent.
   */
  deferCredentials?: boolean;
  /** For tests: whether stdin is a terminal (an interactive plugin gets it). */
  stdinIsTerminal?: boolean;
}

const PLUGIN_TIMEOUT_MS = 30_000;

/**
 * kubeconfig as kubectl reads it: --kubeconfig, else $KUBECONFIG (a list,
 * merged by kubectl's rules), else ~/.kube/config, else in-cluster. The files
 * are read and merged in ./kubeconfig.ts; the chosen cluster's TLS settings
 * are built here, the user's credentials in ./credentials.ts (exec plugins
 * run by ./credential-plugin.ts), and both go to one Transport.
 * https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/
 */
export function loadCluster(opts: LoadOptions): Cluster {
  try {
    return load(opts);
  } catch (err) {
    if (err instanceof KubeconfigError) throw new CliError(err.message, err.hint, 'config');
    throw err;
  }
}

/**
 * The names of the merged kubeconfig's contexts, in file order, without
 * building a connection: a current context whose user or cluster is broken
 * does not stop shell completion from offering the others.
 */
export function contextNames(opts: Pick<LoadOptions, 'kubeconfig' | 'env' | 'cwd' | 'home'>): string[] {
  try {
    return [...readKubeconfigs(opts).merged.contexts.keys()];
  } catch (err) {
    if (err instanceof KubeconfigError) throw new CliError(err.message, err.hint, 'config');
    throw err;
  }
}

function readKubeconfigs(opts: Pick<LoadOptions, 'kubeconfig' | 'env' | 'cwd' | 'home'>) {
  const home = opts.home ?? (opts.env.HOME || os.homedir());
  const sources = kubeconfigSources(opts.kubeconfig, opts.env, home);
  return { sources, merged: loadKubeconfigs(sources, readOrNull, opts.cwd) };
}

function load(opts: LoadOptions): Cluster {
  const env = opts.env;
  const saDir = opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const { sources, merged } = readKubeconfigs(opts);

  // client-go falls back to the pod's service account only when the merged
  // kubeconfig is empty (and no file was named with --kubeconfig).
  const empty = merged.clusters.size === 0 && merged.users.size === 0 && merged.contexts.size === 0 && !merged.currentContext;
  if (empty && sources.from !== 'flag') {
    const ic = inClusterConfig(env, readOrNull, saDir);
    if (ic) {
      const cluster = { name: 'in-cluster', value: { server: ic.server, ...(ic.caFile ? { 'certificate-authority': ic.caFile } : {}) }, origin: '' };
      const user = { name: 'in-cluster service account', value: { tokenFile: ic.tokenFile }, origin: '' };
      return connect(cluster, user, { context: 'in-cluster', namespace: ic.namespace }, opts);
    }
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
  // A context without a user is anonymous. One that names a user no file
  // defines gets, from kubectl, no credentials and a prompt for a username
  // and password on stdin ("error: EOF" without a terminal); here it is
  // kubectl's own words for a user that does not exist (kubectl --user).
  const userName = str(ctx.value.user);
  const user = merged.users.get(userName) ?? null;
  if (userName && !user) {
    throw new KubeconfigError(`auth info "${userName}" does not exist`,
      `context "${contextName}" names user "${userName}", which no kubeconfig file defines; list the users with: kubectl config get-users`);
  }
  return connect(cluster, user, {
    context: contextName, namespace: str(ctx.value.namespace) || 'default',
  }, opts);
}

/** The cluster and user → the Cluster a run talks to. */
function connect(cluster: Named<Fields>, user: Named<Fields> | null, where: Pick<Cluster, 'context' | 'namespace'>,
  opts: LoadOptions): Cluster {
  const v = cluster.value;
  const server = str(v.server).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new KubeconfigError(`cluster "${cluster.name}": server "${server}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new KubeconfigError(`cluster "${cluster.name}": server "${server}" is not an http:// or https:// URL`);
  }
  const secure = url.protocol === 'https:';
  const proxy = proxyUrl(cluster);
  const tls = secure ? serverTls(cluster) : null;
  const timeoutMs = opts.requestTimeoutMs && opts.requestTimeoutMs > 0 ? opts.requestTimeoutMs : PLUGIN_TIMEOUT_MS;
  const creds = userCredentials(user, {
    secure,
    server,
    env: opts.env,
    pluginTimeoutMs: timeoutMs,
    execCluster: () => execCluster(cluster),
    stderr: opts.stderr,
    deferPlugin: opts.deferCredentials === true,
    stdinIsTerminal: opts.stdinIsTerminal,
  });
  const withCert: TlsSettings | null = tls && creds.cert ? { ...tls, cert: creds.cert, key: creds.key } : tls;
  return { server, ...where, transport: new Transport(server, withCert, proxy, creds.forRequest) };
}

/**
 * The cluster's side of TLS, as client-go builds it (transport.TLSConfigFor):
 * the CA from certificate-authority-data, else the file; no CA: the system's
 * roots. insecure-skip-tls-verify with a CA is refused, in kubectl's words.
 */
function serverTls(c: Named<Fields>): TlsSettings {
  const v = c.value;
  const caFile = str(v['certificate-authority']);
  const caData = str(v['certificate-authority-data']);
  // kubectl checks the file even when the data field, which wins, is set.
  const fromFile = caFile ? readKubeconfigFile(caFile, 'certificate-authority', `cluster "${c.name}"`) : undefined;
  const ca = caData ? Buffer.from(caData, 'base64') : fromFile;
  const insecure = v['insecure-skip-tls-verify'] === true;
  if (insecure && ca) {
    throw new KubeconfigError('specifying a root certificates file with the insecure flag is not allowed',
      `cluster "${c.name}" sets insecure-skip-tls-verify and a certificate-authority; keep one of them`);
  }
  return { ca, insecure, ...(str(v['tls-server-name']) ? { servername: str(v['tls-server-name']) } : {}) };
}

/** proxy-url, checked as clientcmd's validateClusterInfo checks it. */
function proxyUrl(c: Named<Fields>): URL | null {
  const raw = str(c.value['proxy-url']);
  if (!raw) return null;
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // below
  }
  if (!url || !PROXY_SCHEMES.includes(url.protocol)) {
    const scheme = url ? url.protocol.replace(/:$/, '') : '';
    throw new KubeconfigError(`invalid 'proxy-url' "${raw}" for cluster "${c.name}": ` +
      (url ? `unsupported scheme "${scheme}", must be http, https, or socks5` : 'not a URL'));
  }
  return url;
}

/** spec.cluster for a plugin that asks for it (client-go ConfigToExecCluster). */
function execCluster(c: Named<Fields>): ExecCluster {
  const v = c.value;
  let ca = str(v['certificate-authority-data']);
  const caFile = str(v['certificate-authority']);
  if (!ca && caFile) ca = readKubeconfigFile(caFile, 'certificate-authority', `cluster "${c.name}"`).toString('base64');
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

// kubeconfig files found, read and merged the way kubectl (client-go's
// clientcmd loader) does it. Pure: the file system comes in as a reader, so
// the rules are tested in memory.
// https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/#merging-kubeconfig-files
// https://github.com/kubernetes/client-go/blob/master/tools/clientcmd/loader.go

import path from 'node:path';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { firstLine } from '../errors.js';

/** One named entry of a kubeconfig list, with the file it came from. */
export interface Named<T> {
  name: string;
  value: T;
  /** The absolute path of the file that defined it (relative paths in it are already resolved). */
  origin: string;
}

export type Fields = Record<string, unknown>;

export interface MergedKubeconfig {
  clusters: Map<string, Named<Fields>>;
  users: Map<string, Named<Fields>>;
  contexts: Map<string, Named<Fields>>;
  /** The first non-empty current-context in file order, else "". */
  currentContext: string;
  /** Files read, in order. */
  loaded: string[];
  /** Files of the list that do not exist (skipped, as kubectl skips them). */
  missing: string[];
}

/** Where the files come from: the --kubeconfig flag, else $KUBECONFIG, else ~/.kube/config. */
export interface KubeconfigSources {
  /** The paths, in precedence order. */
  paths: string[];
  /** How they were chosen, for messages. */
  from: 'flag' | 'env' | 'home';
}

/**
 * kubectl's precedence: --kubeconfig is that one file only; else $KUBECONFIG,
 * a colon-separated list (empty entries ignored, repeats dropped); else
 * ~/.kube/config.
 */
export function kubeconfigSources(flag: string | null, env: { KUBECONFIG?: string }, home: string): KubeconfigSources {
  if (flag) return { paths: [flag], from: 'flag' };
  if (env.KUBECONFIG !== undefined && env.KUBECONFIG !== '') {
    const paths: string[] = [];
    for (const p of env.KUBECONFIG.split(path.delimiter)) if (p && !paths.includes(p)) paths.push(p);
    if (paths.length > 0) return { paths, from: 'env' };
  }
  return { paths: [path.join(home, '.kube', 'config')], from: 'home' };
}

/** An error meant for one `error:` line; the edge turns it into a CliError. */
export class KubeconfigError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

/** Reads a file: its text, or null when it does not exist. Other failures throw. */
export type ReadFile = (file: string) => string | null;

/**
 * Loads and merges the files. Missing files are skipped unless chosen with
 * --kubeconfig; a file that is not a valid kubeconfig is an error naming it
 * (kubectl: `error loading config file "F": ...`).
 *
 * Merge (client-go Load): for clusters, users and contexts the first file that
 * defines a name wins, and its entry is taken whole (fields are not merged);
 * current-context is the first one set. Within one file a name used twice is
 * an error, as kubectl's conversion of the list to a map makes it.
 */
export function loadKubeconfigs(sources: KubeconfigSources, read: ReadFile, cwd: string): MergedKubeconfig {
  const merged: MergedKubeconfig = {
    clusters: new Map(), users: new Map(), contexts: new Map(), currentContext: '', loaded: [], missing: [],
  };
  for (const file of sources.paths) {
    const abs = path.resolve(cwd, file);
    let text: string | null;
    try {
      text = read(abs);
    } catch (err) {
      throw new KubeconfigError(`cannot read kubeconfig "${file}": ${firstLine((err as Error).message)}`);
    }
    if (text === null) {
      if (sources.from === 'flag') {
        throw new KubeconfigError(`kubeconfig "${file}" (from --kubeconfig) does not exist`,
          'the --kubeconfig flag must name an existing file; leave it out to use $KUBECONFIG or ~/.kube/config');
      }
      merged.missing.push(file);
      continue;
    }
    const parsed = parseKubeconfig(text, file, abs);
    merged.loaded.push(file);
    for (const kind of ['clusters', 'users', 'contexts'] as const) {
      for (const entry of parsed[kind]) if (!merged[kind].has(entry.name)) merged[kind].set(entry.name, entry);
    }
    if (!merged.currentContext && parsed.currentContext) merged.currentContext = parsed.currentContext;
  }
  return merged;
}

interface ParsedFile {
  clusters: Named<Fields>[];
  users: Named<Fields>[];
  contexts: Named<Fields>[];
  currentContext: string;
}

/** One file's text (YAML or JSON) into its named entries, paths resolved against the file's directory. */
export function parseKubeconfig(text: string, file: string, abs: string): ParsedFile {
  const fail = (what: string): never => {
    throw new KubeconfigError(`cannot load kubeconfig "${file}": ${what}`);
  };
  // client-go treats an empty file as an empty config.
  if (text.trim() === '') return { clusters: [], users: [], contexts: [], currentContext: '' };
  let doc: unknown = asJson(text);
  if (doc === undefined) {
    try {
      // The core schema, as Go's YAML reader: no timestamps or other YAML 1.1 types.
      // Only the first document counts, as with Go's YAML reader; a file of
      // comments has none and is an empty config.
      doc = loadAll(text, { schema: CORE_SCHEMA })[0];
    } catch (err) {
      fail(`invalid YAML: ${firstLine((err as Error).message)}`);
    }
  }
  if (doc === null || doc === undefined) return { clusters: [], users: [], contexts: [], currentContext: '' };
  if (!isObject(doc)) fail('not a kubeconfig (expected a mapping with clusters, users, contexts)');
  const obj = doc as Fields;
  const dir = path.dirname(abs);
  const list = (kind: 'clusters' | 'users' | 'contexts', inner: 'cluster' | 'user' | 'context'): Named<Fields>[] => {
    const raw = obj[kind];
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) fail(`${kind} must be a list`);
    const out: Named<Fields>[] = [];
    const seen = new Set<string>();
    (raw as unknown[]).forEach((item, i) => {
      if (!isObject(item)) fail(`${kind}[${i}] must be a mapping`);
      const it = item as Fields;
      const name = it.name;
      if (typeof name !== 'string') fail(`${kind}[${i}].name must be a string`);
      if (seen.has(name as string)) fail(`duplicate name "${name as string}" in ${kind}`);
      seen.add(name as string);
      const value = it[inner] ?? {};
      if (!isObject(value)) fail(`${kind}[${i}].${inner} must be a mapping`);
      out.push({ name: name as string, value: resolvePaths(kind, value as Fields, dir), origin: abs });
    });
    return out;
  };
  const current = obj['current-context'];
  if (current !== undefined && current !== null && typeof current !== 'string') fail('current-context must be a string');
  return {
    clusters: list('clusters', 'cluster'),
    users: list('users', 'user'),
    contexts: list('contexts', 'context'),
    currentContext: (current as string | undefined) ?? '',
  };
}

/**
 * A kubeconfig written as JSON (valid YAML too; some tools write it so) read
 * as JSON: the same document, without the YAML parser, whose first run costs
 * tens of milliseconds of compiling. Anything else: undefined, for the YAML
 * parser to read or to refuse.
 */
function asJson(text: string): unknown {
  if (!/^\s*\{/.test(text)) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * File references are relative to the kubeconfig that holds them (client-go
 * ResolveLocalPaths): certificate-authority; client-certificate, client-key,
 * tokenFile; and an exec command only when it contains a slash (a bare name
 * is looked up in PATH).
 */
export function resolvePaths(kind: 'clusters' | 'users' | 'contexts', value: Fields, dir: string): Fields {
  const out: Fields = { ...value };
  const fix = (o: Fields, key: string) => {
    const v = o[key];
    if (typeof v === 'string' && v !== '' && !path.isAbsolute(v)) o[key] = path.join(dir, v);
  };
  if (kind === 'clusters') fix(out, 'certificate-authority');
  if (kind === 'users') {
    for (const key of ['client-certificate', 'client-key', 'tokenFile']) fix(out, key);
    if (isObject(out.exec)) {
      const exec = { ...(out.exec as Fields) };
      if (typeof exec.command === 'string' && exec.command.includes('/')) fix(exec, 'command');
      out.exec = exec;
    }
  }
  return out;
}

/** The service account files a pod gets, and the env vars kubelet sets. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterConfig {
  server: string;
  /** The token file (read again by the client: projected tokens rotate). */
  tokenFile: string;
  /** The CA file, when readable. */
  caFile: string | null;
  namespace: string;
}

/**
 * In-cluster config as client-go's rest.InClusterConfig builds it: both
 * KUBERNETES_SERVICE_HOST and _PORT set and the token file readable; the
 * namespace from POD_NAMESPACE, else the namespace file, else "default".
 * https://kubernetes.io/docs/tasks/run-application/access-api-from-pod/#directly-accessing-the-rest-api
 * `dir` is injectable for tests.
 */
export function inClusterConfig(env: Record<string, string | undefined>, read: ReadFile, dir = SERVICE_ACCOUNT_DIR): InClusterConfig | null {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) return null;
  const tokenFile = path.join(dir, 'token');
  let token: string | null;
  try {
    token = read(tokenFile);
  } catch {
    token = null;
  }
  if (token === null) return null;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  let caFile: string | null = path.join(dir, 'ca.crt');
  try {
    if (read(caFile) === null) caFile = null;
  } catch {
    caFile = null;
  }
  let namespace = env.POD_NAMESPACE ?? '';
  if (!namespace) {
    try {
      namespace = read(path.join(dir, 'namespace'))?.trim() ?? '';
    } catch {
      namespace = '';
    }
  }
  return { server: `https://${hostPart}:${port}`, tokenFile, caFile, namespace: namespace || 'default' };
}

/** The message when nothing was found: every place looked at. */
export function noConfigError(sources: KubeconfigSources, env: Record<string, string | undefined>, dir = SERVICE_ACCOUNT_DIR): KubeconfigError {
  const files = sources.from === 'env'
    ? `$KUBECONFIG (${sources.paths.join(', ')}: ${sources.paths.length === 1 ? 'missing' : 'all missing'})`
    : `${sources.paths[0]} (missing)`;
  const inCluster = env.KUBERNETES_SERVICE_HOST
    ? `no in-cluster service account (${dir}/token missing)`
    : `not in a pod (KUBERNETES_SERVICE_HOST unset, for the service account in ${dir})`;
  return new KubeconfigError(`no Kubernetes configuration found: looked in ${files}; ${inCluster}`,
    'pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config (e.g. with your cloud CLI\'s get-credentials command)');
}

export function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}


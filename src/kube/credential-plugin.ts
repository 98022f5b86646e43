// Exec credential plugins (users[].user.exec: gke-gcloud-auth-plugin,
// aws eks get-token, kubelogin, ...), run the way client-go runs them, with
// errors that name the plugin and say what went wrong.
// https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins
// https://github.com/kubernetes/client-go/blob/master/plugin/pkg/client/auth/exec/exec.go

import { firstLine } from '../errors.js';
import { safe } from '../safe.js';
import { isObject, KubeconfigError, type Fields } from './kubeconfig.js';
import { runInGroup, type PluginRun } from './plugin-process.js';

export type { PluginRun } from './plugin-process.js';

/** client-go accepts these two; v1alpha1 is gone since Kubernetes 1.24. */
export const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;

export interface ExecConfig {
  /** The user name in the kubeconfig, for messages. */
  user: string;
  apiVersion: string;
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  installHint: string;
  interactiveMode: string;
  /** Whether KUBERNETES_EXEC_INFO carries spec.cluster. */
  provideClusterInfo: boolean;
}

/**
 * spec.cluster of KUBERNETES_EXEC_INFO (client-go ConfigToExecCluster): the
 * cluster the credential is for, with its CA inline, and the cluster's
 * `client.authentication.k8s.io/exec` extension as `config`.
 */
export interface ExecCluster {
  server: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  /** Base64, as in a kubeconfig. */
  'certificate-authority-data'?: string;
  'proxy-url'?: string;
  'disable-compression'?: boolean;
  config?: unknown;
}

export interface Credential {
  token?: string;
  /** PEM, as the plugin printed it. */
  clientCertificateData?: string;
  clientKeyData?: string;
  /** When the plugin said it expires; null: for the rest of the run. */
  expiresAt: Date | null;
}

/** A kubeconfig `exec` block, checked (client-go's validation of ExecConfig). */
export function parseExecConfig(user: string, raw: unknown): ExecConfig {
  const fail = (what: string): never => {
    throw new KubeconfigError(`user "${user}" in the kubeconfig: exec ${what}`);
  };
  if (!isObject(raw)) fail('must be a mapping');
  const e = raw as Fields;
  const apiVersion = typeof e.apiVersion === 'string' ? e.apiVersion : '';
  if (!(EXEC_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    fail(`apiVersion ${apiVersion ? `"${apiVersion}"` : '(missing)'} is not supported: use ${EXEC_API_VERSIONS.join(' or ')}`);
  }
  if (typeof e.command !== 'string' || e.command === '') fail('command is missing');
  const args = e.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) fail('args must be a list of strings');
  const env = e.env ?? [];
  if (!Array.isArray(env) || !env.every((v) => isObject(v) && typeof (v as Fields).name === 'string')) {
    fail('env must be a list of {name, value}');
  }
  // v1 requires interactiveMode; v1beta1 defaults it to IfAvailable.
  const interactiveMode = typeof e.interactiveMode === 'string' && e.interactiveMode ? e.interactiveMode : 'IfAvailable';
  if (!['Never', 'IfAvailable', 'Always'].includes(interactiveMode)) fail(`interactiveMode "${interactiveMode}" is not Never, IfAvailable or Always`);
  return {
    user,
    apiVersion,
    command: e.command as string,
    args: args as string[],
    env: (env as Fields[]).map((v) => ({ name: v.name as string, value: v.value === undefined || v.value === null ? '' : String(v.value) })),
    installHint: typeof e.installHint === 'string' ? e.installHint : '',
    interactiveMode,
    provideClusterInfo: e.provideClusterInfo === true,
  };
}

/**
 * KUBERNETES_EXEC_INFO as client-go sets it: an ExecCredential of the
 * configured version with spec.interactive (whether the plugin got the
 * terminal), and spec.cluster when the exec block asks for it
 * (provideClusterInfo).
 */
export function execInfo(apiVersion: string, cluster?: ExecCluster, interactive = false): string {
  return JSON.stringify({ kind: 'ExecCredential', apiVersion, spec: { ...(cluster ? { cluster } : {}), interactive } });
}

/** Why stdout is not a usable ExecCredential, or the credential (client-go's checks, in its order). */
export function parseExecCredential(stdout: string, apiVersion: string): Credential | { invalid: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    const text = stdout.trim();
    return { invalid: text ? `its output is not JSON (starts with "${clip(firstLine(text), 60)}")` : 'it printed nothing' };
  }
  if (!isObject(doc)) return { invalid: 'its output is not a JSON object' };
  const o = doc as Fields;
  if (o.kind !== 'ExecCredential') return { invalid: `its output has kind ${JSON.stringify(o.kind ?? null)}, not ExecCredential` };
  if (o.apiVersion !== apiVersion) {
    return { invalid: `the kubeconfig asks for ${apiVersion}, the plugin returned ${JSON.stringify(o.apiVersion ?? null)}` };
  }
  if (!isObject(o.status)) return { invalid: 'its ExecCredential has no status' };
  const s = o.status as Fields;
  const str = (k: string): string => (typeof s[k] === 'string' ? (s[k] as string) : '');
  const token = str('token');
  const cert = str('clientCertificateData');
  const key = str('clientKeyData');
  if (!token && !cert && !key) return { invalid: 'its ExecCredential has no token and no client certificate/key pair' };
  if (!cert !== !key) return { invalid: 'its ExecCredential has only one of clientCertificateData and clientKeyData' };
  if (cert && (!cert.includes('-----BEGIN') || !key.includes('-----BEGIN'))) {
    return { invalid: 'its clientCertificateData/clientKeyData are not PEM' };
  }
  let expiresAt: Date | null = null;
  if (s.expirationTimestamp !== undefined && s.expirationTimestamp !== null) {
    expiresAt = typeof s.expirationTimestamp === 'string' ? new Date(s.expirationTimestamp) : new Date(NaN);
    if (Number.isNaN(expiresAt.getTime())) return { invalid: 'its expirationTimestamp is not an RFC 3339 time' };
  }
  return {
    ...(token ? { token } : {}),
    ...(cert ? { clientCertificateData: cert, clientKeyData: key } : {}),
    expiresAt,
  };
}

/**
 * One line naming the plugin and what went wrong, plus a hint. kubectl says
 * `exec: executable X not found` (then the kubeconfig's installHint) and
 * `exec: executable X failed with exit code N` (after passing the plugin's
 * stderr through); here the first stderr line is part of the message.
 */
export function pluginError(cfg: ExecConfig, run: PluginRun, timeoutMs: number): KubeconfigError | null {
  const who = whoOf(cfg);
  const said = firstLine(run.stderr.trim());
  const stderrPart = said ? `: ${clip(said, 300)}` : '';
  switch (run.errorCode) {
    case undefined:
      break;
    case 'ENOENT':
      return new KubeconfigError(`${who} not found`,
        cfg.installHint ? oneLine(cfg.installHint)
          : (cfg.command.includes('/') ? 'check the path in users[].user.exec.command' : 'install it, or put it on PATH'));
    case 'EACCES':
      return new KubeconfigError(`${who} cannot be run: permission denied`, 'make it executable (chmod +x)');
    case 'ETIMEDOUT':
      return new KubeconfigError(`${who} did not finish within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)}s` : `${timeoutMs}ms`}${stderrPart}`,
        'a plugin that waits for a browser or a prompt needs a terminal; run kubectl once to log in, then retry');
    case 'ENOBUFS':
      return new KubeconfigError(`${who} printed more than ${MAX_OUTPUT} bytes`);
    case 'ABORT_ERR':
      return Object.assign(new KubeconfigError('interrupted'), { code: 'ABORT_ERR' });
    default:
      return new KubeconfigError(`${who} could not be started: ${run.errorCode}`);
  }
  if (run.signal) return new KubeconfigError(`${who} was killed by ${run.signal}${stderrPart}`);
  if (run.status !== 0) return new KubeconfigError(`${who} failed with exit code ${run.status}${stderrPart}`);
  const cred = parseExecCredential(run.stdout, cfg.apiVersion);
  if ('invalid' in cred) {
    return new KubeconfigError(`${who} gave no valid ExecCredential: ${cred.invalid}`,
      `it must print a ${cfg.apiVersion} ExecCredential with status.token or status.clientCertificateData/clientKeyData`);
  }
  return null;
}

/** Plugins print a few KiB; more is a runaway. */
export const MAX_OUTPUT = 4 * 1024 * 1024;
/** How much of a plugin's stderr is shown on success. */
const MAX_STDERR_SHOWN = 8 * 1024;

export interface RunOptions {
  timeoutMs: number;
  /** The cluster, for provideClusterInfo. */
  cluster?: ExecCluster;
  env: NodeJS.ProcessEnv;
  /** Where the plugin's own stderr goes on success (kubectl passes it through). */
  stderr: (text: string) => void;
  /** Ends the run: the plugin's process group is killed. */
  signal?: AbortSignal;
  /** For tests: whether stdin is a terminal, else isatty(0). */
  stdinIsTerminal?: boolean;
}

/**
 * Whether the plugin gets the terminal, as client-go decides it: Never: no;
 * IfAvailable: when stdin is a terminal; Always: yes, and without a terminal
 * the plugin does not run (client-go's words).
 */
export function interactive(cfg: ExecConfig, stdinIsTerminal: boolean): boolean {
  if (cfg.interactiveMode === 'Never') return false;
  if (cfg.interactiveMode === 'Always' && !stdinIsTerminal) {
    throw new KubeconfigError(`${whoOf(cfg)}: exec plugin cannot support interactive mode: standard input is not a terminal`,
      'run it where stdin is a terminal, or log in once with kubectl so the plugin has a cached credential');
  }
  return stdinIsTerminal;
}

/**
 * Runs the plugin: argv array (no shell), the kubeconfig's env entries over
 * ours, KUBERNETES_EXEC_INFO, a time limit and output caps. Without the
 * terminal it runs in its own process group with stdin on /dev/null, and the
 * whole group is killed at the time limit, on an interrupt and at this
 * process's exit (./plugin-process.ts).
 */
export async function runCredentialPlugin(cfg: ExecConfig, opts: RunOptions): Promise<Credential> {
  const terminal = interactive(cfg, opts.stdinIsTerminal ?? (await import('node:tty')).isatty(0));
  const env: NodeJS.ProcessEnv = { ...opts.env };
  for (const { name, value } of cfg.env) env[name] = value;
  env.KUBERNETES_EXEC_INFO = execInfo(cfg.apiVersion, cfg.provideClusterInfo ? opts.cluster : undefined, terminal);
  const run = await runInGroup(cfg.command, cfg.args, { env, timeoutMs: opts.timeoutMs, maxOutput: MAX_OUTPUT, terminal, signal: opts.signal });
  const err = pluginError(cfg, run, opts.timeoutMs);
  if (err) throw err;
  // kubectl lets a plugin's stderr (progress, warnings) through; untrusted
  // text, so made safe and capped.
  const text = run.stderr.length > MAX_STDERR_SHOWN ? `${run.stderr.slice(0, MAX_STDERR_SHOWN)}\n[...]` : run.stderr;
  if (text.trim()) opts.stderr(`${safe(text.replace(/\n$/, ''), { keepNewlines: true })}\n`);
  return parseExecCredential(run.stdout, cfg.apiVersion) as Credential;
}

/**
 * The credential for one run: the plugin runs once, and again only when the
 * credential's expirationTimestamp has passed (as client-go's cache does), so
 * a sweep of many containers does not run it per container; requests that
 * come while it runs wait for that one run. A run that failed is the answer
 * for the rest of the run: one error, said once. Unlike client-go, a 401 does
 * not make it run again.
 */
export class CredentialCache {
  private pending: Promise<Credential> | null = null;
  private cred: Credential | null = null;
  runs = 0;

  constructor(private readonly run: () => Promise<Credential>, private readonly now: () => number = Date.now) {}

  get(): Promise<Credential> {
    const fresh = this.cred && !(this.cred.expiresAt && this.cred.expiresAt.getTime() <= this.now());
    if (!fresh && (!this.pending || this.cred)) {
      this.cred = null;
      this.runs++;
      this.pending = this.run().then((c) => (this.cred = c));
      // Nobody may be waiting yet (a run started ahead of the first request).
      this.pending.catch(() => {});
    }
    return this.pending!;
  }
}

function whoOf(cfg: ExecConfig): string {
  return `credential plugin "${clip(cfg.command, 200)}" (exec of user "${cfg.user}")`;
}


function oneLine(text: string): string {
  return text.trim().split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

import { CliError } from '../errors.js';
import type { Cluster } from './config.js';
import { ApiError, networkError } from './errors.js';
import { requestJson } from './http.js';

/** What a call is about, for the words of its failure: `get pods default/web`. */
export interface ApiWhat {
  verb: string;
  resource: string;
  namespace: string;
  name: string;
}

export interface CallOptions {
  timeoutMs: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** Called each time the request has been handed to the operating system, before its answer. */
  sent?: () => void;
}

/** client-go's rest.Request default: at most 10 retries. */
const MAX_RETRIES = 10;

/**
 * Every API call goes through here: retried where client-go retries it, and
 * any failure turned into one CliError that says what was being done.
 * - A 429 (API Priority and Fairness) or a 5xx with Retry-After: wait those
 *   seconds and send it again, whatever the verb (the body is bytes, which
 *   client-go resends too).
 * - A connection reset or cut before an answer, on a GET or an exec upgrade
 *   (`idempotent`): wait a second and send it again, as client-go does for
 *   GETs.
 * At most 10 retries, and never past --request-timeout.
 * https://github.com/kubernetes/client-go/blob/master/rest/with_retry.go
 */
export async function withRetry<T>(cluster: Cluster, what: ApiWhat, o: CallOptions & { idempotent?: boolean; exec?: boolean },
  attempt: () => Promise<T>): Promise<T> {
  const deadline = o.timeoutMs > 0 ? Date.now() + o.timeoutMs : Infinity;
  const idempotent = o.idempotent ?? (what.verb === 'get' || what.verb === 'list' || o.exec === true);
  for (let retries = 0; ; retries++) {
    try {
      return await attempt();
    } catch (err) {
      const wait = retries < MAX_RETRIES && !o.signal?.aborted ? retryDelay(err, idempotent) : null;
      if (wait === null || Date.now() + wait * 1000 > deadline) throw failureOf(err, cluster, what, o.timeoutMs);
      o.log?.(`${what.verb} ${what.resource} ${place(what)}: ${reason(err)}; retry ${retries + 1} of ${MAX_RETRIES} in ${wait}s`);
      await sleep(wait * 1000, o.signal);
      if (o.signal?.aborted) throw new CliError('interrupted', undefined, 'interrupted');
    }
  }
}

/** GET one object. */
export function getObject<T>(cluster: Cluster, path: string, what: ApiWhat, o: CallOptions): Promise<T> {
  return withRetry(cluster, what, o, () => requestJson<T>(cluster, 'GET', path, o.timeoutMs, undefined, o.signal));
}

/** POST, PATCH or DELETE; `body` as JSON with its content type. */
export function send<T>(cluster: Cluster, method: 'POST' | 'PATCH' | 'DELETE', path: string, what: ApiWhat, o: CallOptions,
  body?: { contentType: string; value: unknown }): Promise<T> {
  return withRetry(cluster, what, o, () => requestJson<T>(cluster, method, path, o.timeoutMs, body, o.signal, o.sent));
}

/**
 * An API refusal → one line in the server's own words, plus what to do.
 * https://kubernetes.io/docs/reference/access-authn-authz/authorization/#checking-api-access
 */
export function apiFailure(
  err: ApiError,
  cluster: Cluster,
  what: ApiWhat,
): CliError {
  const said = err.status?.message;
  switch (err.code) {
    case 401:
      return new CliError(
        `the API server ${cluster.server} rejected the credentials of context "${cluster.context}" (Unauthorized)`,
        'the token or certificate is wrong or expired; log in again or refresh the kubeconfig',
        'unauthorized',
      );
    case 403:
      // kube-apiserver refuses with a Status (RBAC, admission); a bare 403 ("Forbidden") comes from in front of it.
      if (!err.status) {
        return new CliError(`${what.verb} ${what.resource} ${place(what)}: ${err.message} (no Kubernetes Status: not RBAC)`,
          "a proxy in front of the API server refused it; kubectl proxy refuses exec and attach unless started with --reject-paths='^$'",
          'forbidden');
      }
      return new CliError(said || `forbidden: ${what.verb} ${what.resource} in namespace "${what.namespace}"`,
        `check with: kubectl auth can-i ${what.verb} ${what.resource} ${what.namespace === '(all)' ? '-A' : `-n ${what.namespace}`}`,
        'forbidden');
    case 404:
      if (what.resource === 'pods' || what.resource === 'pods/exec') {
        return new CliError(`pod "${what.name}" not found in namespace "${what.namespace}"`, undefined, 'not found');
      }
      return new CliError(said || `${what.resource} "${what.name}" not found in namespace "${what.namespace}"`, undefined, 'not found');
    default:
      // A list has no name ("list pods (all)"); an answer without a Status (APF's plain-text 429) already names its code.
      return new CliError(`${what.verb} ${what.resource} ${place(what)}: ${said ? `${said} (HTTP ${err.code})` : err.message}`,
        undefined, `HTTP ${err.code}`);
  }
}

/** Seconds to wait before sending again, or null when this failure is not retried. */
export function retryDelay(err: unknown, idempotent: boolean): number | null {
  if (err instanceof ApiError) return err.retryAfter !== null && (err.code === 429 || err.code >= 500) ? err.retryAfter : null;
  const code = (err as NodeJS.ErrnoException)?.code;
  if (idempotent && (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED' || /socket hang up/.test((err as Error)?.message ?? ''))) {
    return 1;
  }
  return null;
}

/** Any failure of a call → the one CliError the user reads. */
export function failureOf(err: unknown, cluster: Cluster, what: ApiWhat, timeoutMs: number): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof ApiError) return apiFailure(err, cluster, what);
  if ((err as NodeJS.ErrnoException)?.code === 'ABORT_ERR') return new CliError('interrupted', undefined, 'interrupted');
  return networkError(err, cluster.server, timeoutMs);
}

function reason(err: unknown): string {
  if (err instanceof ApiError) return `HTTP ${err.code}${err.retryAfter !== null ? `, Retry-After ${err.retryAfter}s` : ''}`;
  return (err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message ?? String(err);
}

function place(what: ApiWhat): string {
  return what.namespace === '(all)' || what.namespace === '' ? what.name || '(all)' : `${what.namespace}/${what.name}`.replace(/\/$/, '');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

import { CliError } from '../errors.js';

/** A Kubernetes Status object, as the API server sends on failures. */
export interface Status {
  kind?: string;
  /** A 410 Expired list page carries the token that continues the list inconsistently. */
  metadata?: { continue?: string };
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

/** A non-2xx answer from the API server, with its Status body when it had one. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: Status | null,
    /** The Retry-After header's seconds, when it had one (429 from priority and fairness, a 5xx under load). */
    readonly retryAfter: number | null = null,
    /** The first line of a body that is not a Status (APF's 429, kubectl proxy's 403 and 500), as client-go quotes it. */
    readonly text: string | null = null,
  ) {
    super(status?.message || `the API server answered HTTP ${code}${text ? `: ${text}` : ''}`);
  }
}

/** A non-2xx answer's body → its Status, or else its first line (at most 200 characters). */
export function refusalOf(body: string): { status: Status | null; text: string | null } {
  const status = parseStatus(body);
  if (status) return { status, text: null };
  const line = body.trim().split('\n')[0].trim().slice(0, 200);
  return { status: null, text: line || null };
}

/**
 * Retry-After as client-go reads it: whole seconds only (an HTTP date is
 * ignored), at least 0.
 * https://github.com/kubernetes/client-go/blob/master/rest/with_retry.go (retryAfterSeconds)
 */
export function retryAfterSeconds(header: string | string[] | undefined): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\s*\d{1,9}\s*$/.test(value)) return null;
  return Number(value);
}

/** Reads a Status body; anything else yields null. */
export function parseStatus(body: string): Status | null {
  try {
    const value = JSON.parse(body) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Status) : null;
  } catch {
    return null;
  }
}

/**
 * Socket and TLS failures → one line that names the server.
 * Node's TLS error codes: https://nodejs.org/api/tls.html and OpenSSL's
 * X509_V_ERR_* names.
 */
export function networkError(err: unknown, server: string, timeoutMs: number): CliError {
  const e = err as NodeJS.ErrnoException & { proxy?: string };
  const code = e.code ?? '';
  // On the way through the kubeconfig's proxy-url: the proxy is what failed, not the API server.
  if (e.proxy) {
    const hint = "check the cluster's proxy-url in the kubeconfig";
    if (code === 'PROXY_REFUSED') return new CliError(`the proxy ${e.proxy} refused the tunnel to the API server ${server}: ${e.message.replace(/^.*: /, '')}`, hint, 'unreachable');
    if (code === 'ECONNREFUSED') return new CliError(`cannot connect to the proxy ${e.proxy} (proxy-url): connection refused`, hint, 'unreachable');
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new CliError(`cannot resolve the proxy ${e.proxy} (proxy-url): ${code}`, hint, 'unreachable');
    if (code === 'ETIMEDOUT') return new CliError(`the proxy ${e.proxy} (proxy-url) did not answer`, hint, 'unreachable');
    return new CliError(`the proxy ${e.proxy} (proxy-url) failed: ${e.message}`, hint, 'unreachable');
  }
  if (code === 'ECONNREFUSED') return new CliError(`cannot connect to the API server ${server}: connection refused`, undefined, 'unreachable');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new CliError(`cannot resolve the API server ${server}: ${code}`);
  if (code === 'ECONNRESET' || code === 'EPIPE') return new CliError(`the connection to the API server ${server} was reset`);
  if (code === 'ETIMEDOUT' || code === 'PROCSTATUS_TIMEOUT' || /timed out/i.test(e.message ?? '')) {
    return new CliError(`the API server ${server} did not answer within ${seconds(timeoutMs)} (--request-timeout)`, undefined, 'timeout');
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|SSL|TLS/.test(code) || /certificate|SSL|TLS/i.test(e.message ?? '')) {
    return new CliError(`TLS verification of the API server ${server} failed: ${e.message}`,
      "check the cluster's certificate-authority in the kubeconfig", 'tls');
  }
  return new CliError(`request to the API server ${server} failed: ${e.message ?? String(err)}`);
}

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

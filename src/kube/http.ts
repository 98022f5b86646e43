import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Cluster } from './config.js';
import { ApiError, parseStatus, retryAfterSeconds } from './errors.js';

const MAX_BODY = 64 * 1024 * 1024;

/** The TLS parts of request options that client-node's applyToHTTPSOptions fills in. */
type TlsOptions = Pick<https.RequestOptions, 'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'rejectUnauthorized' | 'servername'> & {
  agent?: unknown;
};

/**
 * One TLS context per cluster. Without it every socket builds a new
 * SecureContext from the kubeconfig's CA and client certificate (parsing every
 * certificate) in tls.connect; a sweep opens one socket per container.
 * https://nodejs.org/api/tls.html#tlsconnectoptions-callback
 */
const contexts = new WeakMap<Cluster, tls.SecureContext>();

export function secureContext(cluster: Cluster, o: TlsOptions): tls.SecureContext {
  let context = contexts.get(cluster);
  if (!context) {
    context = tls.createSecureContext({ ca: o.ca, cert: o.cert, key: o.key, pfx: o.pfx, passphrase: o.passphrase });
    contexts.set(cluster, context);
  }
  return context;
}

const agents = new WeakMap<Cluster, https.Agent>();

/**
 * The agent for every request to a cluster: the API GETs and the exec
 * websocket upgrades. It keeps connections alive, so a one-pod read sends its
 * exec upgrade on the connection its pod GET opened (the server answers the
 * GET with keep-alive; the upgrade takes the socket over), instead of a new
 * TCP connection and TLS handshake: two round trips fewer. Connections it
 * must open (a sweep's concurrent execs) resume the TLS session of an earlier
 * one from the agent's session cache (one round trip, no certificate chain).
 * client-node's own agent does neither keep-alive nor share its context.
 * A kubeconfig proxy-url gives a proxy agent, used as it is.
 * https://nodejs.org/api/http.html#new-agentoptions
 */
export function agentFor(cluster: Cluster, o: TlsOptions): http.Agent | undefined {
  const given = o.agent as http.Agent | undefined;
  // Exactly https.Agent: a proxy agent (a subclass) tunnels, and must stay.
  if (!given || Object.getPrototypeOf(given) !== https.Agent.prototype) return given;
  let agent = agents.get(cluster);
  if (!agent) {
    agent = new https.Agent({
      keepAlive: true,
      secureContext: secureContext(cluster, o),
      ...(o.rejectUnauthorized !== undefined ? { rejectUnauthorized: o.rejectUnauthorized } : {}),
      ...(o.servername !== undefined ? { servername: o.servername } : {}),
    });
    agents.set(cluster, agent);
  }
  return agent;
}

/**
 * One request to the API server with the kubeconfig's TLS and auth, as
 * client-node applies them (applyToHTTPSOptions), on Node's own https. Any
 * verb; a body is sent as JSON with the given content type (e.g. a patch
 * type). A non-2xx answer rejects with an ApiError; a socket failure with the
 * socket's own error: src/kube/api.ts decides what is retried and how either
 * is told. A request sent on a kept-alive connection that the server closed in
 * the meantime fails with ECONNRESET before any answer: that request never
 * reached the server, so it is sent once more on a new connection, as
 * Node's documentation advises for reused sockets.
 * https://nodejs.org/api/http.html#requestreusedsocket
 */
export async function requestJson<T>(cluster: Cluster, method: string, path: string, timeoutMs: number,
  body?: { contentType: string; value: unknown }, signal?: AbortSignal): Promise<T> {
  try {
    return await requestOnce<T>(cluster, method, path, timeoutMs, body, signal);
  } catch (err) {
    if (!(err instanceof StaleSocket)) throw err;
    return requestOnce<T>(cluster, method, path, timeoutMs, body, signal);
  }
}

/** A kept-alive socket the server had closed: nothing was answered, so nothing was done. */
class StaleSocket extends Error {}

async function requestOnce<T>(cluster: Cluster, method: string, path: string, timeoutMs: number,
  body?: { contentType: string; value: unknown }, signal?: AbortSignal): Promise<T> {
  const opts: https.RequestOptions = {};
  await cluster.kc.applyToHTTPSOptions(opts);
  const url = new URL(cluster.server + path);
  const request = url.protocol === 'http:' ? http.request : https.request;
  return new Promise<T>((resolve, reject) => {
    const payload = body ? JSON.stringify(body.value) : null;
    const req = request(url, {
      ...opts,
      agent: agentFor(cluster, opts),
      method,
      headers: {
        ...(opts.headers ?? {}),
        Accept: 'application/json',
        'User-Agent': 'kubectl-procstatus',
        ...(body ? { 'Content-Type': body.contentType, 'Content-Length': Buffer.byteLength(payload!) } : {}),
      },
    });
    const timer = timeoutMs > 0
      ? setTimeout(() => req.destroy(Object.assign(new Error('timed out'), { code: 'PROCSTATUS_TIMEOUT' })), timeoutMs)
      : null;
    let answered = false;
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      if (req.reusedSocket && !answered && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) return reject(new StaleSocket(err.message));
      reject(err);
    });
    if (signal) {
      const abort = () => req.destroy(Object.assign(new Error('interrupted'), { code: 'ABORT_ERR' }));
      if (signal.aborted) abort();
      else signal.addEventListener('abort', abort, { once: true });
      req.on('close', () => signal.removeEventListener('abort', abort));
    }
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) req.destroy(new Error(`response larger than ${MAX_BODY} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        if (timer) clearTimeout(timer);
        const body = Buffer.concat(chunks).toString('utf8');
        const code = res.statusCode ?? 0;
        if (code < 200 || code > 299) return reject(new ApiError(code, parseStatus(body), retryAfterSeconds(res.headers['retry-after'])));
        try {
          resolve(JSON.parse(body) as T);
        } catch {
          reject(new ApiError(code, { message: `the API server sent a body that is not JSON for ${path}` }));
        }
      });
    });
    req.end(payload ?? undefined);
  });
}

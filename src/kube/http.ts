import http from 'node:http';
import https from 'node:https';
import type { Cluster } from './config.js';
import { ApiError, refusalOf, retryAfterSeconds } from './errors.js';

const MAX_BODY = 64 * 1024 * 1024;

/**
 * One request to the API server, through the cluster's keep-alive agent with
 * the user's credentials (./transport.ts), on Node's own http(s). Any
 * verb; a body is sent as JSON with the given content type (e.g. a patch
 * type). A non-2xx answer rejects with an ApiError; a socket failure with the
 * socket's own error: src/kube/api.ts decides what is retried and how either
 * is told. A request sent on a kept-alive connection that the server closed in
 * the meantime fails with ECONNRESET before any answer: that request never
 * reached the server, so it is sent once more on a new connection, as
 * Node's documentation advises for reused sockets. `sent` is called when a
 * request has been handed to the operating system ('finish'), before any answer.
 * https://nodejs.org/api/http.html#requestreusedsocket
 */
export async function requestJson<T>(cluster: Cluster, method: string, path: string, timeoutMs: number,
  body?: { contentType: string; value: unknown }, signal?: AbortSignal, sent?: () => void): Promise<T> {
  return requestRetried<T>(cluster, method, path, timeoutMs, body, signal, sent, null);
}

/**
 * What a successful answer's body becomes, fed as it arrives: a list's body
 * is parsed item by item (./list-stream.ts) and is never held whole, so it
 * has no size limit of its own.
 */
export interface BodyReader<T> {
  push(chunk: Buffer): void;
  finish(): T;
}

/** A GET whose successful body goes through `reader` (made afresh for each attempt). */
export function requestStreamed<T>(cluster: Cluster, path: string, timeoutMs: number, signal: AbortSignal | undefined,
  reader: () => BodyReader<T>): Promise<T> {
  return requestRetried<T>(cluster, 'GET', path, timeoutMs, undefined, signal, undefined, reader);
}

async function requestRetried<T>(cluster: Cluster, method: string, path: string, timeoutMs: number,
  body: { contentType: string; value: unknown } | undefined, signal: AbortSignal | undefined, sent: (() => void) | undefined,
  reader: (() => BodyReader<T>) | null): Promise<T> {
  try {
    return await requestOnce<T>(cluster, method, path, timeoutMs, body, signal, sent, reader);
  } catch (err) {
    if (!(err instanceof StaleSocket)) throw err;
    return requestOnce<T>(cluster, method, path, timeoutMs, body, signal, sent, reader);
  }
}

/** A kept-alive socket the server had closed: nothing was answered, so nothing was done. */
class StaleSocket extends Error {}

async function requestOnce<T>(cluster: Cluster, method: string, path: string, timeoutMs: number,
  body: { contentType: string; value: unknown } | undefined, signal: AbortSignal | undefined, sent: (() => void) | undefined,
  reader: (() => BodyReader<T>) | null): Promise<T> {
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  const { agent, headers } = await cluster.transport.prepare(signal, deadline);
  const url = cluster.transport.url(path);
  const request = url.protocol === 'http:' ? http.request : https.request;
  return new Promise<T>((resolve, reject) => {
    const payload = body ? JSON.stringify(body.value) : null;
    const req = request(url, {
      agent,
      method,
      headers: {
        ...headers,
        Accept: 'application/json',
        'User-Agent': 'kubectl-procstatus',
        ...(body ? { 'Content-Type': body.contentType, 'Content-Length': Buffer.byteLength(payload!) } : {}),
      },
    });
    const timer = timeoutMs > 0
      ? setTimeout(() => req.destroy(Object.assign(new Error('timed out'), { code: 'PROCSTATUS_TIMEOUT' })), Math.max(0, deadline - Date.now()))
      : null;
    let answered = false;
    if (sent) req.once('finish', sent);
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
      const code = res.statusCode ?? 0;
      const ok = code >= 200 && code <= 299;
      const streamed = ok && reader ? reader() : null;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (streamed) {
          try {
            streamed.push(chunk);
          } catch (err) {
            req.destroy(notJson(err, code, path));
          }
          return;
        }
        size += chunk.length;
        if (size > MAX_BODY) req.destroy(new Error(`response larger than ${MAX_BODY} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        if (timer) clearTimeout(timer);
        if (streamed) {
          try {
            return resolve(streamed.finish());
          } catch (err) {
            return reject(notJson(err, code, path));
          }
        }
        const body = Buffer.concat(chunks).toString('utf8');
        if (!ok) {
          const { status, text } = refusalOf(body);
          return reject(new ApiError(code, status, retryAfterSeconds(res.headers['retry-after']), text));
        }
        try {
          resolve(JSON.parse(body) as T);
        } catch {
          reject(notJson(null, code, path));
        }
      });
    });
    req.end(payload ?? undefined);
  });
}

/** A body that did not parse; a reader's own error (an item too large) keeps its words. */
function notJson(err: unknown, code: number, path: string): Error {
  if (err instanceof Error && !(err instanceof SyntaxError)) return err;
  return new ApiError(code, { message: `the API server sent a body that is not JSON for ${path}` });
}

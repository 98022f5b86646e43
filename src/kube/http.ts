import http from 'node:http';
import https from 'node:https';
import type { Cluster } from './config.js';
import { ApiError, networkError, parseStatus } from './errors.js';

const MAX_BODY = 64 * 1024 * 1024;

/**
 * GET a JSON object from the API server with the kubeconfig's TLS and auth,
 * as client-node applies them (applyToHTTPSOptions), on Node's own https.
 */
export function getJson<T>(cluster: Cluster, path: string, timeoutMs: number): Promise<T> {
  return requestJson<T>(cluster, 'GET', path, timeoutMs);
}

/** Any verb; a body is sent as JSON with the given content type (e.g. a patch type). */
export async function requestJson<T>(cluster: Cluster, method: string, path: string, timeoutMs: number,
  body?: { contentType: string; value: unknown }): Promise<T> {
  const opts: https.RequestOptions = {};
  await cluster.kc.applyToHTTPSOptions(opts);
  const url = new URL(cluster.server + path);
  const request = url.protocol === 'http:' ? http.request : https.request;
  return new Promise<T>((resolve, reject) => {
    const payload = body ? JSON.stringify(body.value) : null;
    const req = request(url, {
      ...opts,
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
    req.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(networkError(err, cluster.server, timeoutMs));
    });
    req.on('response', (res) => {
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
        if (code < 200 || code > 299) return reject(new ApiError(code, parseStatus(body)));
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

// A kubeconfig's proxy-url: every connection to the API server is a tunnel
// through the proxy. http:// and https:// proxies get an HTTP CONNECT (over
// TLS to an https:// proxy); socks5:// goes through the `socks` package,
// loaded only when a kubeconfig names such a proxy. kubectl accepts these
// three schemes.
// https://kubernetes.io/docs/tasks/extend-kubernetes/socks5-proxy-access-api/
// https://www.rfc-editor.org/rfc/rfc9110#name-connect

import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';

export const PROXY_SCHEMES = ['http:', 'https:', 'socks5:'];

/** How long reaching the proxy and opening the tunnel may take (Go's dialer gives 30s). */
const DIAL_TIMEOUT_MS = 30_000;

/** The proxy URL as messages show it: no user name or password. */
export function proxyLabel(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}

/**
 * A socket to host:port through the proxy, ready for TLS (or plain HTTP) to
 * the API server. A failure carries `proxy` (the proxy's URL without user
 * information), so messages blame the proxy and not the API server
 * (src/kube/errors.ts networkError); a refused tunnel has code PROXY_REFUSED.
 */
export async function dialThroughProxy(proxy: URL, host: string, port: number): Promise<net.Socket> {
  try {
    return proxy.protocol === 'socks5:' ? await socks(proxy, host, port) : await connectTunnel(proxy, host, port);
  } catch (err) {
    throw Object.assign(err instanceof Error ? err : new Error(String(err)), { proxy: proxyLabel(proxy) });
  }
}

function connectTunnel(proxy: URL, host: string, port: number): Promise<net.Socket> {
  const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const auth = proxy.username
    ? { 'Proxy-Authorization': `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}` }
    : {};
  const request = proxy.protocol === 'https:' ? https.request : http.request;
  return new Promise<net.Socket>((resolve, reject) => {
    const req = request({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
      method: 'CONNECT',
      path: target,
      headers: { Host: target, ...auth },
      agent: false,
      timeout: DIAL_TIMEOUT_MS,
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.on('connect', (res, socket, head) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        return reject(refused(res));
      }
      socket.setTimeout(0);
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    // A proxy that answers CONNECT with a plain response (no tunnel).
    req.on('response', (res) => {
      res.resume();
      reject(refused(res));
    });
    req.end();
  });
}

function refused(res: http.IncomingMessage): Error {
  return Object.assign(new Error(`the proxy refused the tunnel: HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim()), { code: 'PROXY_REFUSED' });
}

async function socks(proxy: URL, host: string, port: number): Promise<net.Socket> {
  const { SocksClient } = await import('socks');
  const { socket } = await SocksClient.createConnection({
    proxy: {
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: Number(proxy.port || 1080),
      type: 5,
      ...(proxy.username ? { userId: decodeURIComponent(proxy.username), password: decodeURIComponent(proxy.password) } : {}),
    },
    command: 'connect',
    destination: { host, port },
    timeout: DIAL_TIMEOUT_MS,
  });
  return socket;
}

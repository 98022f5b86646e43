import { stringify } from 'node:querystring';
import type https from 'node:https';
import { PassThrough } from 'node:stream';
import WebSocket from 'ws';
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import type { Cluster } from './config.js';
import { ApiError, parseStatus, retryAfterSeconds, seconds, type Status } from './errors.js';
import { agentFor, secureContext } from './http.js';

/**
 * Channels of the remotecommand websocket protocol (v4/v5): each binary
 * message starts with its channel byte. v5 adds 255, "close this channel".
 * https://github.com/kubernetes/enhancements/tree/master/keps/sig-api-machinery/4006-transition-spdy-to-websockets
 */
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const MAX_STDERR = 64 * 1024;
const MAX_STATUS = 64 * 1024;

export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  maxBytes: number;
  timeoutMs: number;
  log: (line: string) => void;
  /** Ends the exec at once (Ctrl-C): it rejects with code ABORT_ERR. */
  signal?: AbortSignal;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** The channel-3 Status that ends every exec; null when none came. */
  status: Status | null;
  /** Set when the stream was cut at maxBytes. */
  truncated: boolean;
  /** Why the stream ended early (timeout, reset, closed without a Status), if it did. */
  failure: string | null;
  maxBytes: number;
}

/** The refused upgrade's HTTP status and Status body (ws's 'unexpected-response'). */
export class UpgradeRefused extends ApiError {}

/**
 * Runs one command in a container over the exec websocket and collects its
 * output: one round trip. client-node supplies the connection (kubeconfig
 * TLS and auth, subprotocol list); the socket factory adds what its Exec
 * lacks: the refused upgrade's Status body (client-node only says
 * "Unexpected server response: 403"), a handshake timeout, a payload cap,
 * and tolerance of malformed frames.
 */
export async function execCollect(cluster: Cluster, req: ExecRequest): Promise<ExecResult> {
  const query = stringify({ command: req.command, container: req.container, stdin: false, stdout: true, stderr: true, tty: false });
  const path = `/api/v1/namespaces/${encodeURIComponent(req.namespace)}/pods/${encodeURIComponent(req.pod)}/exec?${query}`;
  req.log(`exec ${req.namespace}/${req.pod} -c ${req.container}: ${req.command.join(' ')}`);

  const out: Buffer[] = [];
  let outBytes = 0;
  let err = '';
  let status: Status | null = null;
  let truncated = false;
  let socket: WebSocket | null = null;

  const deadline = req.timeoutMs > 0 ? Date.now() + req.timeoutMs : Infinity;
  const factory = (uri: string, protocols: string[], opts: WebSocket.ClientOptions): WebSocket => {
    const ws = new WebSocket(uri, protocols, {
      ...opts,
      ...(uri.startsWith('wss:') ? { secureContext: secureContext(cluster, opts as https.RequestOptions) } : {}),
      // The GET's keep-alive agent: the upgrade reuses its connection (http.ts).
      agent: agentFor(cluster, opts as https.RequestOptions),
      perMessageDeflate: false,
      maxPayload: req.maxBytes + 1024,
      ...(req.timeoutMs > 0 ? { handshakeTimeout: req.timeoutMs } : {}),
    });
    ws.on('unexpected-response', (request, response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (c: Buffer) => {
        if ((size += c.length) <= MAX_STATUS) chunks.push(c);
      });
      response.on('end', () => {
        ws.emit('error', new UpgradeRefused(response.statusCode ?? 0, parseStatus(Buffer.concat(chunks).toString('utf8')),
          retryAfterSeconds(response.headers['retry-after'])));
        request.destroy();
        ws.terminate();
      });
    });
    guardMessages(ws);
    socket = ws;
    return ws;
  };
  // client-node's stream hooks end these on a v5 close frame; give it
  // throwaway streams so it can never end process.stdout.
  const streams = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  const handler = new WebSocketHandler(cluster.kc, factory, streams);

  return new Promise<ExecResult>((resolve, reject) => {
    let failure: string | null = null;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      if (!status && !truncated && !failure) failure = 'the exec stream closed without a status; the output may be incomplete';
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: err, status, truncated, failure, maxBytes: req.maxBytes });
    };
    const onAbort = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.terminate();
      reject(Object.assign(new Error('interrupted'), { code: 'ABORT_ERR' }));
    };
    const timer = setTimeout(() => {
      failure = `the exec did not finish within ${seconds(req.timeoutMs)} (--request-timeout)`;
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.terminate();
        finish();
      } else {
        settled = true;
        socket?.terminate();
        reject(Object.assign(new Error('timed out'), { code: 'PROCSTATUS_TIMEOUT' }));
      }
    }, Math.max(0, Math.min(deadline - Date.now(), 2 ** 31 - 1)));
    if (!Number.isFinite(deadline)) clearTimeout(timer);
    if (req.signal?.aborted) return onAbort();
    req.signal?.addEventListener('abort', onAbort, { once: true });

    handler
      .connect(path, null, (channel, data) => {
        if (channel === STDOUT) {
          const room = req.maxBytes - outBytes;
          if (data.length > room) {
            out.push(data.subarray(0, room));
            outBytes = req.maxBytes;
            truncated = true;
            socket?.terminate();
            finish();
            return false;
          }
          out.push(data);
          outBytes += data.length;
        } else if (channel === STDERR) {
          if (err.length < MAX_STDERR) err += data.toString('utf8').slice(0, MAX_STDERR - err.length);
        } else if (channel === ERROR && data.length > 0) {
          status = parseStatus(data.subarray(0, MAX_STATUS).toString('utf8')) ?? { status: 'Failure', message: 'unreadable status frame' };
          return false;
        }
        return true;
      })
      .then((ws) => {
        // Interrupted or timed out while the upgrade was under way: nobody waits for this socket.
        if (settled) return void ws.terminate();
        req.log(`exec connected, subprotocol ${ws.protocol || '(none)'}`);
        ws.on('close', finish);
        ws.on('error', (e: Error) => {
          // One frame larger than maxPayload is the byte cap too.
          if (/Max payload/.test(e.message)) truncated = true;
          else if (!failure && !status && !truncated) failure = `the exec stream failed: ${e.message}`;
        });
        if (ws.readyState === WebSocket.CLOSED) finish();
      })
      .catch((e: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // client-node rejects with ws's ErrorEvent, which carries the error in .error.
        const inner = (e as { error?: unknown })?.error;
        reject(inner instanceof Error ? inner : e);
      });
  });
}

/**
 * client-node's message handler reads a channel byte from every binary
 * message and throws on an empty one; drop those (and non-binary data) before
 * it sees them, so a malformed frame cannot crash the process.
 */
function guardMessages(ws: WebSocket): void {
  const proto = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
  if (!proto?.set) return;
  Object.defineProperty(ws, 'onmessage', {
    configurable: true,
    get: () => proto.get?.call(ws),
    set(fn: (event: WebSocket.MessageEvent) => void) {
      proto.set!.call(ws, (event: WebSocket.MessageEvent) => {
        const data = event.data;
        if (!(data instanceof Buffer) || data.length === 0) return;
        try {
          fn(event);
        } catch {
          // An unknown channel or unreadable frame is ignored, not fatal.
        }
      });
    },
  });
}

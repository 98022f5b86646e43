import { stringify } from 'node:querystring';
import type { Cluster } from './config.js';
import { atDeadline } from './deadline.js';
import { parseStatus, seconds, type Status } from './errors.js';
import { upgrade, WebSocketReader, type OpenSocket } from './websocket.js';

export { UpgradeRefused } from './websocket.js';

/**
 * The remotecommand websocket protocols, best first: v5 (Kubernetes 1.30 and
 * later) adds the close-channel message, v4 is the same framing without it.
 * Every binary message starts with its channel byte.
 * https://github.com/kubernetes/enhancements/tree/master/keps/sig-api-machinery/4006-transition-spdy-to-websockets
 * https://kubernetes.io/docs/reference/using-api/websockets/
 */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
/** v5: [255, channel] says the server closed that channel. */
const CLOSE_CHANNEL = 255;
const MAX_STDERR = 64 * 1024;
const MAX_STATUS = 64 * 1024;
/** Beyond --max-bytes of stdout: room for stderr, the Status and channel bytes; more is a flood on some other channel. */
const SLACK = MAX_STDERR + MAX_STATUS + 64 * 1024;

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

/**
 * Runs one command in a container over the exec websocket and collects its
 * output: one round trip. The upgrade goes through the cluster's keep-alive
 * agent, so it takes over the connection the pod GET left open. A refused
 * upgrade rejects with UpgradeRefused (its Status body and Retry-After); an
 * upgrade not answered by the deadline rejects with PROCSTATUS_TIMEOUT. Once
 * the stream is open, everything ends in an ExecResult: stdout is cut at
 * maxBytes, stderr and the Status are capped, unknown channels and empty
 * messages are skipped, and a broken frame or a cut connection is a failure
 * next to whatever did arrive.
 */
export async function execCollect(cluster: Cluster, req: ExecRequest): Promise<ExecResult> {
  const query = stringify({ command: req.command, container: req.container, stdin: false, stdout: true, stderr: true, tty: false });
  const path = `/api/v1/namespaces/${encodeURIComponent(req.namespace)}/pods/${encodeURIComponent(req.pod)}/exec?${query}`;
  req.log(`exec ${req.namespace}/${req.pod} -c ${req.container}: ${req.command.join(' ')}`);

  const deadline = req.timeoutMs > 0 ? Date.now() + req.timeoutMs : Infinity;
  const { agent, headers } = await cluster.transport.prepare(req.signal, deadline);
  const open = await upgrade({
    url: cluster.transport.url(path), agent, headers, protocols: EXEC_PROTOCOLS, deadline, signal: req.signal,
  });
  req.log(`exec connected, subprotocol ${open.protocol}`);
  return collect(open, req, deadline);
}

/** Reads the channels of an open exec stream until its Status, its close, the byte cap, the deadline or an interrupt. */
export function collect(open: OpenSocket, req: Pick<ExecRequest, 'maxBytes' | 'timeoutMs' | 'signal'>, deadline: number): Promise<ExecResult> {
  const out: Buffer[] = [];
  let outBytes = 0;
  let total = 0;
  let err = '';
  let status: Status | null = null;
  let truncated = false;
  let failure: string | null = null;
  // The message being received: its channel (null until its first byte), and the Status bytes so far.
  let channel: number | null = null;
  let statusBytes: Buffer[] = [];
  let statusSize = 0;

  return new Promise<ExecResult>((resolve, reject) => {
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      cancelTimer();
      req.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const finish = () => done(() => {
      if (!status && !truncated && !failure) failure = 'the exec stream closed without a status; the output may be incomplete';
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: err, status, truncated, failure, maxBytes: req.maxBytes });
    });
    const cut = () => {
      truncated = true;
      reader.terminate();
      finish();
    };
    const onAbort = () => done(() => {
      reader.terminate();
      reject(Object.assign(new Error('interrupted'), { code: 'ABORT_ERR' }));
    });
    const cancelTimer = atDeadline(deadline, () => {
      failure = `the exec did not finish within ${seconds(req.timeoutMs)} (--request-timeout)`;
      reader.terminate();
      finish();
    });

    const reader: WebSocketReader = new WebSocketReader(open.socket, {
      data(e) {
        if (settled || e.opcode !== 2) return;
        if ((total += e.chunk.length) > req.maxBytes + SLACK) return cut();
        let chunk = e.chunk;
        if (e.first) {
          channel = null;
          statusBytes = [];
          statusSize = 0;
        }
        if (channel === null && chunk.length > 0) {
          channel = chunk[0];
          chunk = chunk.subarray(1);
        }
        if (channel === STDOUT) {
          const room = req.maxBytes - outBytes;
          if (chunk.length > room) {
            out.push(chunk.subarray(0, room));
            outBytes = req.maxBytes;
            return cut();
          }
          out.push(chunk);
          outBytes += chunk.length;
        } else if (channel === STDERR) {
          if (err.length < MAX_STDERR && chunk.length > 0) err += chunk.toString('utf8').slice(0, MAX_STDERR - err.length);
        } else if (channel === ERROR) {
          if (statusSize < MAX_STATUS) statusBytes.push(chunk.subarray(0, MAX_STATUS - statusSize));
          statusSize += chunk.length;
          if (e.last && statusSize > 0) {
            // The Status ends the exec (the kubelet closes right after it).
            status = parseStatus(Buffer.concat(statusBytes).toString('utf8')) ?? { status: 'Failure', message: 'unreadable status frame' };
            reader.close();
            finish();
          }
        } else if (channel === CLOSE_CHANNEL) {
          // v5: the server closed the channel named in the next byte; the Status still follows.
        }
        // The empty "stream is up" message and unknown channels carry nothing to keep.
      },
      end(why) {
        if (why && !failure && !status && !truncated) failure = `the exec stream failed: ${why}`;
        finish();
      },
    });
    if (req.signal?.aborted) return onAbort();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    reader.start(open.head);
  });
}

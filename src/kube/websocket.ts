// A WebSocket client for reading (RFC 6455): the opening handshake as an
// HTTP/1.1 upgrade on a given agent, then the server's frames through
// ./ws-frames.ts. Only what the exec stream needs: no extensions, no sending
// of data messages.
// https://www.rfc-editor.org/rfc/rfc6455#section-4

import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { atDeadline } from './deadline.js';
import { ApiError, refusalOf, retryAfterSeconds } from './errors.js';
import { closePayload, encodeFrame, FrameParser, OPCODE, type FrameEvent } from './ws-frames.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** How much of a refused upgrade's body is read (a Status is a few hundred bytes). */
const MAX_REFUSAL_BODY = 64 * 1024;

/** The refused upgrade's HTTP status, Status body and Retry-After (src/kube/api.ts retries on it). */
export class UpgradeRefused extends ApiError {}

export interface UpgradeOptions {
  url: URL;
  agent: http.Agent;
  headers: http.OutgoingHttpHeaders;
  /** Offered in this order; the server picks one. */
  protocols: string[];
  /** Ends the handshake with code PROCSTATUS_TIMEOUT when it has not completed by then. */
  deadline: number;
  /** Ends it with code ABORT_ERR. */
  signal?: AbortSignal;
}

export interface OpenSocket {
  socket: Duplex;
  protocol: string;
  /** Bytes the server sent after its 101 answer, already read from the socket. */
  head: Buffer;
}

/**
 * The opening handshake: a GET with Upgrade: websocket, sent through `agent`
 * (a keep-alive agent hands it the connection an earlier request left open).
 * A 101 with the right Sec-WebSocket-Accept and one of the offered
 * protocols gives the socket. Any other answer rejects with UpgradeRefused,
 * carrying its Status body and Retry-After. A kept-alive connection that the
 * server had closed fails before any answer; the handshake is then sent once
 * more on a new one, as in ./http.ts.
 */
export async function upgrade(o: UpgradeOptions): Promise<OpenSocket> {
  try {
    return await upgradeOnce(o);
  } catch (err) {
    if (!(err instanceof StaleSocket)) throw err;
    return upgradeOnce(o);
  }
}

class StaleSocket extends Error {}

function upgradeOnce(o: UpgradeOptions): Promise<OpenSocket> {
  const key = randomBytes(16).toString('base64');
  const request = o.url.protocol === 'http:' ? http.request : https.request;
  return new Promise<OpenSocket>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      cancelTimer();
      o.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const req = request(o.url, {
      agent: o.agent,
      method: 'GET',
      headers: {
        ...o.headers,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': key,
        'Sec-WebSocket-Protocol': o.protocols.join(', '),
      },
    });
    const fail = (err: Error) => settle(() => {
      req.destroy();
      reject(err);
    });
    const cancelTimer = atDeadline(o.deadline, () => fail(Object.assign(new Error('timed out'), { code: 'PROCSTATUS_TIMEOUT' })));
    const onAbort = () => fail(Object.assign(new Error('interrupted'), { code: 'ABORT_ERR' }));
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });

    let answered = false;
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (req.reusedSocket && !answered && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) return fail(new StaleSocket(err.message));
      fail(err);
    });
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if ((size += c.length) <= MAX_REFUSAL_BODY) chunks.push(c);
      });
      res.on('end', () => {
        const { status, text } = refusalOf(Buffer.concat(chunks).toString('utf8'));
        fail(new UpgradeRefused(res.statusCode ?? 0, status, retryAfterSeconds(res.headers['retry-after']), text));
      });
      res.on('error', fail);
    });
    req.on('upgrade', (res, socket, head) => {
      answered = true;
      const accept = createHash('sha1').update(key + GUID).digest('base64');
      const protocol = String(res.headers['sec-websocket-protocol'] ?? '');
      let problem: string | null = null;
      if (String(res.headers.upgrade ?? '').toLowerCase() !== 'websocket') problem = 'its Upgrade header is not websocket';
      else if (res.headers['sec-websocket-accept'] !== accept) problem = 'its Sec-WebSocket-Accept does not match the key';
      else if (!o.protocols.includes(protocol)) problem = protocol ? `it chose the subprotocol "${protocol}", which was not offered` : 'it chose no subprotocol';
      if (problem) {
        socket.destroy();
        return fail(new Error(`the API server's websocket answer is not valid: ${problem}`));
      }
      settle(() => resolve({ socket, protocol, head }));
    });
    req.end();
  });
}

/** What a WebSocketReader reports. */
export interface ReaderHandlers {
  /** A piece of a message (see FrameEvent 'data'). */
  data(event: Extract<FrameEvent, { kind: 'data' }>): void;
  /** The socket is gone: closed (with or without a close frame), or failed (`why`). */
  end(why: string | null): void;
}

/**
 * Reads the frames of an open socket: pings are answered, a close frame is
 * answered and ends the connection, a broken frame ends it with the reason.
 * close() and terminate() end it from this side.
 */
export class WebSocketReader {
  private readonly parser = new FrameParser();
  private ended = false;
  private closing = false;

  constructor(private readonly socket: Duplex, private readonly on: ReaderHandlers) {}

  /** Starts reading, with the bytes that came along with the 101 answer first. */
  start(head: Buffer): void {
    this.socket.on('data', (b: Buffer) => this.feed(b));
    this.socket.on('error', (e: Error) => this.finish(`the connection failed: ${e.message}`));
    // A connection cut without a close frame is not an error of its own: what
    // it cost (no Status) is for the reader of the stream to say.
    this.socket.on('close', () => this.finish(null));
    if (head.length > 0) this.feed(head);
  }

  /** The close handshake from this side (1000: normal closure), then the socket ends. */
  close(code = 1000): void {
    if (this.ended || this.closing) return;
    this.closing = true;
    this.write(encodeFrame(OPCODE.close, closePayload(code)));
    this.hangUp();
  }

  /** Drops the connection at once. */
  terminate(): void {
    this.closing = true;
    this.socket.destroy();
  }

  private feed(bytes: Buffer): void {
    if (this.ended) return;
    for (const e of this.parser.push(bytes)) {
      if (this.ended) return;
      switch (e.kind) {
        case 'data':
          this.on.data(e);
          break;
        case 'ping':
          if (!this.closing) this.write(encodeFrame(OPCODE.pong, e.payload));
          break;
        case 'pong':
          break;
        case 'close':
          // Echo the code, as section 5.5.1 asks, and hang up: the close handshake is done.
          if (!this.closing) this.write(encodeFrame(OPCODE.close, e.code === null ? Buffer.alloc(0) : closePayload(e.code)));
          this.closing = true;
          this.hangUp();
          this.finish(null);
          return;
        case 'invalid':
          this.terminate();
          this.finish(`a frame that is not valid WebSocket (${e.reason})`);
          return;
      }
    }
  }

  /**
   * Ends this side. The server hangs up once it has both close frames; a
   * server that does not is not waited for (the socket no longer keeps the
   * process alive, and is dropped after a second).
   */
  private hangUp(): void {
    this.socket.end();
    (this.socket as { unref?: () => void }).unref?.();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private write(frame: Buffer): void {
    if (!this.socket.writable) return;
    this.socket.write(frame, () => {
      // a write to a socket the server already closed fails; the 'close' event says so
    });
  }

  private finish(why: string | null): void {
    if (this.ended) return;
    this.ended = true;
    this.on.end(why);
  }
}

// WebSocket framing (RFC 6455 section 5), the part a client that only reads
// needs: a parser for the server's frames, fed bytes as they arrive, and an
// encoder for the client's masked control frames. Pure: no sockets here.
// https://www.rfc-editor.org/rfc/rfc6455#section-5.2

import { randomBytes } from 'node:crypto';

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** What the server sent, in order. */
export type FrameEvent =
  /**
   * A piece of a text or binary message, passed on as it arrives so a large
   * message is never held whole: `first` on its first piece, `last` on the
   * piece that ends it (a message of zero bytes is one empty piece with both).
   */
  | { kind: 'data'; opcode: typeof OPCODE.text | typeof OPCODE.binary; chunk: Buffer; first: boolean; last: boolean }
  | { kind: 'ping'; payload: Buffer }
  | { kind: 'pong' }
  /** A close frame: its status code (null when it had none) and reason. */
  | { kind: 'close'; code: number | null; reason: string }
  /** The stream broke the protocol; nothing after it is read. */
  | { kind: 'invalid'; reason: string };

interface Header {
  fin: boolean;
  opcode: number;
  /** Payload bytes of this frame still to come. */
  remaining: number;
}

/**
 * The server's frames, from bytes in any pieces. A frame that breaks the
 * protocol (reserved bits, an unknown opcode, a fragmented or oversized
 * control frame, a continuation of nothing, a masked frame: servers must not
 * mask, section 5.1) ends the parse with one 'invalid' event rather than a
 * throw. Control frames may come between the fragments of a message
 * (section 5.4).
 */
export class FrameParser {
  private pending: Buffer = Buffer.alloc(0);
  private header: Header | null = null;
  /** The opcode of the message being received, 0 between messages. */
  private message = 0;
  /** Whether the message being received has passed on a piece yet. */
  private started = false;
  private control: Buffer[] = [];
  private broken = false;

  push(bytes: Buffer): FrameEvent[] {
    const events: FrameEvent[] = [];
    if (this.broken) return events;
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, bytes]) : bytes;
    this.pending = Buffer.alloc(0);
    while (!this.broken) {
      if (!this.header) {
        const parsed = this.readHeader(buf, events);
        if (parsed === null) break;
        buf = buf.subarray(parsed);
        if (this.broken) break;
        // A frame with no payload completes here.
        if (this.header!.remaining === 0) this.payload(Buffer.alloc(0), events);
        continue;
      }
      if (buf.length === 0) break;
      const take = Math.min(buf.length, this.header.remaining);
      const part = buf.subarray(0, take);
      buf = buf.subarray(take);
      this.header.remaining -= take;
      this.payload(part, events);
    }
    if (!this.broken && buf.length > 0) this.pending = Buffer.from(buf);
    return events;
  }

  /** Reads one frame header from the start of `buf`: the bytes it took, or null when more are needed. */
  private readHeader(buf: Buffer, events: FrameEvent[]): number | null {
    if (buf.length < 2) return null;
    const b0 = buf[0];
    const b1 = buf[1];
    let length = b1 & 0x7f;
    let at = 2;
    if (length === 126) {
      if (buf.length < 4) return null;
      length = buf.readUInt16BE(2);
      at = 4;
    } else if (length === 127) {
      if (buf.length < 10) return null;
      const big = buf.readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) return this.fail(events, 'a frame length beyond 2^53');
      length = Number(big);
      at = 10;
    }
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if ((b0 & 0x70) !== 0) return this.fail(events, 'reserved bits set (no extension was agreed)');
    if ((b1 & 0x80) !== 0) return this.fail(events, 'a masked frame from the server');
    if (opcode >= 0x8) {
      if (opcode > OPCODE.pong) return this.fail(events, `unknown control opcode ${opcode}`);
      if (!fin) return this.fail(events, 'a fragmented control frame');
      if (length > 125) return this.fail(events, 'a control frame longer than 125 bytes');
    } else if (opcode === OPCODE.continuation) {
      if (this.message === 0) return this.fail(events, 'a continuation frame outside a message');
    } else if (opcode === OPCODE.text || opcode === OPCODE.binary) {
      if (this.message !== 0) return this.fail(events, 'a new message before the last one ended');
      this.message = opcode;
      this.started = false;
    } else {
      return this.fail(events, `unknown opcode ${opcode}`);
    }
    this.header = { fin, opcode, remaining: length };
    return at;
  }

  /** A piece of the current frame's payload (all of it has come when remaining is 0). */
  private payload(part: Buffer, events: FrameEvent[]): void {
    const h = this.header!;
    const done = h.remaining === 0;
    if (h.opcode >= 0x8) {
      if (part.length > 0) this.control.push(part);
      if (!done) return;
      const body = Buffer.concat(this.control);
      this.control = [];
      this.header = null;
      this.controlFrame(h.opcode, body, events);
      return;
    }
    const last = done && h.fin;
    // Empty pieces are passed on only when they start or end a message.
    if (part.length > 0 || !this.started || last) {
      events.push({ kind: 'data', opcode: this.message as 1 | 2, chunk: part, first: !this.started, last });
      this.started = true;
    }
    if (done) {
      this.header = null;
      if (h.fin) this.message = 0;
    }
  }

  private controlFrame(opcode: number, body: Buffer, events: FrameEvent[]): void {
    if (opcode === OPCODE.ping) events.push({ kind: 'ping', payload: body });
    else if (opcode === OPCODE.pong) events.push({ kind: 'pong' });
    else if (body.length === 1) this.fail(events, 'a close frame with a one-byte payload');
    else events.push({ kind: 'close', code: body.length >= 2 ? body.readUInt16BE(0) : null, reason: body.subarray(2).toString('utf8') });
  }

  private fail(events: FrameEvent[], reason: string): null {
    this.broken = true;
    this.pending = Buffer.alloc(0);
    events.push({ kind: 'invalid', reason });
    return null;
  }
}

/**
 * One frame as a client sends it: final, masked with a fresh key (section
 * 5.3: every client frame is masked). Used for close and pong frames, and
 * in tests for the frames a server sends (`mask` false).
 */
export function encodeFrame(opcode: number, payload: Buffer = Buffer.alloc(0), mask = true, fin = true): Buffer {
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 0x10000 ? 2 : 8;
  const head = Buffer.alloc(2 + ext + (mask ? 4 : 0));
  head[0] = (fin ? 0x80 : 0) | opcode;
  head[1] = (mask ? 0x80 : 0) | (ext === 0 ? len : ext === 2 ? 126 : 127);
  if (ext === 2) head.writeUInt16BE(len, 2);
  else if (ext === 8) head.writeBigUInt64BE(BigInt(len), 2);
  if (!mask) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  key.copy(head, 2 + ext);
  const body = Buffer.alloc(len);
  for (let i = 0; i < len; i++) body[i] = payload[i] ^ key[i & 3];
  return Buffer.concat([head, body]);
}

/** A close frame's payload: the status code, then the reason (section 5.5.1). */
export function closePayload(code: number, reason = ''): Buffer {
  const body = Buffer.alloc(2 + Buffer.byteLength(reason));
  body.writeUInt16BE(code, 0);
  body.write(reason, 2);
  return body;
}

// WebSocket framing (src/kube/ws-frames.ts) on hand-made frames: what a
// server may send (RFC 6455 section 5), in one piece or byte by byte, and
// what it must not.
// https://www.rfc-editor.org/rfc/rfc6455#section-5
import { describe, expect, it } from 'vitest';
import { closePayload, encodeFrame, FrameParser, OPCODE, type FrameEvent } from '../src/kube/ws-frames.ts';

/** A server's frame: never masked. */
const frame = (opcode: number, payload: Buffer | string = Buffer.alloc(0), fin = true) =>
  encodeFrame(opcode, Buffer.from(payload), false, fin);

/** The events of `bytes`, fed in one piece and byte by byte: they must say the same. */
function parse(bytes: Buffer): FrameEvent[] {
  const whole = new FrameParser().push(bytes);
  const p = new FrameParser();
  const bytewise: FrameEvent[] = [];
  for (let i = 0; i < bytes.length; i++) bytewise.push(...p.push(bytes.subarray(i, i + 1)));
  expect(merge(bytewise)).toEqual(merge(whole));
  return merge(whole);
}

/** Consecutive data pieces of one message joined, so piece boundaries do not matter. */
function merge(events: FrameEvent[]): FrameEvent[] {
  const out: FrameEvent[] = [];
  const pieces: Buffer[][] = [];
  for (const e of events) {
    const last = out.at(-1);
    if (e.kind === 'data' && !e.first && last?.kind === 'data' && !last.last) {
      pieces.at(-1)!.push(e.chunk);
      out[out.length - 1] = { ...last, last: e.last };
    } else {
      out.push(e);
      pieces.push(e.kind === 'data' ? [e.chunk] : []);
    }
  }
  return out.map((e, i) => (e.kind === 'data' ? { ...e, chunk: Buffer.concat(pieces[i]) } : e));
}

const data = (text: string, opcode: 1 | 2 = 2) => ({ kind: 'data', opcode, chunk: Buffer.from(text), first: true, last: true });

describe('frames a server sends', () => {
  it('a binary message, and a text one', () => {
    expect(parse(Buffer.concat([frame(OPCODE.binary, '\x01hello'), frame(OPCODE.text, 'hi')])))
      .toEqual([data('\x01hello'), data('hi', 1)]);
  });

  it('16-bit and 64-bit lengths', () => {
    const mid = 'x'.repeat(300);
    const big = 'y'.repeat(70_000);
    expect(parse(Buffer.concat([frame(OPCODE.binary, mid), frame(OPCODE.binary, big)]))).toEqual([data(mid), data(big)]);
  });

  it('a fragmented message, with a ping between its fragments', () => {
    const events = parse(Buffer.concat([
      frame(OPCODE.binary, '\x01par', false),
      frame(OPCODE.ping, 'are you there'),
      frame(OPCODE.continuation, 't one ', false),
      frame(OPCODE.continuation, 'and two'),
    ]));
    expect(events).toEqual([
      { kind: 'data', opcode: 2, chunk: Buffer.from('\x01par'), first: true, last: false },
      { kind: 'ping', payload: Buffer.from('are you there') },
      { kind: 'data', opcode: 2, chunk: Buffer.from('t one and two'), first: false, last: true },
    ]);
  });

  it('an empty binary message is one empty piece', () => {
    expect(parse(frame(OPCODE.binary))).toEqual([data('')]);
  });

  it('close frames: with a code and reason, and with nothing', () => {
    expect(parse(frame(OPCODE.close, closePayload(1011, 'internal error')))).toEqual([{ kind: 'close', code: 1011, reason: 'internal error' }]);
    expect(parse(frame(OPCODE.close))).toEqual([{ kind: 'close', code: null, reason: '' }]);
  });

  it('a large frame is passed on as it arrives, never held whole', () => {
    const p = new FrameParser();
    const head = frame(OPCODE.binary, Buffer.alloc(1_000_000)).subarray(0, 10);
    expect(p.push(head)).toEqual([]);
    const piece = p.push(Buffer.alloc(1000, 7));
    expect(piece).toEqual([{ kind: 'data', opcode: 2, chunk: Buffer.alloc(1000, 7), first: true, last: false }]);
  });
});

describe('frames that are not valid: one "invalid" event, nothing after it', () => {
  const invalid = (bytes: Buffer, reason: RegExp) => {
    const events = new FrameParser().push(Buffer.concat([bytes, frame(OPCODE.binary, 'after')]));
    expect(events.at(-1)).toEqual({ kind: 'invalid', reason: expect.stringMatching(reason) });
    expect(events.filter((e) => e.kind === 'data' && e.chunk.toString() === 'after')).toEqual([]);
  };

  it('reserved bits, unknown opcodes', () => {
    invalid(Buffer.from([0xc2, 0x00]), /reserved bits/);
    invalid(Buffer.from([0x83, 0x00]), /unknown opcode 3/);
    invalid(Buffer.from([0x8b, 0x00]), /unknown control opcode 11/);
  });

  it('a masked frame (a server must not mask)', () => {
    invalid(encodeFrame(OPCODE.binary, Buffer.from('x'), true), /masked frame/);
  });

  it('control frames: fragmented, longer than 125 bytes; a close with one byte', () => {
    invalid(frame(OPCODE.ping, 'x', false), /fragmented control/);
    invalid(frame(OPCODE.ping, 'x'.repeat(126)), /longer than 125/);
    invalid(frame(OPCODE.close, 'x'), /one-byte payload/);
  });

  it('a continuation of nothing; a new message inside another', () => {
    invalid(frame(OPCODE.continuation, 'x'), /continuation frame outside a message/);
    invalid(Buffer.concat([frame(OPCODE.binary, 'a', false), frame(OPCODE.binary, 'b')]), /new message before/);
  });

  it('a 64-bit length beyond 2^53', () => {
    invalid(Buffer.from([0x82, 127, 0xff, 0, 0, 0, 0, 0, 0, 1]), /beyond 2\^53/);
  });

  it('random bytes never throw', () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    for (let i = 0; i < 500; i++) {
      const p = new FrameParser();
      expect(() => p.push(Buffer.from(Array.from({ length: 64 }, rand)))).not.toThrow();
    }
  });
});

describe('frames a client sends', () => {
  it('masked with a fresh key; the payload is the XOR', () => {
    const a = encodeFrame(OPCODE.pong, Buffer.from('abc'));
    const b = encodeFrame(OPCODE.pong, Buffer.from('abc'));
    expect(a[0]).toBe(0x8a);
    expect(a[1]).toBe(0x80 | 3);
    const key = a.subarray(2, 6);
    expect(Buffer.from(a.subarray(6).map((x, i) => x ^ key[i & 3]))).toEqual(Buffer.from('abc'));
    expect(a.subarray(2, 6)).not.toEqual(b.subarray(2, 6));
  });
});

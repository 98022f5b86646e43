// The exec websocket on hand-made frames (src/kube/exec.ts collect, and the
// upgrade of src/kube/websocket.ts): a small server writes exactly the bytes
// each case needs, and reads back what the client sends (pongs, close
// frames). The channels are the remotecommand protocol's: 1 stdout, 2
// stderr, 3 the Status, 255 (v5) a channel's close.
// https://www.rfc-editor.org/rfc/rfc6455
// https://github.com/kubernetes/enhancements/tree/master/keps/sig-api-machinery/4006-transition-spdy-to-websockets
import { createHash } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Cluster } from '../src/kube/config.ts';
import { collect, EXEC_PROTOCOLS, UpgradeRefused, type ExecResult } from '../src/kube/exec.ts';
import { requestJson } from '../src/kube/http.ts';
import { Transport } from '../src/kube/transport.ts';
import { upgrade } from '../src/kube/websocket.ts';
import { closePayload, encodeFrame, OPCODE } from '../src/kube/ws-frames.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const frame = (opcode: number, payload: Buffer | string = Buffer.alloc(0), fin = true) => encodeFrame(opcode, Buffer.from(payload), false, fin);
const msg = (channel: number, data: string | Buffer = '') => frame(OPCODE.binary, Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
const SUCCESS = msg(3, JSON.stringify({ metadata: {}, status: 'Success' }));

/** The client's frames: masked, so unmasked here (a test-side reader; the product never reads masked frames). */
function clientFrames(bytes: Buffer): { opcode: number; payload: Buffer }[] {
  const out: { opcode: number; payload: Buffer }[] = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at] & 0x0f;
    let len = bytes[at + 1] & 0x7f;
    let p = at + 2;
    if (len === 126) {
      len = bytes.readUInt16BE(p);
      p += 2;
    }
    expect(bytes[at + 1] & 0x80).toBe(0x80);
    const key = bytes.subarray(p, p + 4);
    const payload = Buffer.from(bytes.subarray(p + 4, p + 4 + len).map((b, i) => b ^ key[i & 3]));
    out.push({ opcode, payload });
    at = p + 4 + len;
  }
  return out;
}

interface Served {
  /** What the client sent after the upgrade. */
  received: () => Buffer;
  /** Resolves when the client's connection closed. */
  closed: Promise<void>;
}

const servers: http.Server[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => {
    s.closeAllConnections();
    s.close(() => resolve());
  })));
});

/**
 * A server that answers every upgrade with a proper 101 for `protocol`, then
 * runs `script` on the socket; GETs answer {} with keep-alive. Counts TCP connections.
 */
async function serve(script: (socket: net.Socket) => void, protocol = 'v5.channel.k8s.io', answer?: (req: http.IncomingMessage, socket: net.Socket) => boolean) {
  const connections: net.Socket[] = [];
  let served!: Served;
  const server = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end('{}');
  });
  server.on('connection', (s) => {
    connections.push(s);
    sockets.push(s);
  });
  const ready = new Promise<Served>((resolve) => {
    server.on('upgrade', (req, socket: net.Socket) => {
      if (answer && answer(req, socket)) return;
      const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}${GUID}`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`);
      const chunks: Buffer[] = [];
      socket.on('data', (b: Buffer) => chunks.push(b));
      socket.on('error', () => {});
      // As a server does: the client hung up, so does the server.
      socket.on('end', () => socket.end());
      served = { received: () => Buffer.concat(chunks), closed: new Promise((r) => socket.on('close', () => r())) };
      resolve(served);
      script(socket);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const transport = new Transport(`http://127.0.0.1:${port}`, null, null, async () => ({ headers: {} }));
  const cluster: Cluster = { server: transport.server, context: 't', namespace: 'default', transport };
  return { cluster, transport, ready, connections };
}

/** Upgrade, then collect the stream with these limits. */
async function exec(script: (socket: net.Socket) => void, o: { maxBytes?: number; timeoutMs?: number; signal?: AbortSignal } = {}) {
  const s = await serve(script);
  const deadline = o.timeoutMs ? Date.now() + o.timeoutMs : Infinity;
  const open = await upgrade({ url: s.transport.url('/exec'), agent: s.transport.agent(), headers: {}, protocols: EXEC_PROTOCOLS, deadline });
  const result = collect(open, { maxBytes: o.maxBytes ?? 1 << 20, timeoutMs: o.timeoutMs ?? 0, signal: o.signal }, deadline);
  return { result, served: await s.ready };
}

describe('reading the exec stream', () => {
  it('fragmented stdout with a ping between the fragments, then the Status: the ping is answered, the close is sent', async () => {
    const { result, served } = await exec((s) => {
      s.write(Buffer.concat([msg(1), frame(OPCODE.binary, '\x01Name:\t', false), frame(OPCODE.ping, 'hb')]));
      setTimeout(() => s.write(Buffer.concat([frame(OPCODE.continuation, 'sleep\n'), msg(2, 'a warning\n'), SUCCESS])), 20);
    });
    expect(await result).toEqual<ExecResult>({
      stdout: 'Name:\tsleep\n', stderr: 'a warning\n', status: { metadata: {}, status: 'Success' }, truncated: false, failure: null, maxBytes: 1 << 20,
    });
    await served.closed;
    const sent = clientFrames(served.received());
    expect(sent).toEqual([{ opcode: OPCODE.pong, payload: Buffer.from('hb') }, { opcode: OPCODE.close, payload: closePayload(1000) }]);
  });

  it('empty messages, unknown channels, text frames and v5 channel closes are skipped, not fatal', async () => {
    const { result } = await exec((s) => s.write(Buffer.concat([
      frame(OPCODE.binary), msg(1), msg(9, 'what is this'), frame(OPCODE.text, '1b2s='), msg(1, 'ok'), msg(255, '\x01'), msg(255), SUCCESS,
    ])));
    expect(await result).toMatchObject({ stdout: 'ok', status: { status: 'Success' }, failure: null });
  });

  it('a frame that is not valid WebSocket ends the stream with a failure; what came before is kept', async () => {
    const { result } = await exec((s) => s.write(Buffer.concat([msg(1, 'before'), Buffer.from([0xf2, 0x01, 0x01]), msg(1, 'after')])));
    expect(await result).toMatchObject({
      stdout: 'before', status: null, truncated: false, failure: 'the exec stream failed: a frame that is not valid WebSocket (reserved bits set (no extension was agreed))',
    });
  });

  it('stdout past maxBytes is cut there and the socket dropped, even inside one huge frame', async () => {
    const { result, served } = await exec((s) => {
      // A frame that says it holds 10 MB; the first 64 KiB of it come.
      const head = encodeFrame(OPCODE.binary, Buffer.alloc(10 << 20), false).subarray(0, 10);
      s.write(Buffer.concat([head, Buffer.from([1]), Buffer.alloc(64 * 1024, 0x61)]));
    }, { maxBytes: 1000 });
    const r = await result;
    expect(r).toMatchObject({ truncated: true, status: null, failure: null });
    expect(r.stdout).toBe('a'.repeat(1000));
    await served.closed;
  });

  it('a flood on another channel is cut too', async () => {
    const { result } = await exec((s) => {
      const chunk = msg(2, Buffer.alloc(16 * 1024, 0x65));
      for (let i = 0; i < 40; i++) s.write(chunk);
    }, { maxBytes: 1000 });
    const r = await result;
    expect(r.truncated).toBe(true);
    expect(r.stderr.length).toBe(64 * 1024);
  });

  it('a close frame without a Status: the output may be incomplete', async () => {
    const { result, served } = await exec((s) => s.write(Buffer.concat([msg(1, 'half'), frame(OPCODE.close, closePayload(1011, 'internal error'))])));
    expect(await result).toMatchObject({ stdout: 'half', status: null, failure: 'the exec stream closed without a status; the output may be incomplete' });
    await served.closed;
    expect(clientFrames(served.received())).toEqual([{ opcode: OPCODE.close, payload: closePayload(1011) }]);
  });

  it('an interrupt drops the socket and rejects with ABORT_ERR', async () => {
    const stop = new AbortController();
    const { result, served } = await exec((s) => {
      s.write(msg(1, 'partial'));
      setTimeout(() => stop.abort(), 50);
    }, { signal: stop.signal });
    await expect(result).rejects.toMatchObject({ code: 'ABORT_ERR' });
    await served.closed;
  });

  it('a stream that never ends stops at the deadline, keeping what came', async () => {
    const { result } = await exec((s) => s.write(msg(1, 'so far')), { timeoutMs: 300 });
    expect(await result).toMatchObject({ stdout: 'so far', status: null, failure: 'the exec did not finish within 300ms (--request-timeout)' });
  });
});

describe('the upgrade', () => {
  const open = async (s: Awaited<ReturnType<typeof serve>>, deadline = Infinity) =>
    upgrade({ url: s.transport.url('/exec'), agent: s.transport.agent(), headers: {}, protocols: EXEC_PROTOCOLS, deadline });

  it('takes over the connection the GET before it left open', async () => {
    const s = await serve((sock) => sock.write(SUCCESS));
    await requestJson(s.cluster, 'GET', '/api/v1/namespaces/default/pods/p', 5000);
    const o = await open(s);
    expect(o.protocol).toBe('v5.channel.k8s.io');
    expect(s.connections).toHaveLength(1);
    o.socket.destroy();
  });

  it('a refusal: its HTTP status, its Status body and its Retry-After', async () => {
    const s = await serve(() => {}, undefined, (_req, socket) => {
      const body = JSON.stringify({ kind: 'Status', status: 'Failure', message: 'the server is currently unable to handle the request', code: 503 });
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 3\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      return true;
    });
    const err = await open(s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpgradeRefused);
    expect(err).toMatchObject({ code: 503, retryAfter: 3, status: { message: 'the server is currently unable to handle the request' } });
  });

  it('a 101 with the wrong Sec-WebSocket-Accept, or a subprotocol not offered, is refused', async () => {
    const wrongKey = await serve(() => {}, undefined, (_req, socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm9wZQ==\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n');
      return true;
    });
    await expect(open(wrongKey)).rejects.toThrow(/Sec-WebSocket-Accept does not match/);
    const base64 = await serve(() => {}, 'v4.base64.channel.k8s.io');
    await expect(open(base64)).rejects.toThrow(/chose the subprotocol "v4\.base64\.channel\.k8s\.io", which was not offered/);
  });

  it('an upgrade never answered ends at the deadline', async () => {
    const s = await serve(() => {}, undefined, () => true);
    await expect(open(s, Date.now() + 200)).rejects.toMatchObject({ code: 'PROCSTATUS_TIMEOUT' });
  });
});

// A TCP proxy that delays every chunk by a fixed time in each direction: a
// remote link on loopback (25 ms each way = 50 ms round trip). The kernel
// completes the client's TCP handshake with the proxy at once, so nothing the
// client sends on a new connection goes on before one round trip has passed:
// the SYN/SYN-ACK a real link would have cost. It also counts
// what crosses it, without decrypting anything: connections, TLS
// ClientHellos, and whether the server resumed a session (a TLS 1.3
// ServerHello carrying the pre_shared_key extension, RFC 8446 §4.2.11).
import net from 'node:net';

const HANDSHAKE = 22; // TLS record content type (RFC 8446 §5.1)
const CLIENT_HELLO = 1;
const SERVER_HELLO = 2;
const PRE_SHARED_KEY = 41;

/** Whether a ServerHello (record bytes) accepted a PSK, i.e. resumed; null if it is not one. */
export function serverHelloResumed(buf) {
  if (buf.length < 9 || buf[0] !== HANDSHAKE || buf[5] !== SERVER_HELLO) return null;
  let p = 9 + 2 + 32; // handshake header, legacy_version, random
  if (buf.length < p + 1) return null;
  p += 1 + buf[p]; // legacy_session_id_echo
  p += 2 + 1; // cipher_suite, legacy_compression_method
  if (buf.length < p + 2) return false;
  const end = Math.min(buf.length, p + 2 + buf.readUInt16BE(p));
  p += 2;
  while (p + 4 <= end) {
    const type = buf.readUInt16BE(p);
    if (type === PRE_SHARED_KEY) return true;
    p += 4 + buf.readUInt16BE(p + 2);
  }
  return false;
}

/**
 * startDelayProxy({ port, host, delayMs }) → { port, stats(), reset(), close() }.
 * stats(): { connections, clientHellos, resumed }. trace(line), if given, hears each chunk and FIN as it arrives.
 */
export async function startDelayProxy({ port, host = '127.0.0.1', delayMs, trace = null }) {
  let stats = { connections: 0, clientHellos: 0, resumed: 0 };
  const open = new Set();
  const server = net.createServer((client) => {
    stats.connections++;
    open.add(client);
    const upstream = net.connect({ port, host });
    open.add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    let firstUp = true;
    let serverHead = Buffer.alloc(0);
    let serverSeen = false;
    const opened = Date.now();
    const pipe = (from, to, inspect, connectCost) => {
      // Same-delay timers fire in order; the connect cost only ever shortens.
      const delay = () => Math.max(delayMs, opened + connectCost + delayMs - Date.now());
      from.on('data', (chunk) => {
        trace?.(`${from === client ? 'c→s' : 's→c'} #${stats.connections} ${chunk.length} bytes`);
        inspect(chunk);
        setTimeout(() => { if (!to.destroyed) to.write(chunk); }, delay());
      });
      let ended = false;
      from.on('end', () => {
        trace?.(`${from === client ? 'c→s' : 's→c'} #${stats.connections} FIN`);
        ended = true;
        setTimeout(() => to.end(), delay());
      });
      from.on('error', () => {});
      // A reset (no FIN) is passed on as one.
      from.on('close', () => {
        open.delete(from);
        if (!ended) setTimeout(() => to.destroy(), delay());
      });
    };
    pipe(client, upstream, (chunk) => {
      if (firstUp && chunk[0] === HANDSHAKE && chunk[5] === CLIENT_HELLO) stats.clientHellos++;
      firstUp = false;
    }, 2 * delayMs);
    pipe(upstream, client, (chunk) => {
      if (serverSeen) return;
      serverHead = Buffer.concat([serverHead, chunk]);
      const r = serverHelloResumed(serverHead);
      if (r !== null || serverHead.length > 4096) {
        serverSeen = true;
        if (r) stats.resumed++;
      }
    }, 0);
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    stats: () => ({ ...stats }),
    reset: () => { stats = { connections: 0, clientHellos: 0, resumed: 0 }; },
    close: () => new Promise((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    }),
  };
}

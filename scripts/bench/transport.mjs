// node scripts/bench/transport.mjs --url URL --token T --ca FILE --pod P [--container C] [--namespace NS] [--count N] [--concurrency K]
//
// The floor under a sweep's per-container cost in this process model: one
// TLS connection (resuming the session of an earlier one) and one HTTP/1.1
// websocket upgrade per container, for the most trivial exec there is
// (`cat /proc/sys/kernel/random/boot_id`), read to its end. It connects as
// kubectl-procstatus does (src/kube/http.ts): one keep-alive https.Agent
// with the cluster CA's SecureContext, whose session cache lets every new
// connection resume; the upgrade takes the connection over. The websocket
// framing is done by hand, the least a client can do (RFC 6455 §5.2), so
// nothing of a websocket library or of the tool's own work is counted.
// Prints one JSON line: the client CPU time (user + system, this process,
// every thread) per connection over `count` connections, `concurrency` at a
// time, after one warm-up connection (the full handshake and code loading).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import { parseArgs } from 'node:util';

const usage = 'usage: node scripts/bench/transport.mjs --url URL --token T --ca FILE --pod P [--container C] [--namespace NS] [--count N] [--concurrency K]';
let o;
try {
  ({ values: o } = parseArgs({
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      ca: { type: 'string' },
      namespace: { type: 'string', default: 'default' },
      pod: { type: 'string' },
      container: { type: 'string', default: 'app' },
      count: { type: 'string', default: '200' },
      concurrency: { type: 'string', default: '10' },
    },
  }));
} catch (e) {
  process.stderr.write(`error: ${e.message.split('\n')[0]}\n${usage}\n`);
  process.exit(2);
}
if (!o.url || !o.token || !o.ca || !o.pod) {
  process.stderr.write(`error: --url, --token, --ca and --pod are required\n${usage}\n`);
  process.exit(2);
}
const COUNT = Number(o.count);
const CONCURRENCY = Number(o.concurrency);
if (!(Number.isInteger(COUNT) && COUNT > 0 && Number.isInteger(CONCURRENCY) && CONCURRENCY > 0)) {
  process.stderr.write('error: --count and --concurrency take positive whole numbers\n');
  process.exit(2);
}
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'; // RFC 6455 §1.3
const PROTOCOLS = 'v5.channel.k8s.io, v4.channel.k8s.io, v3.channel.k8s.io, v2.channel.k8s.io, channel.k8s.io';
const STDOUT = 1;
const ERROR = 3;
const CLOSE = 0x8;

let ca;
try {
  ca = readFileSync(o.ca);
} catch (e) {
  process.stderr.write(`error: cannot read the CA: ${e.message}\n`);
  process.exit(2);
}
const agent = new https.Agent({ keepAlive: true, secureContext: tls.createSecureContext({ ca }) });
const query = new URLSearchParams([
  ['command', 'cat'], ['command', '/proc/sys/kernel/random/boot_id'],
  ['container', o.container], ['stdin', 'false'], ['stdout', 'true'], ['stderr', 'true'], ['tty', 'false'],
]);
const target = new URL(`/api/v1/namespaces/${encodeURIComponent(o.namespace)}/pods/${encodeURIComponent(o.pod)}/exec?${query}`, o.url);

/** Server frames are not masked; → [{opcode, payload}], and the bytes left over. */
function frames(buf) {
  const out = [];
  let p = 0;
  for (;;) {
    if (buf.length < p + 2) break;
    let len = buf[p + 1] & 0x7f;
    let head = 2;
    if (len === 126) {
      if (buf.length < p + 4) break;
      len = buf.readUInt16BE(p + 2);
      head = 4;
    } else if (len === 127) {
      if (buf.length < p + 10) break;
      len = Number(buf.readBigUInt64BE(p + 2));
      head = 10;
    }
    if (buf.length < p + head + len) break;
    out.push({ opcode: buf[p] & 0x0f, payload: buf.subarray(p + head, p + head + len) });
    p += head + len;
  }
  return { out, rest: buf.subarray(p) };
}

/** A masked close frame (a client must mask, RFC 6455 §5.3) echoing the server's code. */
function closeFrame(code) {
  const mask = randomBytes(4);
  const body = code ? Buffer.from([code[0] ^ mask[0], code[1] ^ mask[1]]) : Buffer.alloc(0);
  return Buffer.concat([Buffer.from([0x80 | CLOSE, 0x80 | body.length]), mask, body]);
}

/** One exec: upgrade, read every frame, answer the close, wait for the socket to close. */
function execOnce() {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const req = https.request(target, {
      agent,
      headers: {
        Authorization: `Bearer ${o.token}`,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': key,
        'Sec-WebSocket-Protocol': PROTOCOLS,
      },
    });
    req.on('error', reject);
    req.on('response', (res) => reject(new Error(`the upgrade was refused: ${res.statusCode}`)));
    req.on('upgrade', (res, socket, head) => {
      const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
      if (res.headers['sec-websocket-accept'] !== accept) return reject(new Error('bad Sec-WebSocket-Accept'));
      const resumed = socket.isSessionReused();
      let buf = head;
      let stdout = 0;
      let status = '';
      const take = (chunk) => {
        const r = frames(buf.length ? Buffer.concat([buf, chunk]) : chunk);
        buf = r.rest;
        for (const f of r.out) {
          if (f.opcode === CLOSE) {
            socket.end(closeFrame(f.payload.length >= 2 ? f.payload.subarray(0, 2) : null));
          } else if (f.payload.length > 0 && f.payload[0] === STDOUT) {
            stdout += f.payload.length - 1;
          } else if (f.payload.length > 0 && f.payload[0] === ERROR) {
            status += f.payload.subarray(1).toString('utf8');
          }
        }
      };
      socket.on('data', take);
      socket.on('error', reject);
      socket.on('close', () => {
        if (!/"status":"Success"/.test(status) || stdout !== 37) reject(new Error(`unexpected exec result: ${stdout} bytes, status ${status}`));
        else resolve(resumed);
      });
      if (head.length) take(Buffer.alloc(0));
    });
    req.end();
  });
}

try {
  await execOnce(); // warm-up: the full handshake, and the code paths loaded
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let next = 0;
  let resumed = 0;
  const worker = async () => {
    while (next < COUNT) {
      next++;
      if (await execOnce()) resumed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, COUNT) }, worker));
  const c = process.cpuUsage(c0);
  const ms = performance.now() - t0;
  const cpuMs = (c.user + c.system) / 1000;
  agent.destroy();
  process.stdout.write(`${JSON.stringify({ count: COUNT, concurrency: CONCURRENCY, ms, cpuMs, perConnectionMs: cpuMs / COUNT, resumed })}\n`);
} catch (e) {
  process.stderr.write(`error: ${e.message}\n`);
  process.exit(1);
}

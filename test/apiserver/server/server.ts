// The HTTPS listener: reads request bodies (up to kube-apiserver's 3 MiB),
// takes upgrades, asks the router (router.ts) for each answer, writes it
// (reply.ts) and logs one line per request. Stopping it ends every exec
// session and open connection.

import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TokenTable } from '../api/auth.ts';
import { entityTooLarge, internalError } from '../api/status.ts';
import type { Cluster } from '../cluster/cluster.ts';
import type { Outcome, ServerContext } from '../routes/context.ts';
import { execRoute } from '../routes/exec.ts';
import type { User } from '../api/auth.ts';
import { Faults, PodThrottles } from './faults.ts';
import type { FaultRule } from './faults.ts';
import { ListPages } from './pages.ts';
import { socketOf, status, writeReply } from './reply.ts';
import type { Sink } from './reply.ts';
import { router } from './router.ts';

export interface ServerOptions {
  cluster: Cluster;
  tokens: TokenTable;
  key: string | Buffer;
  cert: string | Buffer;
  log: (line: string) => void;
  /** Request faults armed from the start (the fixture's `faults`). */
  faults?: FaultRule[];
}

export interface ApiServer {
  server: https.Server;
  listen(port: number): Promise<number>;
  stop(): Promise<void>;
}

/** Request bodies larger than this are refused (kube-apiserver's default limit is 3 MiB). */
const MAX_BODY = 3 << 20;

export function createApiServer(o: ServerOptions): ApiServer {
  const { log } = o;
  const stopHooks = new Set<() => void>();
  let address = '127.0.0.1:0';
  const ctx: ServerContext = {
    cluster: o.cluster,
    log,
    onStop: (fn) => {
      stopHooks.add(fn);
      return () => stopHooks.delete(fn);
    },
    address: () => address,
    faults: new Faults(),
    throttles: new PodThrottles(),
    pages: new ListPages(),
  };
  ctx.faults.add(o.faults ?? []);
  const exec = execRoute(ctx);
  const { route } = router(ctx, o.tokens, exec);

  const dispatch = (req: IncomingMessage, sink: Sink, body: Buffer = Buffer.alloc(0)): void => {
    const started = Date.now();
    let out: Outcome & { user?: User };
    try {
      out = route(req, sink, body);
    } catch (e) {
      out = { reply: status(internalError(e instanceof Error ? e.message : String(e))) };
    }
    const { reply, user, note } = out;
    const who = user ? user.name : 'unauthenticated';
    const line = (code: string): void =>
      log(`${req.method} ${req.url} user=${who} -> ${code}${note ? ` ${note}` : ''} (${Date.now() - started}ms)`);
    if (!reply) {
      line('upgrade');
      return;
    }
    if ('hang' in reply) {
      line('(no answer)');
      const s = socketOf(sink);
      if (s) ctx.onStop(() => s.destroy());
      return;
    }
    if ('drop' in reply) {
      line('(connection dropped)');
      socketOf(sink)?.destroy();
      return;
    }
    line(String(writeReply(req, sink, reply)));
  };

  /** Reads the request body (PATCH, PUT, POST), then dispatches. */
  const withBody = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      dispatch(req, { res });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (d: Buffer) => {
      if (refused) return;
      size += d.length;
      if (size > MAX_BODY) {
        refused = true;
        const b = JSON.stringify(entityTooLarge('limit is 3145728'));
        res.writeHead(413, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(b)), Connection: 'close' });
        res.end(b);
        req.resume();
        return;
      }
      chunks.push(d);
    });
    req.on('end', () => {
      if (!refused) dispatch(req, { res }, Buffer.concat(chunks));
    });
    req.on('error', () => res.destroy());
  };

  const server = https.createServer({ key: o.key, cert: o.cert }, withBody);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    dispatch(req, { socket, head });
  });
  const sockets = new Set<Duplex>();
  server.on('secureConnection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', (err) => log(`TLS handshake failed: ${err.message}`));

  return {
    server,
    listen: (port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          const a = server.address();
          const actual = typeof a === 'object' && a ? a.port : port;
          address = `127.0.0.1:${actual}`;
          resolve(actual);
        });
      }),
    stop: () =>
      new Promise((resolve) => {
        for (const fn of [...stopHooks]) fn();
        stopHooks.clear();
        exec.closeAll();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

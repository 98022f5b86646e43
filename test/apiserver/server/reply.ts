// What a route answers (a Reply) and how it goes on the wire: as an HTTP
// response, or written on the raw socket of a refused upgrade.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Status } from '../api/status.ts';

export type Reply =
  | { code: number; json: unknown }
  | { code: number; text: string }
  /** Read the request, never answer (the socket is destroyed when the server stops). */
  | { hang: true };

/** Where the answer goes: a normal response, or the socket of an upgrade request. */
export type Sink = { res: ServerResponse } | { socket: Duplex; head: Buffer };

/** A Status as the reply, with its code as the HTTP status. */
export function status(s: Status): Reply {
  return { code: s.code ?? 500, json: s };
}

export const isStatusObject = (o: unknown): o is Status => (o as { kind?: string } | null)?.kind === 'Status';

/** What kube-apiserver's mux answers for a path nothing serves. */
export const NOT_FOUND_PAGE: Reply = { code: 404, text: '404 page not found\n' };

function encode(r: Exclude<Reply, { hang: true }>): { code: number; type: string; data: string } {
  return 'json' in r
    ? { code: r.code, type: 'application/json', data: JSON.stringify(r.json) }
    : { code: r.code, type: 'text/plain; charset=utf-8', data: r.text };
}

/** Sends the reply with the headers kube-apiserver always sets (Audit-Id, Cache-Control). */
export function writeReply(req: IncomingMessage, sink: Sink, reply: Exclude<Reply, { hang: true }>): number {
  const b = encode(reply);
  const headers = {
    'Content-Type': b.type,
    'Cache-Control': 'no-cache, private',
    'Audit-Id': randomUUID(),
    'Content-Length': String(Buffer.byteLength(b.data)),
  };
  if ('res' in sink) {
    sink.res.writeHead(b.code, headers);
    sink.res.end(req.method === 'HEAD' ? undefined : b.data);
  } else {
    const head = Object.entries({ ...headers, Connection: 'close' })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    sink.socket.end(`HTTP/1.1 ${b.code} ${http.STATUS_CODES[b.code] ?? ''}\r\n${head}\r\n${b.data}`);
  }
  return b.code;
}

// What a route answers (a Reply) and how it goes on the wire: as an HTTP
// response, or written on the raw socket of a refused upgrade.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Status } from '../api/status.ts';

type Headers = Record<string, string>;

export type Reply =
  | { code: number; json: unknown; headers?: Headers }
  /** JSON already serialized as UTF-8 (large lists, cached objects). */
  | { code: number; jsonBytes: Buffer; headers?: Headers }
  | { code: number; text: string; headers?: Headers }
  /** Read the request, never answer (the socket is destroyed when the server stops). */
  | { hang: true }
  /** Close the TCP connection at once, without an answer. */
  | { drop: true };

export type Answer = Exclude<Reply, { hang: true } | { drop: true }>;

/** Where the answer goes: a normal response, or the socket of an upgrade request. */
export type Sink = { res: ServerResponse } | { socket: Duplex; head: Buffer };

/** A Status as the reply, with its code as the HTTP status. */
export function status(s: Status, headers?: Headers): Reply {
  return { code: s.code ?? 500, json: s, ...(headers ? { headers } : {}) };
}

export const isStatusObject = (o: unknown): o is Status => (o as { kind?: string } | null)?.kind === 'Status';

/**
 * An object a write answers with, and the warnings admission added, each a
 * `299 - "<text>"` value of the Warning header (RFC 7234 lists them
 * comma-separated), as kube-apiserver sends them and kubectl prints them
 * (`Warning: <text>`).
 */
export function withWarnings(code: number, object: unknown, warnings: readonly string[]): Reply {
  if (!warnings.length) return { code, json: object };
  return { code, json: object, headers: { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') } };
}

/** What kube-apiserver's mux answers for a path nothing serves. */
export const NOT_FOUND_PAGE: Reply = { code: 404, text: '404 page not found\n' };

function encode(r: Answer): { type: string; data: Buffer } {
  if ('json' in r) return { type: 'application/json', data: Buffer.from(JSON.stringify(r.json)) };
  if ('jsonBytes' in r) return { type: 'application/json', data: r.jsonBytes };
  return { type: 'text/plain; charset=utf-8', data: Buffer.from(r.text) };
}

/** The socket under a sink. */
export function socketOf(sink: Sink): Duplex | undefined {
  return 'res' in sink ? (sink.res.socket ?? undefined) : sink.socket;
}

/** Sends the reply with the headers kube-apiserver always sets (Audit-Id, Cache-Control) and the reply's own. */
export function writeReply(req: IncomingMessage, sink: Sink, reply: Answer): number {
  const b = encode(reply);
  const headers = {
    'Content-Type': b.type,
    'Cache-Control': 'no-cache, private',
    'Audit-Id': randomUUID(),
    ...reply.headers,
    'Content-Length': String(b.data.length),
  };
  if ('res' in sink) {
    sink.res.writeHead(reply.code, headers);
    sink.res.end(req.method === 'HEAD' ? undefined : b.data);
  } else {
    const head = Object.entries({ ...headers, Connection: 'close' })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    sink.socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 ${reply.code} ${http.STATUS_CODES[reply.code] ?? ''}\r\n${head}\r\n`), b.data]));
  }
  return reply.code;
}

// A small client for tests that talk to the test API server directly:
// HTTPS requests with a bearer token, and exec over the websocket
// (v5.channel.k8s.io) collecting stdout, stderr and the channel-3 status.
//
//   const r = await request(api, 'PATCH', '/api/v1/namespaces/default/pods/x/ephemeralcontainers',
//     { body: {...}, contentType: 'application/strategic-merge-patch+json' });
//   const e = await exec(api, 'x', ['cat', '/proc/1/status'], { container: 'debugger' });

import fs from 'node:fs';
import https from 'node:https';
import WebSocket from 'ws';
import type { ApiServerHandle } from './harness.ts';

type Api = Pick<ApiServerHandle, 'url' | 'kubeconfig' | 'token'>;

function kubeconfigOf(api: Api): { clusters: { cluster: Record<string, string> }[]; users: { name: string; user: { token: string } }[] } {
  return JSON.parse(fs.readFileSync(api.kubeconfig, 'utf8'));
}

export function caOf(api: Api): Buffer {
  return Buffer.from(kubeconfigOf(api).clusters[0].cluster['certificate-authority-data'], 'base64');
}

/** The token of a kubeconfig user: admin, readonly, nopods, noephemeral. */
export function tokenOf(api: Api, user: string): string {
  const u = kubeconfigOf(api).users.find((x) => x.name === user);
  if (!u) throw new Error(`no user ${user} in ${api.kubeconfig}`);
  return u.user.token;
}

export interface RequestOptions {
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  contentType?: string;
  /** Defaults to the full-access token; '' sends none. */
  token?: string;
  accept?: string;
}

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or undefined. */
  body: any;
  text: string;
}

export function request(api: Api, method: string, path: string, o: RequestOptions = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    const token = o.token ?? api.token;
    if (token) headers.Authorization = `Bearer ${token}`;
    if (o.accept) headers.Accept = o.accept;
    if (o.contentType) headers['Content-Type'] = o.contentType;
    const data = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    // Node sends a DELETE body neither chunked nor with a length unless told its length.
    if (data !== undefined) headers['Content-Length'] = String(Buffer.byteLength(data));
    // A connection of its own (agent: false): a kept-alive one that the server
    // closed while idle, or dropped on purpose (faults), would fail the next request.
    const req = https.request(`${api.url}${path}`, { method, ca: caOf(api), headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

export interface ExecOptions {
  container?: string;
  namespace?: string;
  token?: string;
  /** Subprotocols offered, in order; defaults to v5.channel.k8s.io only. */
  protocols?: string[];
  /** Sent on channel 0 once upgraded (and stdin=true asked for). */
  stdin?: string;
  /** Send [255, 0] after stdin (v5 close signal). */
  closeStdin?: boolean;
  /** Close from the client side after this many ms (or after `closeAfterBytes`). */
  closeAfterMs?: number;
  closeAfterBytes?: number;
  /** Give up (and close) after this many ms; also the handshake timeout. */
  timeoutMs?: number;
  method?: 'GET' | 'POST';
}

export interface Frame {
  channel: number;
  data: Buffer;
}

export interface ExecResult {
  /** The subprotocol the server chose. */
  protocol?: string;
  /** Every message, in order, split into its channel byte and data. */
  frames: Frame[];
  /** Channel 1 and channel 2, concatenated. */
  stdout: string;
  stderr: string;
  /** The channel-3 status, parsed. */
  status?: { status: string; message?: string; reason?: string; details?: { causes?: { reason?: string; message?: string }[] } };
  /** 0 for Success, the ExitCode cause for NonZeroExitCode, else undefined. */
  exitCode?: number;
  closeCode?: number;
  /** Set when the upgrade was refused: the status code and the body (parsed JSON, else text). */
  httpStatus?: number;
  httpBody?: any;
  error?: string;
}

/** The data of every frame on one channel, concatenated. */
export function channel(r: Pick<ExecResult, 'frames'>, ch: number): string {
  return Buffer.concat(r.frames.filter((f) => f.channel === ch).map((f) => f.data)).toString();
}

/** Runs argv in a container over the exec websocket and collects everything. */
export function exec(api: Api, pod: string, argv: string[], o: ExecOptions = {}): Promise<ExecResult> {
  const q = new URLSearchParams();
  for (const a of argv) q.append('command', a);
  if (o.container) q.set('container', o.container);
  q.set('stdout', 'true');
  q.set('stderr', 'true');
  if (o.stdin !== undefined) q.set('stdin', 'true');
  const url = `${api.url.replace('https:', 'wss:')}/api/v1/namespaces/${o.namespace ?? 'default'}/pods/${pod}/exec?${q}`;
  const timeoutMs = o.timeoutMs ?? 15_000;
  return new Promise((resolve) => {
    const result: ExecResult = { frames: [], stdout: '', stderr: '' };
    let bytes = 0;
    const ws = new WebSocket(url, o.protocols ?? ['v5.channel.k8s.io'], {
      ca: caOf(api),
      headers: { Authorization: `Bearer ${o.token ?? api.token}` },
      handshakeTimeout: timeoutMs,
      ...(o.method === 'POST' ? { method: 'POST' } : {}),
    } as WebSocket.ClientOptions);
    let settled = false;
    const done = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      result.stdout = channel(result, 1);
      result.stderr = channel(result, 2);
      const s = result.status;
      if (s?.status === 'Success') result.exitCode = 0;
      else if (s?.reason === 'NonZeroExitCode') result.exitCode = Number(s.details?.causes?.find((c) => c.reason === 'ExitCode')?.message);
      resolve(result);
    };
    const timer = setTimeout(() => {
      result.error = 'timeout';
      ws.terminate();
      done();
    }, timeoutMs);
    ws.on('unexpected-response', (_req, res) => {
      result.httpStatus = res.statusCode;
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        try {
          result.httpBody = JSON.parse(text);
        } catch {
          result.httpBody = text;
        }
        done();
      });
    });
    ws.on('open', () => {
      result.protocol = ws.protocol;
      if (o.stdin !== undefined) {
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(o.stdin)]));
        if (o.closeStdin) ws.send(Buffer.from([255, 0]));
      }
      if (o.closeAfterMs !== undefined) setTimeout(() => ws.close(1000), o.closeAfterMs);
    });
    ws.on('message', (d: Buffer) => {
      result.frames.push({ channel: d[0], data: d.subarray(1) });
      if (d[0] === 3) result.status = JSON.parse(d.subarray(1).toString());
      bytes += d.length;
      if (o.closeAfterBytes !== undefined && bytes >= o.closeAfterBytes && ws.readyState === ws.OPEN) ws.close(1000);
    });
    ws.on('close', (code) => {
      result.closeCode = code;
      done();
    });
    ws.on('error', (e) => {
      result.error = e.message;
    });
  });
}

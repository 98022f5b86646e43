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
    const req = https.request(`${api.url}${path}`, { method, ca: caOf(api), headers }, (res) => {
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
        resolve({ status: res.statusCode ?? 0, body, text });
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
  timeoutMs?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** The channel-3 status, parsed. */
  status?: { status: string; message?: string; reason?: string; details?: { causes?: { reason?: string; message?: string }[] } };
  /** 0 for Success, the ExitCode cause for NonZeroExitCode, else undefined. */
  exitCode?: number;
  /** Set when the upgrade was refused. */
  httpStatus?: number;
  httpBody?: any;
  error?: string;
}

/** Runs argv in a container over the exec websocket and collects everything. */
export function exec(api: Api, pod: string, argv: string[], o: ExecOptions = {}): Promise<ExecResult> {
  const q = new URLSearchParams();
  for (const a of argv) q.append('command', a);
  if (o.container) q.set('container', o.container);
  q.set('stdout', 'true');
  q.set('stderr', 'true');
  const url = `${api.url.replace('https:', 'wss:')}/api/v1/namespaces/${o.namespace ?? 'default'}/pods/${pod}/exec?${q}`;
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const result: ExecResult = { stdout: '', stderr: '' };
    const ws = new WebSocket(url, ['v5.channel.k8s.io'], {
      ca: caOf(api),
      headers: { Authorization: `Bearer ${o.token ?? api.token}` },
      handshakeTimeout: o.timeoutMs ?? 15_000,
    });
    let settled = false;
    const done = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      result.stdout = Buffer.concat(out).toString();
      result.stderr = Buffer.concat(err).toString();
      const s = result.status;
      if (s?.status === 'Success') result.exitCode = 0;
      else if (s?.reason === 'NonZeroExitCode') result.exitCode = Number(s.details?.causes?.find((c) => c.reason === 'ExitCode')?.message);
      resolve(result);
    };
    const timer = setTimeout(() => {
      result.error = 'timeout';
      ws.terminate();
      done();
    }, o.timeoutMs ?? 15_000);
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
    ws.on('message', (d: Buffer) => {
      if (d[0] === 1) out.push(d.subarray(1));
      else if (d[0] === 2) err.push(d.subarray(1));
      else if (d[0] === 3) result.status = JSON.parse(d.subarray(1).toString());
    });
    ws.on('close', done);
    ws.on('error', (e) => {
      result.error = e.message;
    });
  });
}

// pods/{name}/exec: the checks before the upgrade (runtime/exec.ts
// planExec), the subprotocol, then the websocket handed to the node's
// streaming side (runtime/exec.ts serveExec). kube-apiserver proxies this
// to the kubelet; here one process plays both.
// https://kubernetes.io/docs/reference/using-api/websockets/

import { WebSocketServer } from 'ws';
import { badRequest } from '../api/status.ts';
import { chooseProtocol, planExec, serveExec, unsupportedProtocols } from '../runtime/exec.ts';
import type { ExecProtocol } from '../runtime/exec.ts';
import { NOT_FOUND_PAGE, status } from '../server/reply.ts';
import type { Outcome, RouteRequest, ServerContext } from './context.ts';

export interface ExecRoute {
  serve(r: RouteRequest): Outcome;
  /** Ends every exec session (server stop). */
  closeAll(): void;
}

export function execRoute(ctx: ServerContext): ExecRoute {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 16 << 20,
    handleProtocols: (offered) => chooseProtocol([...offered]) || false,
  });
  const serve = ({ req, sink, url, path: p }: RouteRequest): Outcome => {
    if (!p.namespace || !p.name) return { reply: NOT_FOUND_PAGE };
    const pod = ctx.cluster.pod(p.namespace, p.name);
    // A rawPods item has no node (and no process): refused as such a pod is.
    if (!pod && ctx.cluster.rawPod(p.namespace, p.name)) return { reply: status(badRequest(`pod ${p.name} does not have a host assigned`)) };
    if (pod?.fault === 'hang-upgrade') return { reply: { hang: true }, note: 'hang-upgrade fault' };
    const plan = planExec(pod, p.name, url.searchParams);
    if ('status' in plan) return { reply: status(plan) };
    if (!('socket' in sink)) return { reply: status(badRequest('Upgrade request required')) };
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    if (upgrade !== 'websocket') {
      return { reply: status(badRequest(`unable to upgrade connection: this test server speaks only websocket, not ${upgrade}`)) };
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const protocol = chooseProtocol(offered);
    if (protocol === undefined) return { reply: status(unsupportedProtocols(offered)) };
    // ws accepts upgrades on GET only; kube-apiserver takes POST as well.
    req.method = 'GET';
    wss.handleUpgrade(req, sink.socket, sink.head, (ws) => {
      serveExec(plan, ws, protocol as ExecProtocol | '', { log: ctx.log, onStop: ctx.onStop });
    });
    return { note: `101 Switching Protocols proto=${protocol || '(none)'} offered=[${offered.join(' ')}]` };
  };
  return {
    serve,
    closeAll: () => {
      for (const c of wss.clients) c.terminate();
    },
  };
}

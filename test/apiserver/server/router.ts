// One request, in kube-apiserver's filter order: authenticate the bearer
// token, API Priority and Fairness (here: the armed faults of faults.ts and
// the pods' throttle annotations), authorize (RBAC, api/auth.ts), then hand
// it to the route module for its API area (routes/). Test-only endpoints
// (routes/admin.ts) come right after authentication.

import type { IncomingMessage } from 'node:http';
import { allowed } from '../api/auth.ts';
import type { Attributes, TokenTable, User } from '../api/auth.ts';
import { badRequest, forbidden, methodNotAllowed, unauthorized } from '../api/status.ts';
import { admin, ADMIN_PREFIX } from '../routes/admin.ts';
import type { Outcome, ServerContext } from '../routes/context.ts';
import { nonResource } from '../routes/discovery.ts';
import { ephemeralContainers } from '../routes/ephemeral.ts';
import type { ExecRoute } from '../routes/exec.ts';
import { get } from '../routes/get.ts';
import { list } from '../routes/list.ts';
import { writePod } from '../routes/podwrite.ts';
import { apfThrottle, faultReply } from './faults.ts';
import { knownResource, parseResourcePath, verbOf } from './paths.ts';
import type { ResourcePath } from './paths.ts';
import { NOT_FOUND_PAGE, status } from './reply.ts';
import type { Sink } from './reply.ts';

export interface Router {
  route(req: IncomingMessage, sink: Sink, body: Buffer): Outcome & { user?: User };
}

export function router(ctx: ServerContext, tokens: TokenTable, exec: ExecRoute): Router {
  const route = (req: IncomingMessage, sink: Sink, body: Buffer): Outcome & { user?: User } => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const method = req.method ?? 'GET';
    const user = tokens.lookup(req.headers.authorization);
    if (!user) return { reply: status(unauthorized()) };
    if (url.pathname.startsWith(ADMIN_PREFIX)) return { user, reply: admin(ctx, user, method, url.pathname, body) };
    const fault = ctx.faults.take(method, url.pathname, ctx.pages.pageOf(url.searchParams));
    if (fault) return { user, reply: faultReply(fault, url.searchParams, ctx.pages), note: `fault ${fault.id}: ${fault.fault}` };
    const p = parseResourcePath(url.pathname);
    if (!p) return { user, reply: method === 'GET' || method === 'HEAD' ? nonResource(url.pathname, ctx.address()) : NOT_FOUND_PAGE };
    if (!knownResource(p)) return { user, reply: NOT_FOUND_PAGE };
    const throttled = podThrottle(ctx, method, p);
    if (throttled !== undefined) return { user, reply: apfThrottle(throttled), note: 'throttled by pod annotation' };
    const attrs: Attributes = {
      verb: verbOf(method, p, url.searchParams),
      group: p.group,
      resource: p.resource,
      subresource: p.subresource,
      // RequestInfo takes /api/v1/namespaces/{name} as in the namespace {name}, so RBAC says so.
      namespace: p.resource === 'namespaces' && p.group === '' && p.name ? p.name : p.namespace,
      name: p.name,
    };
    if (!allowed(user, attrs)) return { user, reply: status(forbidden({ user: user.name, ...attrs })) };
    const r = { req, sink, url, path: p, attrs, body };

    if (p.subresource === 'ephemeralcontainers') return { user, ...ephemeralContainers(ctx, r) };
    if (p.subresource === 'exec') return { user, ...exec.serve(r) };
    if (p.resource === 'pods' && p.group === '' && p.namespace && (method === 'POST' || method === 'DELETE')) {
      return { user, ...writePod(ctx, r) };
    }
    if (method !== 'GET' && method !== 'HEAD') return { user, reply: status(methodNotAllowed()) };
    if (attrs.verb === 'watch') return { user, reply: status(badRequest('watch is not supported by this test server')) };
    const accept = req.headers.accept;
    return { user, reply: p.name ? get(ctx, p, url.searchParams, accept) : list(ctx, p, url.searchParams, accept) };
  };
  return { route };
}

/** Retry-After seconds when a GET of the pod or an exec into it is throttled by the pod's annotations (faults.ts PodThrottles). */
function podThrottle(ctx: ServerContext, method: string, p: ResourcePath): number | undefined {
  if (p.resource !== 'pods' || p.group !== '' || !p.namespace || !p.name) return undefined;
  const kind = p.subresource === 'exec' ? 'exec' : p.subresource === undefined && (method === 'GET' || method === 'HEAD') ? 'get' : undefined;
  const pod = kind && ctx.cluster.pod(p.namespace, p.name);
  return pod ? ctx.throttles.take(pod, kind) : undefined;
}

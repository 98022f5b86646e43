// POST pods (create, JSON or protobuf) and DELETE pods/{name}; admission is
// in api/podadmission.ts, the node's part in cluster/podlifecycle.ts.

import { decodePodProtobuf, PROTOBUF_CONTENT_TYPE } from '../api/protobuf.ts';
import { badRequest, methodNotAllowed, notFound } from '../api/status.ts';
import { requestedGrace } from '../api/podadmission.ts';
import { isStatusObject, status } from '../server/reply.ts';
import type { Reply } from '../server/reply.ts';
import { writtenReply } from './context.ts';
import type { Outcome, RouteRequest, ServerContext } from './context.ts';

export function writePod(ctx: ServerContext, { req, url, path: p, body }: RouteRequest): Outcome {
  const method = req.method ?? 'GET';
  let json = body;
  if (method === 'POST' && String(req.headers['content-type'] ?? '').startsWith(PROTOBUF_CONTENT_TYPE)) {
    try {
      json = Buffer.from(JSON.stringify(decodePodProtobuf(body)));
    } catch (e) {
      return { reply: status(badRequest(`Pod in version "v1" cannot be handled as a Pod: ${e instanceof Error ? e.message : e}`)) };
    }
  }
  const note = json.length ? json.toString('utf8').slice(0, 2000) : undefined;
  return { reply: answer(ctx, method, p.namespace as string, p.name, url.searchParams, json.toString('utf8')), note };
}

function answer(ctx: ServerContext, method: string, ns: string, name: string | undefined, q: URLSearchParams, body: string): Reply {
  const { cluster } = ctx;
  const dryRun = q.getAll('dryRun').includes('All');
  if (method === 'POST') {
    if (name) return status(methodNotAllowed());
    return writtenReply(ctx, ns, cluster.createPod(ns, body, dryRun), 201);
  }
  if (!name) return status(methodNotAllowed());
  const pod = cluster.pod(ns, name);
  if (!pod) return status(notFound({ group: '', resource: 'pods' }, name));
  const grace = requestedGrace(q, body);
  if (isStatusObject(grace)) return status(grace);
  if (dryRun) return { code: 200, json: cluster.podObject(pod) };
  return { code: 200, json: cluster.deletePod(pod, grace) };
}

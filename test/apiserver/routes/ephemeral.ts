// pods/{name}/ephemeralcontainers: GET the pod, PATCH (strategic merge,
// JSON merge or JSON patch) or PUT (a whole Pod) its ephemeral containers.
// The answer is the whole Pod; decoding and validation are in
// api/ephemeral.ts, starting them in runtime/kubelet.ts.

import { PATCH_CONTENT_TYPES, patchTypeOf } from '../api/ephemeral.ts';
import { badRequest, conflict, methodNotAllowed, notFound, unsupportedMediaType } from '../api/status.ts';
import type { Status } from '../api/status.ts';
import type { Written } from '../cluster/podlifecycle.ts';
import { NOT_FOUND_PAGE, status } from '../server/reply.ts';
import type { Reply } from '../server/reply.ts';
import { writtenReply } from './context.ts';
import type { Outcome, RouteRequest, ServerContext } from './context.ts';

export function ephemeralContainers(ctx: ServerContext, { req, url, path: p, body }: RouteRequest): Outcome {
  const note = body.length ? `${req.headers['content-type'] ?? '(no content type)'} ${body.toString('utf8').slice(0, 2000)}` : undefined;
  return { reply: answer(ctx, req.method ?? 'GET', req.headers['content-type'], p.namespace, p.name, url.searchParams, body), note };
}

function answer(
  ctx: ServerContext,
  method: string,
  contentType: string | undefined,
  namespace: string | undefined,
  name: string | undefined,
  q: URLSearchParams,
  body: Buffer,
): Reply {
  if (!namespace || !name) return NOT_FOUND_PAGE;
  const { cluster } = ctx;
  const gr = { group: '', resource: 'pods' };
  const dryRun = q.getAll('dryRun').includes('All');
  const done = (r: Written | Status): Reply => writtenReply(ctx, namespace, r, 200);
  if (method === 'GET' || method === 'HEAD') {
    const pod = cluster.pod(namespace, name);
    return pod ? { code: 200, json: cluster.podObject(pod) } : status(notFound(gr, name));
  }
  if (method === 'PATCH') {
    const type = patchTypeOf(contentType);
    if (!type) return status(unsupportedMediaType(PATCH_CONTENT_TYPES));
    const pod = cluster.pod(namespace, name);
    if (!pod) return status(notFound(gr, name));
    return done(cluster.patchEphemeralContainers(pod, type, body.toString('utf8'), dryRun));
  }
  if (method === 'PUT') {
    let obj: { metadata?: { name?: string; resourceVersion?: string }; spec?: { ephemeralContainers?: unknown } };
    try {
      obj = JSON.parse(body.toString('utf8'));
    } catch (e) {
      return status(badRequest(`error decoding the request body: ${e instanceof Error ? e.message : e}`));
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return status(badRequest('the request body is not a Pod'));
    const pod = cluster.pod(namespace, name);
    if (!pod) return status(notFound(gr, name));
    const bodyName = obj.metadata?.name;
    if (bodyName !== undefined && bodyName !== name) {
      return status(badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`));
    }
    const rv = obj.metadata?.resourceVersion;
    if (rv && rv !== pod.metadata.resourceVersion) return status(conflict(gr, name));
    const requested = obj.spec?.ephemeralContainers ?? [];
    if (!Array.isArray(requested)) {
      return status(badRequest('json: cannot unmarshal into Go struct field PodSpec.spec.ephemeralContainers of type []v1.EphemeralContainer'));
    }
    return done(cluster.updateEphemeralContainers(pod, requested, dryRun));
  }
  return status(methodNotAllowed());
}

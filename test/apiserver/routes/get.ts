// GET of one object: a pod, node, namespace or workload, as JSON or as a
// one-row Table. A fixture pod with `getFault: "status-500"` answers 500; a
// fixture rawPods item is answered verbatim.

import { internalError, notFound } from '../api/status.ts';
import { rawRow, tableDoc, tableOf, wantsTable } from '../api/table.ts';
import { podItemBytes, withTypeMeta } from '../cluster/objects.ts';
import type { ResourcePath } from '../server/paths.ts';
import { status } from '../server/reply.ts';
import type { Reply } from '../server/reply.ts';
import type { ServerContext } from './context.ts';

export function get(ctx: ServerContext, p: ResourcePath, q: URLSearchParams, accept: string | undefined): Reply {
  const { cluster } = ctx;
  const name = p.name as string;
  const includeObject = q.get('includeObject') ?? 'Metadata';
  const gr = { group: p.group, resource: p.resource };
  const table = wantsTable(accept);
  let obj: Record<string, any> | undefined;
  if (p.resource === 'pods') {
    const pod = cluster.pod(p.namespace ?? '', name);
    if (pod?.getFault === 'status-500') return status(internalError('etcdserver: request timed out'));
    if (pod && !table) return { code: 200, jsonBytes: withTypeMeta('Pod', 'v1', podItemBytes(pod)) };
    if (!pod) {
      const raw = cluster.rawPod(p.namespace ?? '', name);
      if (raw && table) return { code: 200, json: tableDoc('pods', [rawRow('pods', raw.name, raw.item, includeObject)], {}) };
      if (raw) return { code: 200, jsonBytes: Buffer.from(JSON.stringify(raw.item)) };
    }
    obj = pod && cluster.podObject(pod);
  } else if (p.resource === 'nodes') {
    obj = cluster.node(name)?.object;
  } else if (p.resource === 'namespaces') {
    obj = cluster.namespaces.includes(name) ? cluster.namespaceObject(name) : undefined;
  } else {
    const w = cluster.workload(p.resource, p.namespace ?? '', name);
    obj = w && cluster.workloadObject(w);
  }
  if (!obj) return status(notFound(gr, name));
  if (table) return { code: 200, json: tableOf(p.resource, [obj], includeObject, String(obj.metadata.resourceVersion)) };
  return { code: 200, json: obj };
}

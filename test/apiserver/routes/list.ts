// GET of a collection: pods (in a namespace or across all), nodes,
// namespaces and workloads, filtered by labelSelector and fieldSelector, as
// a List or, for `kubectl get`, a meta.k8s.io/v1 Table.
// https://kubernetes.io/docs/reference/using-api/api-concepts/#collections

import { POD_FIELDS, WORKLOAD_KINDS } from '../api/resources.ts';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorParseError } from '../api/selectors.ts';
import { badRequest } from '../api/status.ts';
import { tableOf, wantsTable } from '../api/table.ts';
import { nextResourceVersion } from '../cluster/versions.ts';
import type { ResourcePath } from '../server/paths.ts';
import { status } from '../server/reply.ts';
import type { Reply } from '../server/reply.ts';
import type { ServerContext } from './context.ts';

function stripTypeMeta(o: Record<string, unknown>): Record<string, unknown> {
  const { kind: _k, apiVersion: _a, ...rest } = o;
  return rest;
}

export function list(ctx: ServerContext, p: ResourcePath, q: URLSearchParams, accept: string | undefined): Reply {
  const { cluster } = ctx;
  let labelReqs;
  let fieldReqs;
  try {
    labelReqs = parseLabelSelector(q.get('labelSelector') ?? '');
    fieldReqs = parseFieldSelector(q.get('fieldSelector') ?? '');
  } catch (e) {
    if (e instanceof SelectorParseError) return status(badRequest(e.message));
    throw e;
  }
  const allowedFields = p.resource === 'pods' ? POD_FIELDS : ['metadata.name', 'metadata.namespace'];
  const bad = fieldReqs.find((r) => !allowedFields.includes(r.field));
  if (bad) return status(badRequest(`field label not supported: ${bad.field}`));
  const rv = nextResourceVersion();
  const includeObject = q.get('includeObject') ?? 'Metadata';
  let objs: Record<string, any>[];
  let kind: string;
  if (p.resource === 'pods') {
    kind = 'PodList';
    objs = cluster.pods.filter((x) => !p.namespace || x.namespace === p.namespace).map((x) => cluster.podObject(x));
  } else if (p.resource === 'nodes') {
    kind = 'NodeList';
    objs = cluster.nodes.map((n) => n.object);
  } else if (p.resource === 'namespaces') {
    kind = 'NamespaceList';
    objs = cluster.namespaces.map((n) => cluster.namespaceObject(n));
  } else {
    kind = `${Object.keys(WORKLOAD_KINDS).find((k) => WORKLOAD_KINDS[k].resource === p.resource)}List`;
    objs = cluster.workloads
      .filter((w) => w.resource === p.resource && (!p.namespace || w.namespace === p.namespace))
      .map((w) => cluster.workloadObject(w));
  }
  objs = objs.filter((x) => {
    const fields: Record<string, string> = {
      'metadata.name': x.metadata.name,
      'metadata.namespace': x.metadata.namespace ?? '',
      'spec.nodeName': x.spec?.nodeName ?? '',
      'spec.restartPolicy': x.spec?.restartPolicy ?? '',
      'spec.schedulerName': x.spec?.schedulerName ?? '',
      'spec.serviceAccountName': x.spec?.serviceAccountName ?? '',
      'status.phase': x.status?.phase ?? '',
      'status.podIP': x.status?.podIP ?? '',
      'status.nominatedNodeName': x.status?.nominatedNodeName ?? '',
    };
    return matchesLabels(labelReqs, x.metadata.labels) && matchesFields(fieldReqs, fields);
  });
  if (wantsTable(accept)) {
    return { code: 200, json: tableOf(p.resource, objs, includeObject, rv) };
  }
  const apiVersion = p.group ? `${p.group}/${p.version}` : p.version;
  return { code: 200, json: { kind, apiVersion, metadata: { resourceVersion: rv }, items: objs.map(stripTypeMeta) } };
}

// What a list reads: every object of a resource (in one namespace or all)
// as an entry that a selector can test without rendering it, and that
// renders (cached for pods) only when it is returned.

import { WORKLOAD_KINDS } from '../api/resources.ts';
import type { Labels } from '../api/selectors.ts';
import type { Cluster } from './cluster.ts';
import { podItemBytes } from './objects.ts';
import type { PodRecord } from './records.ts';

export interface ListEntry {
  namespace?: string;
  name: string;
  labels: Labels | undefined;
  /** What a fieldSelector may test. */
  fields: Record<string, string>;
  /** The list item (no kind and apiVersion) as UTF-8 JSON. */
  bytes(): Buffer;
  /** The whole object, for a Table row; for a raw item, the item itself. */
  object(): unknown;
  /** A fixture rawPods item: served verbatim, nothing behind it. */
  raw?: true;
}

/** The pod fields kube-apiserver indexes (api/resources.ts POD_FIELDS), from the record. */
function podFields(p: PodRecord): Record<string, string> {
  const s = p.spec as Record<string, unknown>;
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  return {
    'metadata.name': p.name,
    'metadata.namespace': p.namespace,
    'spec.nodeName': str(s.nodeName),
    'spec.restartPolicy': str(s.restartPolicy),
    'spec.schedulerName': str(s.schedulerName),
    'spec.serviceAccountName': str(s.serviceAccountName),
    'status.phase': p.phase,
    'status.podIP': str(p.statusExtras?.podIP),
    'status.nominatedNodeName': str(p.statusExtras?.nominatedNodeName),
  };
}

const objectEntry = (o: Record<string, any>): ListEntry => {
  const { kind: _k, apiVersion: _a, ...item } = o;
  return {
    namespace: o.metadata.namespace,
    name: o.metadata.name,
    labels: o.metadata.labels,
    fields: { 'metadata.name': o.metadata.name, 'metadata.namespace': o.metadata.namespace ?? '' },
    bytes: () => Buffer.from(JSON.stringify(item)),
    object: () => o,
  };
};

/** The entries of a collection: `resource` in `namespace`, or in every namespace when it is undefined. */
export function collection(cluster: Cluster, resource: string, namespace: string | undefined): ListEntry[] {
  const inNs = (ns: string): boolean => namespace === undefined || ns === namespace;
  if (resource === 'pods') {
    const pods: ListEntry[] = cluster.pods
      .filter((p) => inNs(p.namespace))
      .map((p) => ({
        namespace: p.namespace,
        name: p.name,
        labels: p.metadata.labels as Labels | undefined,
        fields: podFields(p),
        bytes: () => podItemBytes(p),
        object: () => cluster.podObject(p),
      }));
    const raw: ListEntry[] = cluster.rawPods
      .filter((r) => inNs(r.namespace))
      .map((r) => ({
        namespace: r.namespace,
        name: r.name,
        labels: r.labels,
        fields: { 'metadata.name': r.name, 'metadata.namespace': r.namespace },
        bytes: () => Buffer.from(JSON.stringify(r.item)),
        object: () => r.item,
        raw: true,
      }));
    return [...pods, ...raw];
  }
  if (resource === 'nodes') return cluster.nodes.map((n) => objectEntry(n.object));
  if (resource === 'namespaces') return cluster.namespaces.map((n) => objectEntry(cluster.namespaceObject(n)));
  return cluster.workloads
    .filter((w) => w.resource === resource && inNs(w.namespace))
    .map((w) => objectEntry(cluster.workloadObject(w)));
}

/** The List kind of a resource: PodList, NodeList, DeploymentList, ... */
export function listKind(resource: string): string {
  if (resource === 'pods') return 'PodList';
  if (resource === 'nodes') return 'NodeList';
  if (resource === 'namespaces') return 'NamespaceList';
  return `${Object.keys(WORKLOAD_KINDS).find((k) => WORKLOAD_KINDS[k].resource === resource)}List`;
}

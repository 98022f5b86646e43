import { getObject } from './api.js';
import type { Cluster } from './config.js';
import { listPages, type ListOptions } from './list.js';

/** A namespace's labels, or why they could not be read. */
export type Labels = Record<string, string>;

/**
 * The labels of the namespaces a read touches: of one namespace (a GET), or
 * of every namespace (-A, a node read: one chunked list). Refused (RBAC),
 * this is one CliError, for the caller to say once and go on without.
 * https://kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces
 */
export async function namespaceLabels(cluster: Cluster, namespace: string | null, o: ListOptions): Promise<Map<string, Labels>> {
  const out = new Map<string, Labels>();
  const keep = (ns: { metadata?: { name?: unknown; labels?: unknown } } | null) => {
    const name = ns?.metadata?.name;
    const labels = ns?.metadata?.labels;
    if (typeof name === 'string') out.set(name, labels && typeof labels === 'object' ? labels as Labels : {});
  };
  if (namespace !== null) {
    keep(await getObject(cluster, `/api/v1/namespaces/${encodeURIComponent(namespace)}`,
      { verb: 'get', resource: 'namespaces', namespace, name: namespace }, o));
    return out;
  }
  for await (const page of listPages<{ metadata?: { name?: unknown; labels?: unknown } }>(cluster, '/api/v1/namespaces',
    { verb: 'list', resource: 'namespaces', namespace: '(all)', name: '' }, o)) {
    for (const ns of page.items) keep(ns);
  }
  return out;
}

import { CliError } from '../errors.js';
import type { Target } from '../cli/target.js';
import type { Cluster } from './config.js';
import { ApiError } from './errors.js';
import { getJson } from './http.js';
import { apiFailure, getPod, type Pod } from './pod.js';
import { selectorString, type LabelSelector } from './selector.js';

export interface TargetQuery {
  target: Target | null;
  selector: string | null;
  allNamespaces: boolean;
  namespace: string;
  timeoutMs: number;
  log: (line: string) => void;
}

/** API paths of the workloads a TYPE/NAME may name. */
const WORKLOADS: Record<Exclude<Target['kind'], 'pod'>, { group: string; resource: string }> = {
  deployment: { group: 'apis/apps/v1', resource: 'deployments' },
  statefulset: { group: 'apis/apps/v1', resource: 'statefulsets' },
  daemonset: { group: 'apis/apps/v1', resource: 'daemonsets' },
  replicaset: { group: 'apis/apps/v1', resource: 'replicasets' },
  job: { group: 'apis/batch/v1', resource: 'jobs' },
};

/**
 * A name, a workload, a selector or -A → the pods to read. A workload is
 * resolved through its own spec.selector, as its controller does.
 */
export async function resolvePods(cluster: Cluster, q: TargetQuery): Promise<Pod[]> {
  if (q.target?.kind === 'pod') return [await getPod(cluster, q.namespace, q.target.name, q.timeoutMs)];
  let selector = q.selector;
  if (q.target) {
    const { group, resource } = WORKLOADS[q.target.kind];
    const path = `/${group}/namespaces/${encodeURIComponent(q.namespace)}/${resource}/${encodeURIComponent(q.target.name)}`;
    let workload: { spec?: { selector?: LabelSelector } };
    try {
      workload = await getJson(cluster, path, q.timeoutMs);
    } catch (err) {
      if (err instanceof ApiError) {
        throw apiFailure(err, cluster, { verb: 'get', resource, namespace: q.namespace, name: q.target.name });
      }
      throw err;
    }
    selector = selectorString(workload.spec?.selector);
    if (!selector) throw new CliError(`${q.target.kind} ${q.namespace}/${q.target.name} has no usable selector`);
    q.log(`${q.target.kind} ${q.target.name} selects pods with ${selector}`);
  }
  const base = q.allNamespaces ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(q.namespace)}/pods`;
  const path = selector ? `${base}?labelSelector=${encodeURIComponent(selector)}` : base;
  try {
    const list = await getJson<{ items?: Pod[] }>(cluster, path, q.timeoutMs);
    return (list.items ?? []).sort((a, b) =>
      a.metadata.namespace.localeCompare(b.metadata.namespace) || a.metadata.name.localeCompare(b.metadata.name));
  } catch (err) {
    if (err instanceof ApiError) {
      throw apiFailure(err, cluster, { verb: 'list', resource: 'pods', namespace: q.allNamespaces ? '(all)' : q.namespace, name: '' });
    }
    throw err;
  }
}

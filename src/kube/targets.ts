import { CliError } from '../errors.js';
import { getObject } from './api.js';
import type { Cluster } from './config.js';
import { listPages, type ListOptions } from './list.js';
import { asPod, getPod, withoutBookkeeping, type Pod } from './pod.js';
import { selectorString, type LabelSelector } from './selector.js';

/**
 * POD or TYPE/NAME, as kubectl accepts them (src/cli/target.ts parses them).
 * Workloads resolve to their pods through the workload's own selector.
 */
export type TargetKind = 'pod' | 'deployment' | 'statefulset' | 'daemonset' | 'replicaset' | 'job';

export interface Target {
  kind: TargetKind;
  name: string;
}

/** `node/NAME`: that node; `nodes` (or `node`, `no`) alone: every node, or those -l selects. */
export interface NodeTarget {
  name: string | null;
}

export interface TargetQuery {
  target: Target | null;
  selector: string | null;
  allNamespaces: boolean;
  namespace: string;
}

/** API paths of the workloads a TYPE/NAME may name. */
const WORKLOADS: Record<Exclude<Target['kind'], 'pod'>, { group: string; resource: string }> = {
  deployment: { group: 'apis/apps/v1', resource: 'deployments' },
  statefulset: { group: 'apis/apps/v1', resource: 'statefulsets' },
  daemonset: { group: 'apis/apps/v1', resource: 'daemonsets' },
  replicaset: { group: 'apis/apps/v1', resource: 'replicasets' },
  job: { group: 'apis/batch/v1', resource: 'jobs' },
};

/** One page of pods; an item that is not a usable Pod stands as the failure it is. */
export interface PodPage {
  pods: (Pod | CliError)[];
  remaining: number | null;
}

/**
 * A name, a workload, a selector or -A → the pods to read, page by page in
 * the API's order (by namespace, then name). A workload is resolved through
 * its own spec.selector, as its controller does.
 */
export async function* podPages(cluster: Cluster, q: TargetQuery, o: ListOptions): AsyncGenerator<PodPage> {
  if (q.target?.kind === 'pod') {
    yield { pods: [await getPod(cluster, q.namespace, q.target.name, o)], remaining: 0 };
    return;
  }
  let selector = q.selector;
  if (q.target) {
    const { group, resource } = WORKLOADS[q.target.kind];
    const path = `/${group}/namespaces/${encodeURIComponent(q.namespace)}/${resource}/${encodeURIComponent(q.target.name)}`;
    const workload = await getObject<{ spec?: { selector?: LabelSelector } } | null>(cluster, path,
      { verb: 'get', resource, namespace: q.namespace, name: q.target.name }, o);
    selector = selectorString(workload?.spec?.selector);
    if (!selector) throw new CliError(`${q.target.kind} ${q.namespace}/${q.target.name} has no usable selector`);
    o.log?.(`${q.target.kind} ${q.target.name} selects pods with ${selector}`);
  }
  const base = q.allNamespaces ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(q.namespace)}/pods`;
  const path = selector ? `${base}?labelSelector=${encodeURIComponent(selector)}` : base;
  const what = { verb: 'list', resource: 'pods', namespace: q.allNamespaces ? '(all)' : q.namespace, name: '' };
  // Items are counted across pages: "item 0 of a page" would say nothing in a chunked list.
  const each = (item: unknown, index: number): Pod | CliError => {
    try {
      return withoutBookkeeping(asPod(item, `item ${index} of the pod list`));
    } catch (err) {
      return err as CliError;
    }
  };
  for await (const page of listPages(cluster, path, what, o, each)) {
    yield {
      pods: page.items,
      remaining: page.remaining,
    };
  }
}

import { getObject } from './api.js';
import type { Cluster } from './config.js';
import { listAll, type ListOptions } from './list.js';
import { asPod, type Pod } from './pod.js';

/** The parts of a v1 Node this tool reads. */
export interface NodeObject {
  metadata: { name: string; labels?: Record<string, string> };
  status?: {
    conditions?: { type: string; status: string }[];
    nodeInfo?: { containerRuntimeVersion?: string; kubeletVersion?: string; kernelVersion?: string };
  };
}

/** One Node. */
export function getNode(cluster: Cluster, name: string, o: ListOptions): Promise<NodeObject> {
  return getObject<NodeObject>(cluster, `/api/v1/nodes/${encodeURIComponent(name)}`, { verb: 'get', resource: 'nodes', namespace: '(all)', name }, o);
}

/** node/NAME, or every node (-l: those matching), by name. */
export async function resolveNodes(cluster: Cluster, name: string | null, selector: string | null, o: ListOptions): Promise<NodeObject[]> {
  if (name !== null) {
    return [await getObject<NodeObject>(cluster, `/api/v1/nodes/${encodeURIComponent(name)}`,
      { verb: 'get', resource: 'nodes', namespace: '(all)', name }, o)];
  }
  const path = selector ? `/api/v1/nodes?labelSelector=${encodeURIComponent(selector)}` : '/api/v1/nodes';
  const nodes = await listAll<NodeObject>(cluster, path, { verb: 'list', resource: 'nodes', namespace: '(all)', name: '' }, o);
  return nodes.filter((n) => typeof n?.metadata?.name === 'string').sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** Every pod bound to a node, in all namespaces (a kubelet runs about a hundred at most). */
export async function podsOnNode(cluster: Cluster, node: string, o: ListOptions): Promise<Pod[]> {
  const items = await listAll<unknown>(cluster, `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`,
    { verb: 'list', resource: 'pods', namespace: '(all)', name: '' }, o);
  const pods: Pod[] = [];
  for (const [i, item] of items.entries()) {
    try {
      pods.push(asPod(item, `item ${i} of the pods on node ${node}`));
    } catch (err) {
      o.warn((err as Error).message);
    }
  }
  return pods;
}

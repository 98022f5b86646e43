import { loadCluster, type Cluster } from '../kube/config.js';
import { getJson } from '../kube/http.js';
import { getPod, type Pod } from '../kube/pod.js';
import type { ClusterChoice, Lookups } from './complete.js';

interface List<T> {
  items?: T[];
}

/** The kubeconfig and API server behind completion: the tool's own loader and client. */
export function clusterLookups(): Lookups {
  // One completion asks for one cluster; load the kubeconfig once. A credential
  // plugin runs only when a lookup needs the API server, never to list contexts.
  let loaded: { key: string; cluster: Cluster } | undefined;
  const cluster = (c: ClusterChoice): Cluster => {
    const key = `${c.kubeconfig}\0${c.context}`;
    if (loaded?.key !== key) loaded = { key, cluster: loadCluster({ kubeconfig: c.kubeconfig, context: c.context, deferCredentials: true }) };
    return loaded.cluster;
  };
  return {
    async contexts(c) {
      return cluster({ ...c, context: null }).kc.getContexts().map((x) => x.name);
    },
    async namespaces(c) {
      const list = await getJson<List<{ metadata: { name: string } }>>(cluster(c), '/api/v1/namespaces', c.timeoutMs);
      return (list.items ?? []).map((n) => n.metadata.name);
    },
    async pods(c, namespace) {
      const k = cluster(c);
      const ns = namespace ?? k.namespace;
      return (await getJson<List<Pod>>(k, `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`, c.timeoutMs)).items ?? [];
    },
    async pod(c, namespace, name) {
      const k = cluster(c);
      return getPod(k, namespace ?? k.namespace, name, c.timeoutMs);
    },
  };
}

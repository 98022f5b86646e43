import { contextNames, loadCluster, type Cluster } from '../kube/config.js';
import { listAll } from '../kube/list.js';
import { getPod, type Pod } from '../kube/pod.js';
import type { ClusterChoice, Lookups } from './complete.js';

/** The kubeconfig and API server behind completion: the tool's own loader and client. */
export function clusterLookups(): Lookups {
  // One completion asks for one cluster; load the kubeconfig once. A credential
  // plugin runs only when a lookup needs the API server, never to list contexts.
  let loaded: { key: string; cluster: Cluster } | undefined;
  const cluster = (c: ClusterChoice): Cluster => {
    const key = `${c.kubeconfig}\0${c.context}`;
    if (loaded?.key !== key) {
      loaded = {
        key,
        cluster: loadCluster({
          kubeconfig: c.kubeconfig, context: c.context, deferCredentials: true, env: process.env, cwd: process.cwd(), stderr: () => {},
          // A credential plugin gets no more time than the lookup (its process group is killed then, or at exit).
          requestTimeoutMs: c.timeoutMs,
        }),
      };
    }
    return loaded.cluster;
  };
  return {
    async contexts(c) {
      // Only the names: a broken current context must not hide the others.
      return contextNames({ kubeconfig: c.kubeconfig, env: process.env, cwd: process.cwd() });
    },
    async namespaces(c) {
      const list = await listAll<{ metadata?: { name?: unknown } }>(cluster(c), '/api/v1/namespaces',
        { verb: 'list', resource: 'namespaces', namespace: '(all)', name: '' }, listing(c.timeoutMs));
      return list.map((n) => n?.metadata?.name).filter((n): n is string => typeof n === 'string');
    },
    async pods(c, namespace) {
      const k = cluster(c);
      const ns = namespace ?? k.namespace;
      return listAll<Pod>(k, `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`,
        { verb: 'list', resource: 'pods', namespace: ns, name: '' }, listing(c.timeoutMs));
    },
    async pod(c, namespace, name) {
      const k = cluster(c);
      return getPod(k, namespace ?? k.namespace, name, { timeoutMs: c.timeoutMs });
    },
  };
}

/** Completion lists as kubectl does, in pages, saying nothing (a completion prints only candidates). */
function listing(timeoutMs: number) {
  return { timeoutMs, chunkSize: 500, warn: () => {} };
}

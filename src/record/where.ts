/**
 * Where a read happened: which node, pod and container. Each part is null
 * where it does not apply: all null for this machine's /proc, only `node` for
 * a node's own processes, `container` null for a pod's sandbox.
 */
export interface Where {
  readonly node: string | null;
  readonly namespace: string | null;
  readonly pod: string | null;
  readonly container: string | null;
}

export const LOCAL: Where = Object.freeze({ node: null, namespace: null, pod: null, container: null });

/** A container of a pod, as a pod read addresses it. */
export function inContainer(namespace: string, pod: string, container: string | null, node: string | null = null): Where {
  return { node, namespace, pod, container };
}

/**
 * The one way a place is written in messages: "ns/pod (container c)",
 * "ns/pod" for a whole pod, "node n" for a node, "this machine" locally.
 */
export function describeWhere(where: Where): string {
  if (where.pod !== null) {
    const pod = `${where.namespace}/${where.pod}`;
    return where.container !== null ? `${pod} (container ${where.container})` : pod;
  }
  if (where.node !== null) return `node ${where.node}`;
  return 'this machine';
}

/** "pid 7", "pid 7 thread 9", with the place when there is one: "pid 7 in ns/pod (container c)". */
export function describeProcess(where: Where, pid: number | null, tid: number | null): string {
  const proc = pid === null ? 'the container' : tid !== null ? `pid ${pid} thread ${tid}` : `pid ${pid}`;
  return where.pod === null && where.node === null ? proc : `${proc} in ${describeWhere(where)}`;
}

// Server-side printing: `kubectl get` asks for meta.k8s.io/v1 Table
// (Accept: application/json;as=Table;v=v1;g=meta.k8s.io) and prints the
// cells as they are. Pod, node and namespace columns follow
// pkg/printers/internalversion/printers.go; other resources get the default
// table convertor's name and age.
// https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables

export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

/** duration.HumanDuration, as used for the AGE column. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

type Obj = Record<string, any>;

function rowObject(o: Obj, includeObject: string): unknown {
  if (includeObject === 'None') return undefined;
  if (includeObject === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

function age(o: Obj): string {
  return humanDuration(Date.now() - Date.parse(o.metadata.creationTimestamp));
}

function podStatus(p: Obj): string {
  if (p.status.phase === 'Succeeded') return 'Completed';
  if (p.status.phase === 'Failed') return 'Error';
  for (const c of p.status.initContainerStatuses ?? []) {
    if (c.state.waiting) return `Init:${c.state.waiting.reason}`;
    if (c.state.running) return 'Init:0/1';
  }
  let reason = p.status.phase as string;
  for (const c of p.status.containerStatuses ?? []) {
    if (c.state.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state.terminated?.reason && reason === 'Running') reason = c.state.terminated.reason;
  }
  // A pod being deleted (DELETE with a grace period) prints as Terminating.
  if (p.metadata.deletionTimestamp) return 'Terminating';
  return reason;
}

const col = (name: string, type: string, format: string, description: string, priority = 0): Obj => ({
  name,
  type,
  format,
  description,
  priority,
});

/** The columns every resource has, as the default table convertor and the pod printer define them. */
const nameColumn = (): Obj => col('Name', 'string', 'name', 'Name must be unique within a namespace.');
const ageColumn = (): Obj =>
  col('Age', 'string', '', 'CreationTimestamp is a timestamp representing the server time when this object was created.');

interface Printer {
  columns: () => Obj[];
  cells: (o: Obj) => string[];
}

const POD_PRINTER: Printer = {
  columns: () => [
    nameColumn(),
    col('Ready', 'string', '', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', '', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', '', 'The number of times the containers in this pod have been restarted.'),
    ageColumn(),
    col('IP', 'string', '', 'IP address allocated to the pod.', 1),
    col('Node', 'string', '', 'Name of the Node this pod is scheduled on.', 1),
  ],
  cells: (p) => {
    const cs: Obj[] = p.status.containerStatuses ?? [];
    const ready = cs.filter((c) => c.ready).length;
    const restarts = cs.reduce((n, c) => n + (c.restartCount ?? 0), 0);
    return [p.metadata.name, `${ready}/${cs.length}`, podStatus(p), String(restarts), age(p), p.status.podIP || '<none>', p.spec.nodeName ?? '<none>'];
  },
};

// ---- nodes: printNode in pkg/printers/internalversion/printers.go -----------
// NAME STATUS ROLES AGE VERSION; wide adds INTERNAL-IP EXTERNAL-IP OS-IMAGE
// KERNEL-VERSION CONTAINER-RUNTIME.

function nodeRoles(n: Obj): string {
  const roles = Object.keys(n.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean);
  return roles.length ? roles.sort().join(',') : '<none>';
}

function nodeStatus(n: Obj): string {
  const ready = (n.status?.conditions ?? []).find((c: Obj) => c.type === 'Ready');
  const parts = [ready?.status === 'True' ? 'Ready' : 'NotReady'];
  if (n.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function address(n: Obj, type: string): string {
  return (n.status?.addresses ?? []).find((a: Obj) => a.type === type)?.address ?? '<none>';
}

const NODE_ADDRESSES = 'List of addresses reachable to the node. Queried from cloud provider, if available.';

const NODE_PRINTER: Printer = {
  columns: () => [
    nameColumn(),
    col('Status', 'string', '', 'The status of the node'),
    col('Roles', 'string', '', 'The roles of the node'),
    ageColumn(),
    col('Version', 'string', '', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'string', '', NODE_ADDRESSES, 1),
    col('External-IP', 'string', '', NODE_ADDRESSES, 1),
    col('OS-Image', 'string', '', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    col('Kernel-Version', 'string', '', 'Kernel Version reported by the node.', 1),
    col('Container-Runtime', 'string', '', 'Container Runtime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
  ],
  cells: (n) => [
    n.metadata.name,
    nodeStatus(n),
    nodeRoles(n),
    age(n),
    n.status.nodeInfo.kubeletVersion,
    address(n, 'InternalIP'),
    address(n, 'ExternalIP'),
    n.status.nodeInfo.osImage,
    n.status.nodeInfo.kernelVersion,
    n.status.nodeInfo.containerRuntimeVersion,
  ],
};

/** printNamespace: NAME STATUS AGE (`kubectl get ns --show-labels` adds the labels from each row's metadata). */
const NAMESPACE_PRINTER: Printer = {
  columns: () => [nameColumn(), col('Status', 'string', '', 'The status of the namespace'), ageColumn()],
  cells: (n) => [n.metadata.name, n.status?.phase ?? '', age(n)],
};

/** The default table convertor: name and age. */
const DEFAULT_PRINTER: Printer = { columns: () => [nameColumn(), ageColumn()], cells: (o) => [o.metadata.name, age(o)] };

const PRINTERS: Record<string, Printer> = { pods: POD_PRINTER, nodes: NODE_PRINTER, namespaces: NAMESPACE_PRINTER };
const printerOf = (resource: string): Printer => PRINTERS[resource] ?? DEFAULT_PRINTER;

export interface TableRow {
  cells: string[];
  object?: unknown;
}

/** The row of one object: its cells and the object as includeObject asks (PartialObjectMetadata by default). */
export function tableRow(resource: string, o: Obj, includeObject: string): TableRow {
  return { cells: printerOf(resource).cells(o), object: rowObject(o, includeObject) };
}

/**
 * The row of an item served verbatim (fixture rawPods), which no printer can
 * read: its name, `<unknown>` in every other cell, and as the object the
 * item's metadata when it is an object (includeObject=Object: the item
 * itself), none otherwise.
 */
export function rawRow(resource: string, name: string, item: unknown, includeObject: string): TableRow {
  const n = printerOf(resource).columns().length;
  const cells = [name, ...Array<string>(n - 1).fill('<unknown>')];
  const meta = (item as { metadata?: unknown } | null)?.metadata;
  if (includeObject === 'Object') return { cells, object: item };
  if (includeObject === 'None' || typeof meta !== 'object' || meta === null || Array.isArray(meta)) return { cells };
  return { cells, object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: meta } };
}

/** A meta.k8s.io/v1 Table; `listMeta` carries resourceVersion and, for a chunk, continue and remainingItemCount. */
export function tableDoc(resource: string, rows: TableRow[], listMeta: Record<string, unknown>): Obj {
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: listMeta, columnDefinitions: printerOf(resource).columns(), rows };
}

/** The Table of whole objects, for `kubectl get` of this resource. */
export function tableOf(resource: string, objs: Obj[], includeObject: string, rv: string): Obj {
  return tableDoc(
    resource,
    objs.map((o) => tableRow(resource, o, includeObject)),
    { resourceVersion: rv },
  );
}

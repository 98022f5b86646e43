// Nodes of the test cluster. Every node is this machine: pods on any known
// node run here. Objects follow
// https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/node-v1/
// and the `kubectl get nodes` columns pkg/printers/internalversion/printers.go
// (printNode): NAME STATUS ROLES AGE VERSION, wide adds INTERNAL-IP
// EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME.

import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { humanDuration } from './table.ts';

/** A node as written in the fixture (`nodes: [...]`); only metadata.name is required. */
export interface FixtureNode {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

/** The node a fixture without `nodes` gets, and that fixture pods run on unless they name another. */
export const DEFAULT_NODES: FixtureNode[] = [{ metadata: { name: 'node-1' } }];

export const KUBELET_VERSION = 'v1.33.1';
const RUNTIME_VERSION = 'containerd://1.7.27';

export interface NodeRecord {
  name: string;
  object: Record<string, any>;
}

function kernelRelease(): string {
  try {
    return os.release();
  } catch {
    return '';
  }
}

/** The Node object as served: fixture fields plus the labels, addresses and status a kubelet reports. */
export function nodeRecord(n: FixtureNode, created: string, resourceVersion: string): NodeRecord {
  const name = n.metadata.name;
  const labels = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    ...n.metadata.labels,
  };
  const object = {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: {
      ...n.metadata,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', ...n.metadata.annotations },
      labels,
      uid: randomUUID(),
      resourceVersion,
      creationTimestamp: created,
    },
    spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'], ...n.spec },
    status: {
      capacity: { cpu: String(os.cpus().length || 1), memory: `${Math.floor(os.totalmem() / 1024)}Ki`, pods: '110' },
      allocatable: { cpu: String(os.cpus().length || 1), memory: `${Math.floor(os.totalmem() / 1024)}Ki`, pods: '110' },
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available', created),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', created),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', created),
        cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', created),
      ],
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: kernelRelease(),
        osImage: 'Debian GNU/Linux',
        containerRuntimeVersion: RUNTIME_VERSION,
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
  return { name, object };
}

function cond(type: string, status: string, reason: string, message: string, at: string): Record<string, unknown> {
  return { type, status, lastHeartbeatTime: at, lastTransitionTime: at, reason, message };
}

type Obj = Record<string, any>;

const col = (name: string, format: string, description: string, priority = 0): Obj => ({
  name,
  type: 'string',
  format,
  description,
  priority,
});

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

/** A meta.k8s.io/v1 Table of nodes, as kube-apiserver prints them for `kubectl get nodes`. */
export function nodeTable(nodes: Obj[], includeObject: string, resourceVersion: string): Obj {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: [
      col('Name', 'name', 'Name must be unique within a namespace.'),
      col('Status', '', 'The status of the node'),
      col('Roles', '', 'The roles of the node'),
      col('Age', '', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
      col('Version', '', 'Kubelet Version reported by the node.'),
      col('Internal-IP', '', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
      col('External-IP', '', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
      col('OS-Image', '', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
      col('Kernel-Version', '', 'Kernel Version reported by the node.', 1),
      col('Container-Runtime', '', 'Container Runtime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
    ],
    rows: nodes.map((n) => ({
      cells: [
        n.metadata.name,
        nodeStatus(n),
        nodeRoles(n),
        humanDuration(Date.now() - Date.parse(n.metadata.creationTimestamp)),
        n.status.nodeInfo.kubeletVersion,
        address(n, 'InternalIP'),
        address(n, 'ExternalIP'),
        n.status.nodeInfo.osImage,
        n.status.nodeInfo.kernelVersion,
        n.status.nodeInfo.containerRuntimeVersion,
      ],
      object:
        includeObject === 'None'
          ? undefined
          : includeObject === 'Object'
            ? n
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: n.metadata },
    })),
  };
}

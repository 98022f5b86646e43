// Nodes of the test cluster. Every node is this machine: pods on any known
// node run here. Objects follow
// https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/node-v1/
// (their table is in api/table.ts).

import { randomUUID } from 'node:crypto';
import os from 'node:os';

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

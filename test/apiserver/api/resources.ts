// The resources this server serves beyond pods, nodes and namespaces, and
// what pod lists may be filtered on.

/** Kinds the server serves, with their group and plural resource. */
export const WORKLOAD_KINDS: Record<string, { group: string; version: string; resource: string; shortNames: string[] }> = {
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments', shortNames: ['deploy'] },
  StatefulSet: { group: 'apps', version: 'v1', resource: 'statefulsets', shortNames: ['sts'] },
  DaemonSet: { group: 'apps', version: 'v1', resource: 'daemonsets', shortNames: ['ds'] },
  ReplicaSet: { group: 'apps', version: 'v1', resource: 'replicasets', shortNames: ['rs'] },
  Job: { group: 'batch', version: 'v1', resource: 'jobs', shortNames: [] },
};

/** Pod fields a fieldSelector may name: what kube-apiserver indexes for pods (pkg/registry/core/pod/strategy.go ToSelectableFields). */
export const POD_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.schedulerName',
  'spec.serviceAccountName',
  'status.phase',
  'status.podIP',
  'status.nominatedNodeName',
];

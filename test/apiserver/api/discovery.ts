// Legacy (unaggregated) discovery documents and /version.
// kubectl 1.30+ first asks for aggregated discovery
// (Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,...,application/json);
// answering with plain application/json APIVersions / APIGroupList makes
// client-go fall back to per-group-version discovery, as it does against an
// older server. https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api

import { WORKLOAD_KINDS } from './resources.ts';

/** What /version reports. kubectl's version-dispatching wrapper (if any) picks its client from this. */
export const SERVER_VERSION = {
  major: '1',
  minor: '33',
  emulationMajor: '1',
  emulationMinor: '33',
  minCompatibilityMajor: '1',
  minCompatibilityMinor: '32',
  gitVersion: 'v1.33.1',
  gitCommit: '8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828',
  gitTreeState: 'clean',
  buildDate: '2025-05-15T08:19:08Z',
  goVersion: 'go1.24.2',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const READ_VERBS = ['get', 'list'];

function groupVersion(group: string): { groupVersion: string; version: string } {
  return { groupVersion: `${group}/v1`, version: 'v1' };
}

export const GROUPS = ['apps', 'batch'];

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(name: string): object {
  return { name, versions: [groupVersion(name)], preferredVersion: groupVersion(name) };
}

export function apiGroupList(): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: GROUPS.map(apiGroup) };
}

export function apiGroupDoc(name: string): object | undefined {
  return GROUPS.includes(name) ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(name) } : undefined;
}

export function coreResources(): object {
  return {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: READ_VERBS, shortNames: ['ns'] },
      { name: 'nodes', singularName: 'node', namespaced: false, kind: 'Node', verbs: READ_VERBS, shortNames: ['no'] },
      {
        name: 'pods',
        singularName: 'pod',
        namespaced: true,
        kind: 'Pod',
        verbs: [...READ_VERBS, 'create', 'delete'],
        shortNames: ['po'],
        categories: ['all'],
      },
      { name: 'pods/ephemeralcontainers', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] },
      { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
    ],
  };
}

export function groupResources(group: string): object | undefined {
  if (!GROUPS.includes(group)) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: `${group}/v1`,
    resources: Object.entries(WORKLOAD_KINDS)
      .filter(([, k]) => k.group === group)
      .map(([kind, k]) => ({
        name: k.resource,
        singularName: kind.toLowerCase(),
        namespaced: true,
        kind,
        verbs: READ_VERBS,
        ...(k.shortNames.length ? { shortNames: k.shortNames } : {}),
        categories: ['all'],
      })),
  };
}

import type { NodeTarget, Target, TargetKind } from '../kube/targets.js';

export type { NodeTarget, Target, TargetKind } from '../kube/targets.js';

const ALIASES: Record<string, TargetKind> = {
  po: 'pod', pod: 'pod', pods: 'pod',
  deploy: 'deployment', deployment: 'deployment', deployments: 'deployment',
  sts: 'statefulset', statefulset: 'statefulset', statefulsets: 'statefulset',
  ds: 'daemonset', daemonset: 'daemonset', daemonsets: 'daemonset',
  rs: 'replicaset', replicaset: 'replicaset', replicasets: 'replicaset',
  job: 'job', jobs: 'job',
};

/** DNS-1123 subdomain, which these names are. */
export function isName(text: string): boolean {
  return text.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(text);
}

export function parseTarget(text: string): Target | string {
  const slash = text.indexOf('/');
  if (slash < 0) return isName(text) ? { kind: 'pod', name: text } : `invalid pod name "${text}"`;
  const type = text.slice(0, slash).toLowerCase().replace(/\.(apps|batch)$/, '');
  const name = text.slice(slash + 1);
  const kind = ALIASES[type];
  if (!kind) return `unknown resource type "${text.slice(0, slash)}": use pod, deploy, sts, ds, rs, job or node`;
  if (!isName(name)) return `invalid ${kind} name "${name}"`;
  return { kind, name };
}


const NODE_TYPES = new Set(['no', 'node', 'nodes']);
/** The pod type named bare: every pod, as `kubectl get pods`. */
export const POD_TYPES: ReadonlySet<string> = new Set(['po', 'pod', 'pods']);

/**
 * A node reference, as `kubectl get` takes one: node/NAME (no/, nodes/), or
 * the bare type for all of them. null when the text names no node, so a pod
 * called "nodes" stays reachable as pod/nodes.
 */
export function parseNodeTarget(text: string): NodeTarget | string | null {
  const lower = text.toLowerCase();
  if (NODE_TYPES.has(lower)) return { name: null };
  const slash = text.indexOf('/');
  if (slash < 0 || !NODE_TYPES.has(lower.slice(0, slash))) return null;
  const name = text.slice(slash + 1);
  // A node's name is a DNS-1123 subdomain.
  if (!isName(name)) return `invalid node name "${name}"`;
  return { name };
}

/** DNS-1123 label: namespaces and container names. */
export function isLabel(text: string): boolean {
  return text.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(text);
}

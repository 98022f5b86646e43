// The fixture format: pods and workloads written like real Kubernetes objects,
// plus a `run` section per container that says which real process tree
// stands behind it. See test/fixtures/cluster.json for a full example.
//
// {
//   "namespaces": ["default", {"name": "restricted-ns",   // optional, derived from objects;
//       "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}],  // names or {name, labels}
//   "pods": [{
//     "metadata": {"name": "web", "namespace": "default", "labels": {}, "annotations": {},
//                  "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d8f7c9b6"}]},
//     "spec": {"containers": [{"name": "app", "image": "...", "securityContext": {},
//                              "run": {"argv": ["sh", "-c", "..."]}}],
//              "initContainers": [{"name": "init", "image": "...",
//                                  "run": {"state": {"terminated": {"reason": "Completed", "exitCode": 0}}}}]},
//     "status": {"phase": "Running"},             // optional; Pending/Succeeded/Failed start nothing
//     "fault": "close-midstream",                 // optional, see Fault
//     "getFault": "status-500"                    // optional, GET of this pod answers 500
//   }],
//   "workloads": [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {...}, "spec": {"selector": {...}}}],
//   "podSets": [{"count": 10000, "prefix": "bulk", "trees": 4, "realistic": true}],   // optional, built by the server
//   "rawPods": [{"name": "broken", "item": null}],                                     // optional, served verbatim
//   "faults": [{"path": "/api/v1/pods", "page": 2, "fault": "expired"}]               // optional, server/faults.ts
// }
//
// spec.ephemeralContainers with run.argv run like other containers; without
// it they start from their image like one added by PATCH (runtime/kubelet.ts).
// Annotation procstatus.test/no-ephemeral-targeting: "true" on a pod makes
// the node ignore targetContainerName there.
//
// run.applySecurity: true has the node apply securityContext, seccompProfile
// and hostUsers for real; pod annotations procstatus.test/ignore-* and
// procstatus.test/extra-capabilities make it lie, procstatus.test/runtime
// (crio-runc, crio-crun) and Windows pods change exec failures. See
// runtime/noderuntime.ts and README.md. spec.hostPID keeps a fixture pod in
// the host's PID namespace; hostPath volumes are bind-mounted from a
// stand-in host tree (runtime/hostpaths.ts); run.execs leaves processes
// exec'd into a container running beside its PID 1.

import type { FixtureNode } from './nodes.ts';
import { identicalPods } from './podsets.ts';
import { DNS1123_LABEL } from '../api/status.ts';
import type { IdenticalPodsOptions } from './podsets.ts';

export type Fault = 'close-midstream' | 'no-status' | 'hang-exec' | 'hang-upgrade' | 'status-500';
export const FAULTS: readonly Fault[] = ['close-midstream', 'no-status', 'hang-exec', 'hang-upgrade', 'status-500'];

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export type ContainerStateSpec =
  | 'running'
  | { running: Record<string, never> }
  | { waiting: { reason: string; message?: string } }
  | { terminated: { reason?: string; exitCode?: number; signal?: number; message?: string } };

export interface RunSpec {
  /** argv of the container's PID 1; argv[0] without '/' is looked up in $PATH on the host (or in the rootfs). */
  argv?: string[];
  /** Minimal root filesystem: container path -> host file to copy (its shared libraries come along). */
  rootfs?: Record<string, string>;
  /** Literal files in the minimal root filesystem (mode 0755): container path -> content. */
  files?: Record<string, string>;
  /** Container state; `running` (the default) starts the process tree. */
  state?: ContainerStateSpec;
  /** Wait until the container's PID namespace holds at least this many processes before reporting ready. */
  readyProcesses?: number;
  restartCount?: number;
  /**
   * The node applies the pod's and the container's securityContext,
   * seccompProfile and hostUsers the way kubelet + containerd + runc do
   * (runtime/noderuntime.ts, runtime/credexec.py): user, groups, capabilities (containerd's
   * default set), no_new_privs, seccomp filter, user namespace. Without it the
   * process keeps the server's credentials and argv sets what it needs.
   */
  applySecurity?: boolean;
  /**
   * "pod/container" in the same namespace: serve this container as running
   * on that one's process tree instead of starting its own (exec runs there).
   * Lets the benchmark serve thousands of pod objects over a few trees.
   */
  sharesProcessesOf?: string;
  /**
   * Processes the node execs into the container once PID 1 runs, the way
   * `kubectl exec` starts one (joining its namespaces and cgroup; with
   * applySecurity, through credexec.py with the container's credentials),
   * left running: a shell someone left behind, say. Each may differ from
   * PID 1 in what a runtime exec could get wrong: `noNewPrivs: false` (no
   * no_new_privs although the container asked for it), `addCapabilities`
   * (in its bounding set, and for root permitted and effective, beyond the
   * container's).
   */
  execs?: ExecSpec[];
}

export interface ExecSpec {
  argv: string[];
  noNewPrivs?: boolean;
  addCapabilities?: string[];
}

export interface FixtureContainer {
  name: string;
  image?: string;
  env?: { name: string; value?: string }[];
  workingDir?: string;
  run?: RunSpec;
  [k: string]: unknown;
}

export interface FixtureMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion?: string; kind: string; name: string; uid?: string; controller?: boolean }[];
  [k: string]: unknown;
}

export interface FixturePod {
  metadata: FixtureMetadata;
  spec: {
    containers: FixtureContainer[];
    initContainers?: FixtureContainer[];
    ephemeralContainers?: FixtureContainer[];
    nodeName?: string;
    [k: string]: unknown;
  };
  /** `phase`; other fields (podIP, podIPs, hostIPs, ...) are served as given. */
  status?: { phase?: PodPhase; [k: string]: unknown };
  fault?: Fault;
  getFault?: 'status-500';
}

export interface FixtureWorkload {
  apiVersion: string;
  kind: string;
  metadata: FixtureMetadata;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** A namespace with labels (its Pod Security levels, say); a plain name is one without. */
export interface FixtureNamespace {
  name: string;
  labels?: Record<string, string>;
}

/**
 * An item served verbatim in pod lists and by GET of its name, for clients'
 * robustness tests: `null`, a Pod without spec, containers without names,
 * metadata that is not an object. It has no process and no record behind it
 * (exec into it answers as for a pod without a node). `namespace` and `name`
 * place it in key order and route GETs; `labels` is what label selectors
 * see, whatever the item says.
 */
export interface RawPod {
  namespace?: string;
  name: string;
  labels?: Record<string, string>;
  item: unknown;
}

export interface Fixture {
  namespaces?: (string | FixtureNamespace)[];
  /** Nodes (nodes.ts); default one, node-1. Fixture pods run on the first unless they name another. */
  nodes?: FixtureNode[];
  /** A `pause` process per running pod (the sandbox), in a cgroup of its own, as on a real node. */
  pause?: boolean;
  pods?: FixturePod[];
  /**
   * Identical pods built by the server (podsets.ts; the options of
   * harness.ts identicalPodsFixture), added after `pods`: thousands of
   * realistic pods without a fixture file of hundreds of megabytes.
   */
  podSets?: IdenticalPodsOptions[];
  /** Malformed items served verbatim (see RawPod). */
  rawPods?: RawPod[];
  workloads?: FixtureWorkload[];
  /** Request faults armed at start (server/faults.ts); checked by the server, not here. */
  faults?: unknown[];
}

export class FixtureError extends Error {}

/** Checks the parts of a fixture the server relies on and fills in namespaces. */
export function validateFixture(raw: unknown): Fixture {
  if (typeof raw !== 'object' || raw === null) throw new FixtureError('fixture must be a JSON object');
  const given = raw as Fixture;
  for (const [i, set] of (given.podSets ?? []).entries()) {
    if (!Number.isInteger(set?.count) || set.count < 1) throw new FixtureError(`podSets[${i}]: count must be a positive integer`);
  }
  const f: Fixture = given.podSets?.length ? { ...given, pods: [...(given.pods ?? []), ...given.podSets.flatMap(identicalPods)] } : given;
  const seen = new Set<string>();
  for (const [i, p] of (f.pods ?? []).entries()) {
    const where = `pods[${i}]`;
    if (!p?.metadata?.name) throw new FixtureError(`${where}: metadata.name is required`);
    const key = `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;
    if (seen.has(key)) throw new FixtureError(`${where}: duplicate pod ${key}`);
    seen.add(key);
    if (!Array.isArray(p.spec?.containers) || p.spec.containers.length === 0) {
      throw new FixtureError(`${where} (${key}): spec.containers must be a non-empty array`);
    }
    if (p.fault !== undefined && !FAULTS.includes(p.fault)) {
      throw new FixtureError(`${where} (${key}): unknown fault ${JSON.stringify(p.fault)}; known: ${FAULTS.join(', ')}`);
    }
    if (p.getFault !== undefined && p.getFault !== 'status-500') {
      throw new FixtureError(`${where} (${key}): unknown getFault ${JSON.stringify(p.getFault)}`);
    }
    const names = new Set<string>();
    for (const c of [...p.spec.containers, ...(p.spec.initContainers ?? []), ...(p.spec.ephemeralContainers ?? [])]) {
      if (!c?.name) throw new FixtureError(`${where} (${key}): every container needs a name`);
      if (names.has(c.name)) throw new FixtureError(`${where} (${key}): duplicate container name ${c.name}`);
      names.add(c.name);
    }
  }
  for (const [i, r] of (f.rawPods ?? []).entries()) {
    if (typeof r?.name !== 'string' || r.name === '') throw new FixtureError(`rawPods[${i}]: name is required`);
    if (!Object.prototype.hasOwnProperty.call(r, 'item')) throw new FixtureError(`rawPods[${i}] (${r.name}): item is required (null is an item)`);
    const key = `${r.namespace ?? 'default'}/${r.name}`;
    if (seen.has(key)) throw new FixtureError(`rawPods[${i}]: duplicate pod ${key}`);
    seen.add(key);
  }
  for (const [i, n] of (f.nodes ?? []).entries()) {
    if (!n?.metadata?.name) throw new FixtureError(`nodes[${i}]: metadata.name is required`);
  }
  for (const [i, w] of (f.workloads ?? []).entries()) {
    if (!w?.kind || !w.apiVersion || !w.metadata?.name) {
      throw new FixtureError(`workloads[${i}]: apiVersion, kind and metadata.name are required`);
    }
  }
  const ns = new Map<string, FixtureNamespace>();
  for (const [i, n] of (f.namespaces ?? []).entries()) {
    const entry = typeof n === 'string' ? { name: n } : n;
    if (typeof entry?.name !== 'string' || !DNS1123_LABEL.test(entry.name)) throw new FixtureError(`namespaces[${i}]: a namespace needs a name that is a DNS label`);
    const labels = entry.labels ?? {};
    if (typeof labels !== 'object' || Object.values(labels).some((v) => typeof v !== 'string')) {
      throw new FixtureError(`namespaces[${i}] (${entry.name}): labels must map names to strings`);
    }
    ns.set(entry.name, { name: entry.name, labels: { ...(ns.get(entry.name)?.labels ?? {}), ...labels } });
  }
  const named = [...(f.pods ?? []), ...(f.workloads ?? [])].map((o) => o.metadata.namespace ?? 'default');
  for (const name of ['default', ...named, ...(f.rawPods ?? []).map((r) => r.namespace ?? 'default')]) {
    if (!ns.has(name)) ns.set(name, { name, labels: {} });
  }
  return { ...f, namespaces: [...ns.values()] };
}


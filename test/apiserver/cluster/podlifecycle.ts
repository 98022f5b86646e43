// POST pods and DELETE pods/{name} past admission (api/podadmission.ts):
// storing the pod and the kubelet's part (starting the containers from their
// images, graceful termination, removal).
// https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#create-create-a-pod
// https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
//
// A created pod's containers start the way an ephemeral container without a
// target does (runtime/kubelet.ts runEphemeralContainer: image root, securityContext
// through capsh, status timeline), each in a PID namespace of its own, or,
// with spec.hostPID, in the server's (the host's) PID namespace, where the
// procfs mounted on its /proc shows every process of the machine. Timeline:
// Pending with ContainerCreating, then Running once every container runs
// (or ErrImagePull/ImagePullBackOff for an image that cannot be pulled).
// A pod naming a node the cluster does not have stays Pending with no
// container statuses, as no kubelet picks it up; one naming no node is
// "scheduled" to the first node at once.
//
// DELETE sets deletionTimestamp and answers the pod; the node sends SIGTERM
// to each container's main process, SIGKILL after the grace period (capped
// at MAX_GRACE_MS here), and the pod disappears once its processes are gone.

import { randomBytes, randomUUID } from 'node:crypto';
import { admitPod, alreadyExists } from '../api/podadmission.ts';
import { podSecurity } from '../api/podsecurity.ts';
import { forbiddenBecause } from '../api/status.ts';
import { runEphemeralContainer } from '../runtime/kubelet.ts';
import type { KubeletContext } from '../runtime/kubelet.ts';
import type { Cluster } from './cluster.ts';
import { pendingContainer, type PodRecord } from './records.ts';
import { nextResourceVersion, timestamp } from './versions.ts';
import type { Status } from '../api/status.ts';

type Json = Record<string, unknown>;

/**
 * Longest grace period the test node waits before SIGKILL (a real one waits
 * the full terminationGracePeriodSeconds): 3 s, or
 * PROCSTATUS_APISERVER_MAX_GRACE_MS.
 */
export const MAX_GRACE_MS = Number(process.env.PROCSTATUS_APISERVER_MAX_GRACE_MS) || 3000;

/** The kubelet context for a created pod: its status changes drive the phase, and its deletion stops new starts. */
function podContext(base: KubeletContext, pod: PodRecord): KubeletContext {
  return {
    ...base,
    stopped: () => base.stopped() || pod.metadata.deletionTimestamp !== undefined,
    touch: (p) => {
      base.touch(p);
      updatePhase(p);
    },
  };
}

/** Pending until every container has started, Running after; Succeeded/Failed once all ended and restartPolicy is Never. */
export function updatePhase(pod: PodRecord): void {
  const app = pod.containers.filter((c) => c.kind === 'container');
  if (app.length === 0) return;
  const terminated = app.filter((c) => 'terminated' in c.state);
  const started = app.filter((c) => 'running' in c.state || 'terminated' in c.state);
  if (terminated.length === app.length && pod.spec.restartPolicy === 'Never') {
    pod.phase = terminated.every((c) => 'terminated' in c.state && c.state.terminated.exitCode === 0) ? 'Succeeded' : 'Failed';
  } else if (started.length === app.length) {
    pod.phase = 'Running';
  }
}

/** A write that passed admission: the object to answer with, Pod Security warnings for the client, its audit annotation. */
export interface Written {
  object: Json;
  warnings: string[];
  audit?: string;
}

/**
 * Pod Security admission of a pod as it would be stored: refused (the
 * Status), or allowed with its warnings. Runs after validation and before
 * the store, as validating admission does.
 */
export function admitPodSecurity(cluster: Cluster, namespace: string, name: string, meta: Json, spec: Json): Omit<Written, 'object'> | Status {
  const d = podSecurity(cluster.namespaceLabels(namespace) ?? {}, meta, spec);
  if (d.forbidden) return forbiddenBecause({ group: '', resource: 'pods' }, name, d.forbidden);
  return { warnings: d.warnings, ...(d.audit ? { audit: d.audit } : {}) };
}

/** POST /api/v1/namespaces/{ns}/pods: the created Pod (to answer 201 with), or the Status. */
export function createPod(cluster: Cluster, namespace: string, body: string, dryRun: boolean): Written | Status {
  const admitted = admitPod(body, namespace, cluster.namespaces);
  if ('status' in admitted) return admitted;
  const name = admitted.metadata.name as string;
  const security = admitPodSecurity(cluster, namespace, name, admitted.metadata, admitted.spec);
  if ('status' in security) return security;
  if (cluster.pod(namespace, name)) return alreadyExists('pods', name);
  const now = timestamp();
  if (admitted.spec.nodeName === undefined && cluster.nodes.length) admitted.spec.nodeName = cluster.nodes[0].name;
  const metadata: Json = {
    ...admitted.metadata,
    uid: randomUUID(),
    resourceVersion: nextResourceVersion(),
    creationTimestamp: now,
  };
  const containers = admitted.containers.map((spec) => pendingContainer(spec, 'container', `containerd://${randomBytes(32).toString('hex')}`));
  const pod: PodRecord = {
    namespace,
    name,
    metadata,
    spec: admitted.spec,
    phase: 'Pending',
    containers,
    startTime: now,
    created: true,
  };
  if (dryRun) return { object: cluster.podObject(pod), ...security };
  cluster.pods.push(pod);
  if (cluster.isNode(pod.spec.nodeName)) {
    void cluster.startPause(pod).catch(() => {});
    const ctx = podContext(cluster.kubelet, pod);
    const joinPid = pod.spec.hostPID === true ? process.pid : undefined;
    for (const c of containers) {
      void runEphemeralContainer(ctx, pod, c, false, { podStarting: true, joinPid }).catch((e: unknown) => {
        if (ctx.stopped()) return;
        c.state = { waiting: { reason: 'CreateContainerError', message: e instanceof Error ? e.message : String(e) } };
        ctx.touch(pod);
      });
    }
  }
  return { object: cluster.podObject(pod), ...security };
}

/**
 * DELETE /api/v1/namespaces/{ns}/pods/{name}: marks the pod deleted and
 * answers it; the containers get SIGTERM, SIGKILL after the grace period,
 * and the pod is removed once they are gone. A second DELETE answers the
 * pod again (a shorter grace period then applies).
 */
export function deletePod(cluster: Cluster, pod: PodRecord, gracePeriodSeconds: number | undefined): Json {
  const grace = Math.max(0, gracePeriodSeconds ?? Number(pod.spec.terminationGracePeriodSeconds ?? 30));
  const first = pod.metadata.deletionTimestamp === undefined;
  const previous = Number(pod.metadata.deletionGracePeriodSeconds ?? Infinity);
  if (!first && grace >= previous) return cluster.podObject(pod);
  pod.metadata.deletionTimestamp = timestamp(new Date(Date.now() + grace * 1000));
  pod.metadata.deletionGracePeriodSeconds = grace;
  pod.metadata.resourceVersion = nextResourceVersion();
  const answer = cluster.podObject(pod);
  const procs = pod.containers.map((c) => c.proc).filter((p) => p !== undefined);
  const sandbox = pod.sandbox?.proc;
  if (first) {
    for (const p of procs) {
      try {
        if (grace > 0) process.kill(p.pid1, 'SIGTERM');
      } catch {
        // gone already
      }
    }
  }
  const remove = (): void => {
    const i = cluster.pods.indexOf(pod);
    if (i < 0) return;
    cluster.pods.splice(i, 1);
    // Whatever is left in the pod's cgroup (children a hostPID container left behind) goes too.
    cluster.cgroups?.remove(cluster.podCgroup(pod));
  };
  // Gone as soon as every process is; SIGKILL for what is still there when the grace period ends.
  // The sandbox goes once the containers have.
  if (first) {
    void Promise.all(procs.map((p) => p.exited))
      .then(() => {
        sandbox?.kill();
        return sandbox?.exited;
      })
      .then(remove);
  }
  cluster.kubelet.schedule(Math.min(grace * 1000, MAX_GRACE_MS), () => {
    for (const c of pod.containers) c.proc?.kill();
    pod.sandbox?.proc?.kill();
    setTimeout(remove, 2000).unref();
  });
  return answer;
}

// Records (records.ts) as the API serves them: Pod, workload and Namespace
// objects, rendered on each request so container states follow the real
// processes (a container whose PID 1 exits shows as terminated).
// Object shapes: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/

import { WORKLOAD_KINDS } from '../api/resources.ts';
import { matchesLabels, requirementsFromLabelSelector } from '../api/selectors.ts';
import type { LabelSelector } from '../api/selectors.ts';
import { qosClassOf } from '../runtime/cgroups.ts';
import type { ContainerKind, NamespaceRecord, PodRecord, WorkloadRecord } from './records.ts';

/** A pod record as a v1 Pod: status from the containers' current states. */
export function podObject(p: PodRecord): Record<string, unknown> {
  const status = (kind: ContainerKind): Record<string, unknown>[] =>
    p.containers
      .filter((c) => c.kind === kind && c.visible !== false)
      .map((c) => {
        const started = 'running' in c.state;
        const s: Record<string, unknown> = {
          name: c.name,
          state: c.state,
          lastState: {},
          ready: started && kind === 'container',
          restartCount: c.restartCount,
          image: c.imageInfo?.image ?? c.spec.image,
          imageID: c.imageInfo?.imageID ?? (c.visible !== undefined ? '' : `${c.spec.image}@sha256:${'0'.repeat(64)}`),
        };
        if (!('waiting' in c.state)) s.containerID = c.containerID;
        if (kind !== 'init') s.started = started;
        return s;
      });
  const app = p.containers.filter((c) => c.kind === 'container');
  const allReady = p.phase === 'Running' && app.every((c) => 'running' in c.state);
  const initDone = p.containers.filter((c) => c.kind === 'init').every((c) => 'terminated' in c.state);
  const cond = (type: string, ok: boolean): Record<string, unknown> => ({
    type,
    status: ok ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: p.startTime,
  });
  const st: Record<string, unknown> = {
    phase: p.phase,
    conditions: [
      cond('PodReadyToStartContainers', p.phase !== 'Pending'),
      cond('Initialized', initDone),
      cond('Ready', allReady),
      cond('ContainersReady', allReady),
      cond('PodScheduled', p.spec.nodeName !== undefined),
    ],
    qosClass: qosClassOf(p.containers.filter((c) => c.kind !== 'ephemeral').map((c) => c.spec)),
  };
  if (p.spec.nodeName !== undefined) {
    st.hostIP = '127.0.0.1';
    st.startTime = p.startTime;
  }
  if (p.statusExtras) Object.assign(st, p.statusExtras);
  const init = status('init');
  if (init.length) st.initContainerStatuses = init;
  st.containerStatuses = status('container');
  const eph = status('ephemeral');
  if (eph.length) st.ephemeralContainerStatuses = eph;
  return { kind: 'Pod', apiVersion: 'v1', metadata: p.metadata, spec: p.spec, status: st };
}

/** A workload as served; without a fixture status, one counted from the pods its selector matches. */
export function workloadObject(w: WorkloadRecord, allPods: readonly PodRecord[]): Record<string, unknown> {
  const k = WORKLOAD_KINDS[w.object.kind];
  const obj: Record<string, unknown> = { ...w.object, apiVersion: w.object.apiVersion ?? `${k.group}/${k.version}` };
  if (!obj.status) {
    const sel = (w.object.spec?.selector ?? {}) as LabelSelector;
    const reqs = requirementsFromLabelSelector(sel);
    const pods = allPods.filter(
      (p) => p.namespace === w.namespace && reqs.length > 0 && matchesLabels(reqs, p.metadata.labels as Record<string, string>),
    );
    const ready = pods.filter((p) => p.phase === 'Running').length;
    obj.status =
      w.object.kind === 'DaemonSet'
        ? { currentNumberScheduled: pods.length, desiredNumberScheduled: pods.length, numberReady: ready, observedGeneration: 1 }
        : w.object.kind === 'Job'
          ? { active: ready, succeeded: pods.filter((p) => p.phase === 'Succeeded').length }
          : { observedGeneration: 1, replicas: pods.length, readyReplicas: ready, availableReplicas: ready };
  }
  return obj;
}

/** A Namespace, with the label the API server sets on every one (kubernetes.io/metadata.name) over the fixture's. */
export function namespaceObject(n: NamespaceRecord): Record<string, unknown> {
  return {
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: {
      name: n.name,
      uid: n.uid,
      resourceVersion: '1',
      creationTimestamp: n.creationTimestamp,
      labels: { ...n.labels, 'kubernetes.io/metadata.name': n.name },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/**
 * The Pod as a list item (no kind and apiVersion), as UTF-8 JSON; cached
 * until the pod's resourceVersion changes (every status change writes a new
 * one), so a list of 10,000 pods copies bytes instead of serialising them.
 */
const served = new WeakMap<PodRecord, { rv: unknown; bytes: Buffer }>();
export function podItemBytes(p: PodRecord): Buffer {
  const rv = p.metadata.resourceVersion;
  const hit = served.get(p);
  if (hit && hit.rv === rv) return hit.bytes;
  const o = podObject(p);
  const bytes = Buffer.from(JSON.stringify({ metadata: o.metadata, spec: o.spec, status: o.status }));
  served.set(p, { rv, bytes });
  return bytes;
}

/** A list item (`{...}` without kind and apiVersion) as a whole object of that kind. */
export function withTypeMeta(kind: string, apiVersion: string, item: Buffer): Buffer {
  const head = `{"kind":${JSON.stringify(kind)},"apiVersion":${JSON.stringify(apiVersion)}`;
  return item.length <= 2 ? Buffer.from(`${head}}`) : Buffer.concat([Buffer.from(`${head},`), item.subarray(1)]);
}

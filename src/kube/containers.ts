import type { ContainerSpec, ContainerStatus, Pod } from './objects.js';

export type ContainerKind = 'container' | 'init' | 'ephemeral';

/** One container of a pod, whichever list it is in, with its spec and (if reported) its status. */
export interface PodContainer {
  name: string;
  kind: ContainerKind;
  spec: ContainerSpec;
  status: ContainerStatus | undefined;
}

/**
 * Every container of a pod: regular, then init, then ephemeral, each with
 * its status from the matching status list. The one place that walks the
 * three lists; resolving -c, --all-containers, messages and a node's
 * attribution all start here.
 * https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#PodSpec
 */
export function containersOf(pod: Pod): PodContainer[] {
  const lists: [ContainerKind, ContainerSpec[] | undefined, ContainerStatus[] | undefined][] = [
    ['container', pod.spec.containers, pod.status?.containerStatuses],
    ['init', pod.spec.initContainers, pod.status?.initContainerStatuses],
    ['ephemeral', pod.spec.ephemeralContainers, pod.status?.ephemeralContainerStatuses],
  ];
  const out: PodContainer[] = [];
  for (const [kind, specs, statuses] of lists) {
    for (const spec of specs ?? []) out.push({ name: spec.name, kind, spec, status: statuses?.find((s) => s.name === spec.name) });
  }
  return out;
}

/** "app, sidecar, setup (init), debugger (ephem)": kubectl's list in its "Defaulted container" notice. */
export function containerNames(pod: Pod): string {
  return containersOf(pod).map((c) => (c.kind === 'container' ? c.name : `${c.name} (${c.kind === 'init' ? 'init' : 'ephem'})`)).join(', ');
}

/** "containers: [0] app, [1] sidecar; init: setup; ephemeral: debugger": the choices -c takes. */
export function containerChoices(pod: Pod): string {
  const all = containersOf(pod);
  const of = (kind: ContainerKind) => all.filter((c) => c.kind === kind).map((c) => c.name);
  const parts = [`containers: ${of('container').map((n, i) => `[${i}] ${n}`).join(', ')}`];
  if (of('init').length) parts.push(`init: ${of('init').join(', ')}`);
  if (of('ephemeral').length) parts.push(`ephemeral: ${of('ephemeral').join(', ')}`);
  return parts.join('; ');
}

// What the cluster stores: one record per pod, container and workload. The
// served objects are rendered from these on each request (objects.ts), so
// container states follow the real processes behind them (runtime/).

import type { ContainerProcess, SandboxedExec } from '../runtime/containers.ts';
import type { Fault, FixtureWorkload, PodPhase, RunSpec } from './fixture.ts';

export type ContainerKind = 'container' | 'init' | 'ephemeral';

export type StateObj =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | {
      terminated: {
        exitCode: number;
        signal?: number;
        reason: string;
        message?: string;
        startedAt: string;
        finishedAt: string;
        containerID?: string;
      };
    };

export interface ContainerRecord {
  name: string;
  kind: ContainerKind;
  /** The container as served (fixture entry without `run`, plus API defaults). */
  spec: Record<string, unknown>;
  run: RunSpec;
  containerID: string;
  state: StateObj;
  restartCount: number;
  env: Record<string, string>;
  rootDir?: string;
  proc?: ContainerProcess;
  /** false until the kubelet has reported the container (ephemeral containers just added). */
  visible?: boolean;
  /** Ephemeral containers started from their image: how exec runs in them. */
  sandbox?: SandboxedExec;
  /** run.applySecurity containers: exec'd processes go through credexec.py with the container's credentials. */
  wrapper?: { argv: string[] };
  /** status.image and status.imageID once the image is "pulled" (ephemeral containers). */
  imageInfo?: { image: string; imageID: string };
  /** cgroup.procs files its processes (and exec'd ones) go into; unset when the node makes no cgroups. */
  cgroupProcs?: string[];
}

/** A container the API server has just stored: not yet started, not yet reported by the kubelet. */
export function pendingContainer(spec: Record<string, unknown>, kind: ContainerKind, containerID: string): ContainerRecord {
  return {
    name: spec.name as string,
    kind,
    spec,
    run: {},
    containerID,
    state: { waiting: { reason: 'ContainerCreating' } },
    restartCount: 0,
    env: {},
    visible: false,
  };
}

export interface PodRecord {
  namespace: string;
  name: string;
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
  phase: PodPhase;
  fault?: Fault;
  getFault?: 'status-500';
  containers: ContainerRecord[];
  startTime: string;
  /** Made by POST (podlifecycle.ts), not by the fixture. */
  created?: boolean;
  /** Fixture status fields besides phase (podIP, podIPs, ...), served as given. */
  statusExtras?: Record<string, unknown>;
  /** The pod sandbox's `pause` process (fixture `pause: true`) and its 64-hex ID, which names its cgroup scope. */
  sandbox?: { id: string; proc?: ContainerProcess };
}

export interface WorkloadRecord {
  group: string;
  resource: string;
  namespace: string;
  name: string;
  object: Omit<FixtureWorkload, 'metadata'> & { metadata: Record<string, unknown> };
}

/** A namespace: its labels (a fixture's, e.g. Pod Security levels) and identity. */
export interface NamespaceRecord {
  name: string;
  labels: Record<string, string>;
  uid: string;
  creationTimestamp: string;
}

/** A fixture rawPods entry: served verbatim, no process behind it. */
export interface RawPodRecord {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  item: unknown;
}

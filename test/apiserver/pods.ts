// The cluster state: fixture pods and workloads turned into v1 objects, and
// the process tree behind every running container. Objects are rendered on
// each request so container states follow the real processes (a container
// whose PID 1 exits shows as terminated with its exit code).
// Object shapes: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/

import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  CONTAINER_PATH,
  exitStatus,
  startContainer,
} from './containers.ts';
import type { ContainerProcess, SandboxedExec } from './containers.ts';
import { patchedEphemeralContainers, validateEphemeralContainers } from './ephemeral.ts';
import type { PatchContentType } from './ephemeral.ts';
import { FixtureError } from './fixture.ts';
import type { ContainerStateSpec, Fault, Fixture, FixtureContainer, FixtureMetadata, FixturePod, FixtureWorkload, PodPhase, RunSpec } from './fixture.ts';
import { runEphemeralContainer } from './kubelet.ts';
import type { KubeletContext } from './kubelet.ts';
import { buildRootfs } from './rootfs.ts';
import { matchesLabels, requirementsFromLabelSelector } from './selectors.ts';
import type { LabelSelector } from './selectors.ts';
import type { Status } from './status.ts';

export const NODE_NAME = 'procstatus-test-node';

export type ContainerKind = 'container' | 'init' | 'ephemeral';

type StateObj =
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
  /** status.image and status.imageID once the image is "pulled" (ephemeral containers). */
  imageInfo?: { image: string; imageID: string };
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
}

export interface WorkloadRecord {
  group: string;
  resource: string;
  namespace: string;
  name: string;
  object: Omit<FixtureWorkload, 'metadata'> & { metadata: Record<string, unknown> };
}

/** Kinds the server serves, with their group and plural resource. */
export const WORKLOAD_KINDS: Record<string, { group: string; version: string; resource: string; shortNames: string[] }> = {
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments', shortNames: ['deploy'] },
  StatefulSet: { group: 'apps', version: 'v1', resource: 'statefulsets', shortNames: ['sts'] },
  DaemonSet: { group: 'apps', version: 'v1', resource: 'daemonsets', shortNames: ['ds'] },
  ReplicaSet: { group: 'apps', version: 'v1', resource: 'replicasets', shortNames: ['rs'] },
  Job: { group: 'batch', version: 'v1', resource: 'jobs', shortNames: [] },
};

export function timestamp(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

let resourceVersion = 1000;
export function nextResourceVersion(): string {
  return String(++resourceVersion);
}

function initialState(kind: ContainerKind, phase: PodPhase, s: ContainerStateSpec | undefined, now: string, id: string): StateObj {
  if (s === undefined) {
    if (phase === 'Pending') return { waiting: { reason: kind === 'init' ? 'PodInitializing' : 'ContainerCreating' } };
    if (kind === 'init' || phase === 'Succeeded') s = { terminated: { reason: 'Completed', exitCode: 0 } };
    else if (phase === 'Failed') s = { terminated: { reason: 'Error', exitCode: 1 } };
    else s = 'running';
  }
  if (s === 'running' || 'running' in s) return { running: { startedAt: now } };
  if ('waiting' in s) return { waiting: { ...s.waiting } };
  const t = s.terminated;
  const exitCode = t.exitCode ?? 0;
  return {
    terminated: {
      exitCode,
      ...(t.signal !== undefined ? { signal: t.signal } : {}),
      reason: t.reason ?? (exitCode === 0 ? 'Completed' : 'Error'),
      ...(t.message !== undefined ? { message: t.message } : {}),
      startedAt: now,
      finishedAt: now,
      containerID: id,
    },
  };
}

function servedContainer(c: FixtureContainer): Record<string, unknown> {
  const { run: _run, ...rest } = c;
  return {
    image: 'registry.example/procstatus/test:1.0',
    resources: {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
    ...rest,
  };
}

export class Cluster {
  readonly namespaces: string[];
  readonly pods: PodRecord[] = [];
  readonly workloads: WorkloadRecord[] = [];
  readonly created = new Date();
  private readonly workDir: string;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private readonly kubelet: KubeletContext = {
    workDir: '',
    schedule: (ms, fn) => {
      if (this.stopped) return;
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (!this.stopped) fn();
      }, ms);
      this.timers.add(t);
    },
    stopped: () => this.stopped,
    touch: (pod) => {
      pod.metadata.resourceVersion = nextResourceVersion();
    },
  };

  constructor(fixture: Fixture, workDir: string) {
    this.workDir = workDir;
    this.kubelet.workDir = workDir;
    this.namespaces = fixture.namespaces ?? ['default'];
    const now = timestamp(this.created);
    for (const w of fixture.workloads ?? []) {
      const k = WORKLOAD_KINDS[w.kind];
      if (!k) throw new FixtureError(`workload ${w.metadata.name}: unsupported kind ${w.kind}`);
      const namespace = w.metadata.namespace ?? 'default';
      const object = {
        ...w,
        metadata: { ...this.meta(w.metadata, namespace, now), generation: 1 },
      };
      this.workloads.push({ group: k.group, resource: k.resource, namespace, name: w.metadata.name, object });
    }
    // Owner references may name a fixture workload without its uid; fill it in.
    for (const w of this.workloads) w.object.metadata.ownerReferences = this.owners(w.object.metadata, w.namespace);
    for (const p of fixture.pods ?? []) this.pods.push(this.podRecord(p, now));
  }

  private meta(m: FixtureMetadata, namespace: string, now: string): Record<string, unknown> {
    return {
      ...m,
      namespace,
      uid: randomUUID(),
      resourceVersion: nextResourceVersion(),
      creationTimestamp: now,
    };
  }

  private owners(m: Record<string, unknown>, namespace: string): Record<string, unknown>[] | undefined {
    const refs = m.ownerReferences as FixtureMetadata['ownerReferences'] | undefined;
    if (!refs) return undefined;
    return refs.map((r) => {
      const target = this.workloads.find((w) => w.namespace === namespace && w.object.kind === r.kind && w.name === r.name);
      const k = WORKLOAD_KINDS[r.kind];
      return {
        apiVersion: r.apiVersion ?? (k ? `${k.group}/${k.version}` : 'v1'),
        kind: r.kind,
        name: r.name,
        uid: r.uid ?? (target?.object.metadata.uid as string | undefined) ?? randomUUID(),
        controller: r.controller ?? true,
        blockOwnerDeletion: true,
      };
    });
  }

  private podRecord(p: FixturePod, now: string): PodRecord {
    const namespace = p.metadata.namespace ?? 'default';
    const phase: PodPhase = p.status?.phase ?? 'Running';
    const metadata = this.meta(p.metadata, namespace, now);
    metadata.ownerReferences = this.owners(metadata, namespace);
    if (metadata.ownerReferences === undefined) delete metadata.ownerReferences;
    const containers: ContainerRecord[] = [];
    const add = (list: FixtureContainer[] | undefined, kind: ContainerKind): void => {
      for (const c of list ?? []) {
        const containerID = `containerd://${hex(32)}`;
        const env: Record<string, string> = { PATH: CONTAINER_PATH, HOSTNAME: p.metadata.name, HOME: '/root' };
        for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
        containers.push({
          name: c.name,
          kind,
          spec: servedContainer(c),
          run: c.run ?? {},
          containerID,
          state: initialState(kind, phase, c.run?.state, now, containerID),
          restartCount: c.run?.restartCount ?? 0,
          env,
        });
      }
    };
    add(p.spec.initContainers, 'init');
    add(p.spec.containers, 'container');
    add(p.spec.ephemeralContainers, 'ephemeral');
    const spec: Record<string, unknown> = {
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      schedulerName: 'default-scheduler',
      // Always present on a real pod (SetDefaults_PodSpec); kubectl debug
      // dereferences it without a nil check.
      securityContext: {},
      ...p.spec,
      containers: containers.filter((c) => c.kind === 'container').map((c) => c.spec),
    };
    const init = containers.filter((c) => c.kind === 'init').map((c) => c.spec);
    if (init.length) spec.initContainers = init;
    else delete spec.initContainers;
    const eph = containers.filter((c) => c.kind === 'ephemeral').map((c) => c.spec);
    if (eph.length) spec.ephemeralContainers = eph;
    else delete spec.ephemeralContainers;
    if (phase !== 'Pending' && spec.nodeName === undefined) spec.nodeName = NODE_NAME;
    return {
      namespace,
      name: p.metadata.name,
      metadata,
      spec,
      phase,
      fault: p.fault,
      getFault: p.getFault,
      containers,
      startTime: now,
    };
  }

  /** Starts the process tree of every running container, all in parallel. */
  async start(): Promise<void> {
    const jobs: Promise<void>[] = [];
    for (const pod of this.pods) {
      for (const c of pod.containers) {
        if (!('running' in c.state)) continue;
        if (c.kind === 'ephemeral' && !c.run.argv?.length) continue; // started from its image, below
        if (c.run.sharesProcessesOf) continue; // borrows another container's tree, below
        if (!c.run.argv?.length) {
          throw new FixtureError(`pod ${pod.namespace}/${pod.name} container ${c.name}: a running container needs run.argv`);
        }
        jobs.push(this.startOne(pod, c));
      }
    }
    let results = await Promise.allSettled(jobs);
    for (const pod of this.pods) for (const c of pod.containers) if (c.run.sharesProcessesOf && 'running' in c.state) this.borrow(pod, c);
    // Ephemeral containers declared without run.argv run from their image,
    // once their targets are up.
    const eph: Promise<void>[] = [];
    for (const pod of this.pods) {
      for (const c of pod.containers) {
        if (c.kind === 'ephemeral' && !c.run.argv?.length && 'running' in c.state) {
          eph.push(runEphemeralContainer(this.kubelet, pod, c, true));
        }
      }
    }
    results = [...results, ...(await Promise.allSettled(eph))];
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      this.stop();
      throw failed.reason;
    }
  }

  /** run.sharesProcessesOf: the container is served as running on another one's process tree. */
  private borrow(pod: PodRecord, c: ContainerRecord): void {
    const [podName, containerName] = c.run.sharesProcessesOf!.split('/');
    const owner = this.pods.find((p) => p.namespace === pod.namespace && p.name === podName)
      ?.containers.find((o) => o.name === containerName && !o.run.sharesProcessesOf);
    if (!owner?.proc) {
      throw new FixtureError(`pod ${pod.namespace}/${pod.name} container ${c.name}: sharesProcessesOf ${c.run.sharesProcessesOf} is not a started container`);
    }
    c.proc = owner.proc;
    c.rootDir = owner.rootDir;
    c.state = { running: { startedAt: timestamp(owner.proc.startedAt) } };
  }

  private async startOne(pod: PodRecord, c: ContainerRecord): Promise<void> {
    if (c.run.rootfs || c.run.files) {
      c.rootDir = buildRootfs(path.join(this.workDir, 'rootfs', `${pod.namespace}_${pod.name}_${c.name}`), c.run);
    }
    c.proc = await startContainer({
      argv: c.run.argv as string[],
      env: c.env,
      rootDir: c.rootDir,
      workingDir: c.spec.workingDir as string | undefined,
      readyProcesses: c.run.readyProcesses,
      label: `${pod.namespace}/${pod.name}/${c.name}`,
    });
    const startedAt = timestamp(c.proc.startedAt);
    c.state = { running: { startedAt } };
    void c.proc.exited.then((e) => {
      const exitCode = exitStatus(e);
      c.state = {
        terminated: {
          exitCode,
          ...(e.signal ? { signal: exitCode - 128 } : {}),
          reason: exitCode === 0 ? 'Completed' : 'Error',
          startedAt,
          finishedAt: timestamp(),
          containerID: c.containerID,
        },
      };
    });
  }

  /** Kills every container's process tree (synchronously sends SIGKILL), ephemeral containers first. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const p of this.pods) for (const c of p.containers) if (c.kind === 'ephemeral') c.proc?.kill();
    for (const p of this.pods) for (const c of p.containers) if (!c.run.sharesProcessesOf) c.proc?.kill();
  }

  /** The names and stored ephemeral containers validation needs. */
  private podContainers(p: PodRecord): Parameters<typeof validateEphemeralContainers>[0] {
    return {
      name: p.name,
      containers: p.containers.filter((c) => c.kind === 'container').map((c) => c.name),
      initContainers: p.containers.filter((c) => c.kind === 'init').map((c) => c.name),
      ephemeral: p.containers.filter((c) => c.kind === 'ephemeral').map((c) => c.spec),
    };
  }

  /**
   * PATCH pods/{name}/ephemeralcontainers: applies the patch, validates the
   * result and stores it; new containers are handed to the kubelet. Returns
   * the updated Pod, or the Status to refuse with. `dryRun` validates and
   * answers without storing or starting anything.
   */
  patchEphemeralContainers(p: PodRecord, type: PatchContentType, body: string, dryRun = false): Record<string, unknown> | Status {
    const requested = patchedEphemeralContainers(this.podObject(p), type, body);
    if (!('list' in requested)) return requested;
    return this.updateEphemeralContainers(p, requested.list, dryRun);
  }

  /** PUT pods/{name}/ephemeralcontainers, and the second half of PATCH. */
  updateEphemeralContainers(p: PodRecord, requested: unknown[], dryRun = false): Record<string, unknown> | Status {
    const checked = validateEphemeralContainers(this.podContainers(p), requested as Parameters<typeof validateEphemeralContainers>[1]);
    if (!('list' in checked)) return checked;
    const existing = new Set(p.containers.filter((c) => c.kind === 'ephemeral').map((c) => c.name));
    const added = checked.list.filter((c) => !existing.has(c.name as string));
    if (dryRun) {
      const obj = this.podObject(p) as { spec: Record<string, unknown> };
      return { ...obj, spec: { ...obj.spec, ephemeralContainers: [...(p.spec.ephemeralContainers as unknown[] ?? []), ...added] } };
    }
    if (added.length === 0) return this.podObject(p);
    for (const spec of added) {
      const containerID = `containerd://${hex(32)}`;
      const c: ContainerRecord = {
        name: spec.name as string,
        kind: 'ephemeral',
        spec,
        run: {},
        containerID,
        state: { waiting: { reason: 'ContainerCreating' } },
        restartCount: 0,
        env: {},
        visible: false,
      };
      p.containers.push(c);
      void runEphemeralContainer(this.kubelet, p, c).catch((e: unknown) => {
        if (this.stopped) return;
        c.state = { waiting: { reason: 'CreateContainerError', message: e instanceof Error ? e.message : String(e) } };
      });
    }
    p.spec.ephemeralContainers = p.containers.filter((c) => c.kind === 'ephemeral').map((c) => c.spec);
    p.metadata.resourceVersion = nextResourceVersion();
    return this.podObject(p);
  }

  pod(namespace: string, name: string): PodRecord | undefined {
    return this.pods.find((p) => p.namespace === namespace && p.name === name);
  }

  workload(resource: string, namespace: string, name: string): WorkloadRecord | undefined {
    return this.workloads.find((w) => w.resource === resource && w.namespace === namespace && w.name === name);
  }

  podObject(p: PodRecord): Record<string, unknown> {
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
            imageID:
              c.imageInfo?.imageID ?? (c.kind === 'ephemeral' && c.visible !== undefined ? '' : `${c.spec.image}@sha256:${'0'.repeat(64)}`),
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
      qosClass: 'BestEffort',
    };
    if (p.spec.nodeName !== undefined) {
      st.hostIP = '127.0.0.1';
      st.startTime = p.startTime;
    }
    const init = status('init');
    if (init.length) st.initContainerStatuses = init;
    st.containerStatuses = status('container');
    const eph = status('ephemeral');
    if (eph.length) st.ephemeralContainerStatuses = eph;
    return { kind: 'Pod', apiVersion: 'v1', metadata: p.metadata, spec: p.spec, status: st };
  }

  workloadObject(w: WorkloadRecord): Record<string, unknown> {
    const k = WORKLOAD_KINDS[w.object.kind];
    const obj: Record<string, unknown> = { ...w.object, apiVersion: w.object.apiVersion ?? `${k.group}/${k.version}` };
    if (!obj.status) {
      const sel = (w.object.spec?.selector ?? {}) as LabelSelector;
      const reqs = requirementsFromLabelSelector(sel);
      const pods = this.pods.filter(
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
}

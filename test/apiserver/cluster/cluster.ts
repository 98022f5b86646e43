// The cluster state: fixture pods, workloads and nodes turned into records
// (records.ts), the process tree behind every running container (started
// and stopped here, through runtime/), and the writes on pods that reach
// beyond one route: ephemeral containers, create and delete.

import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { patchedEphemeralContainers, validateEphemeralContainers } from '../api/ephemeral.ts';
import type { PatchContentType } from '../api/ephemeral.ts';
import { WORKLOAD_KINDS } from '../api/resources.ts';
import type { Status } from '../api/status.ts';
import { CGROUP_DRIVER_ANNOTATION, containerCgroupPath, NodeCgroups, podCgroupPath, qosClassOf } from '../runtime/cgroups.ts';
import type { CgroupDriver } from '../runtime/cgroups.ts';
import { CONTAINER_PATH, exitStatus, startContainer, startExecProcess } from '../runtime/containers.ts';
import { HostPaths } from '../runtime/hostpaths.ts';
import type { Volume, VolumeMount } from '../runtime/hostpaths.ts';
import { runEphemeralContainer } from '../runtime/kubelet.ts';
import type { KubeletContext } from '../runtime/kubelet.ts';
import { credexecArgv, idMapLine, isWindowsPod, lastCap, launchConfig, newContainerID, python, USERNS_SIZE } from '../runtime/noderuntime.ts';
import { containerMounts } from '../runtime/mounts.ts';
import { buildRootfs } from '../runtime/rootfs.ts';
import { withCapabilities } from '../runtime/security.ts';
import type { SecurityContext } from '../runtime/security.ts';
import { FixtureError } from './fixture.ts';
import type { ContainerStateSpec, ExecSpec, Fixture, FixtureContainer, FixtureMetadata, FixturePod, PodPhase } from './fixture.ts';
import { DEFAULT_NODES, nodeRecord } from './nodes.ts';
import type { NodeRecord } from './nodes.ts';
import { namespaceObject, podObject, workloadObject } from './objects.ts';
import { admitPodSecurity, createPod, deletePod } from './podlifecycle.ts';
import type { Written } from './podlifecycle.ts';
import { pendingContainer, type ContainerKind, type ContainerRecord, type NamespaceRecord, type PodRecord, type RawPodRecord, type StateObj, type WorkloadRecord } from './records.ts';
import { nextResourceVersion, timestamp } from './versions.ts';

export type { ContainerKind, ContainerRecord, PodRecord, RawPodRecord, WorkloadRecord } from './records.ts';

/** The fixture's status fields besides phase, if any. */
function statusExtras(p: FixturePod): Record<string, unknown> | undefined {
  const { phase: _phase, ...rest } = p.status ?? {};
  return Object.keys(rest).length ? rest : undefined;
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
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

/** A container started through credexec.py (run.applySecurity): see Cluster.secure. */
interface Secured {
  start: { argv: string[]; idMap?: string };
  /** credexec.py's configuration for an exec, `pid1` being /proc/<PID 1> as the exec sees it. */
  exec(pid1: string, e?: ExecSpec): Record<string, unknown>;
}

export class Cluster {
  readonly namespaces: string[];
  private readonly namespaceRecords = new Map<string, NamespaceRecord>();
  readonly pods: PodRecord[] = [];
  /** Fixture rawPods: items served verbatim in pod lists and GETs. */
  readonly rawPods: RawPodRecord[] = [];
  readonly workloads: WorkloadRecord[] = [];
  readonly nodes: NodeRecord[];
  readonly created = new Date();
  /** The node's kubelet-style cgroups (runtime/cgroups.ts), once started; undefined where they cannot be made. */
  cgroups?: NodeCgroups;
  private readonly workDir: string;
  /** The stand-in host tree hostPath volumes of fixture pods mount from. */
  private readonly hostPaths: HostPaths;
  private readonly pauseEnabled: boolean;
  private pauseRoot?: string;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** User namespaces handed out so far (hostUsers: false): the next one starts at 65536 * (this + 1). */
  private usernsCount = 0;
  readonly kubelet: KubeletContext = {
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
    cgroupProcs: (pod, c) => this.cgroupProcsOf(pod, c),
  };

  constructor(fixture: Fixture, workDir: string) {
    this.workDir = workDir;
    this.hostPaths = new HostPaths(path.join(workDir, 'host'));
    this.pauseEnabled = fixture.pause === true;
    this.kubelet.workDir = workDir;
    const now = timestamp(this.created);
    for (const n of fixture.namespaces ?? ['default']) {
      const { name, labels = {} } = typeof n === 'string' ? { name: n } : n;
      this.namespaceRecords.set(name, { name, labels, uid: randomUUID(), creationTimestamp: now });
    }
    this.namespaces = [...this.namespaceRecords.keys()];
    this.nodes = (fixture.nodes?.length ? fixture.nodes : DEFAULT_NODES).map((n) => nodeRecord(n, now, nextResourceVersion()));
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
    for (const r of fixture.rawPods ?? []) {
      this.rawPods.push({ namespace: r.namespace ?? 'default', name: r.name, labels: r.labels ?? {}, item: r.item });
    }
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
        const containerID = newContainerID(p);
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
    if (phase !== 'Pending' && spec.nodeName === undefined) spec.nodeName = this.nodes[0].name;
    return {
      namespace,
      name: p.metadata.name,
      metadata,
      spec,
      phase,
      fault: p.fault,
      getFault: p.getFault,
      ...(statusExtras(p) ? { statusExtras: statusExtras(p) } : {}),
      containers,
      startTime: now,
    };
  }

  /** Starts the process tree of every running container, all in parallel. */
  async start(): Promise<void> {
    if (process.env.PROCSTATUS_APISERVER_CGROUPS !== '0') this.cgroups = NodeCgroups.create();
    const jobs: Promise<void>[] = [];
    for (const pod of this.pods) {
      // No Windows processes here: exec into a Windows pod answers as the
      // node would for a command it cannot find (runtime/noderuntime.ts).
      if (isWindowsPod(pod.spec)) continue;
      for (const c of pod.containers) {
        if (!('running' in c.state)) continue;
        if (c.kind === 'ephemeral' && !c.run.argv?.length) continue; // started from its image, below
        if (c.run.sharesProcessesOf) continue; // borrows another container's tree, below
        if (!c.run.argv?.length) {
          throw new FixtureError(`pod ${pod.namespace}/${pod.name} container ${c.name}: a running container needs run.argv`);
        }
        jobs.push(this.startOne(pod, c));
      }
      if (pod.phase === 'Running' && this.isNode(pod.spec.nodeName)) jobs.push(this.startPause(pod));
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

  /**
   * The pod sandbox's pause process, when the fixture asks for them: PID 1
   * of a PID namespace of its own (its containers have theirs), named
   * `pause` (a copy of sleep as /pause in a minimal root), in the cgroup
   * `.../cri-containerd-<sandbox id>.scope` of the pod, as containerd puts
   * the sandbox. It belongs to no container, as on a real node.
   */
  async startPause(pod: PodRecord): Promise<void> {
    if (!this.pauseEnabled || pod.sandbox) return;
    const id = hex(32);
    pod.sandbox = { id };
    const sleep = ['/usr/bin/sleep', '/bin/sleep'].find((p) => fs.existsSync(p));
    if (!sleep) return;
    this.pauseRoot ??= buildRootfs(path.join(this.workDir, 'rootfs', '_pause'), { rootfs: { '/pause': sleep } });
    const cgroupProcs = this.cgroups?.ensure(containerCgroupPath(this.podCgroup(pod), id, this.cgroupDriverOf(pod)));
    const proc = await startContainer({
      argv: ['/pause', 'infinity'],
      env: { PATH: CONTAINER_PATH },
      // The sandbox container gets the runtime's default mounts and masks too.
      mounts: containerMounts(undefined, { root: this.pauseRoot }),
      label: `${pod.namespace}/${pod.name}/pause`,
      cgroupProcs,
    });
    if (this.stopped || pod.metadata.deletionTimestamp !== undefined) proc.kill();
    pod.sandbox.proc = proc;
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
    const binds = await this.hostPaths.bindsOf(pod.spec.volumes as Volume[] | undefined, c.spec.volumeMounts as VolumeMount[] | undefined);
    if (binds.length && !c.rootDir) {
      throw new FixtureError(`pod ${pod.namespace}/${pod.name} container ${c.name}: hostPath volume mounts need a root of its own (run.rootfs or run.files)`);
    }
    const secured = c.run.applySecurity ? this.secure(pod, c) : undefined;
    if (secured === 'refused') return;
    const sc = c.spec.securityContext as SecurityContext | undefined;
    c.proc = await startContainer({
      wrapper: secured?.start,
      argv: c.run.argv as string[],
      env: c.env,
      mounts: containerMounts(sc, { root: c.rootDir, binds, readOnlyRoot: secured !== undefined && sc?.readOnlyRootFilesystem === true }),
      hostPID: pod.spec.hostPID === true,
      workingDir: c.spec.workingDir as string | undefined,
      readyProcesses: c.run.readyProcesses,
      label: `${pod.namespace}/${pod.name}/${c.name}`,
      cgroupProcs: this.cgroupProcsOf(pod, c),
    });
    // /proc in an exec is the container's procfs, where its PID 1 is 1, or with hostPID the host's.
    const pid1 = `/proc/${pod.spec.hostPID === true ? c.proc.pid1 : 1}`;
    if (secured) c.wrapper = { argv: credexecArgv(secured.exec(pid1), []) };
    for (const e of c.run.execs ?? []) {
      const wrapper = secured && { argv: credexecArgv(secured.exec(pid1, e), []) };
      await startExecProcess(c.proc.pid1, e.argv, c.env, wrapper, c.cgroupProcs);
    }
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
      // The kubelet's status update is a write: a new resourceVersion (served objects are cached by it).
      this.kubelet.touch(pod);
    });
  }

  /**
   * run.applySecurity: how credexec.py starts the container (`start`) and
   * runs an exec into it (`exec`: nsenter joins the PID and mount
   * namespaces, credexec.py the user namespace, then the same credentials,
   * chrooted into PID 1's root, as runc exec gives them; a run.execs entry
   * changes what it says). 'refused' when the kubelet would not create it:
   * the container then waits with that reason, and a pod none of whose
   * containers started is Pending.
   */
  private secure(pod: PodRecord, c: ContainerRecord): Secured | 'refused' {
    const cap = lastCap();
    const cfg = launchConfig(pod, c.spec, cap, () => USERNS_SIZE * ++this.usernsCount);
    const refuse = (reason: string, message: string): 'refused' => {
      c.state = { waiting: { reason, message } };
      if (!pod.containers.some((x) => x.kind === 'container' && x !== c && 'running' in x.state)) pod.phase = 'Pending';
      return 'refused';
    };
    if ('reason' in cfg) return refuse(cfg.reason, cfg.message);
    try {
      python();
    } catch (e) {
      // Only these containers go without: the rest of the fixture still starts.
      return refuse('CreateContainerError', e instanceof Error ? e.message : String(e));
    }
    const { userNamespaceBase, ...creds } = cfg;
    const userns = userNamespaceBase !== undefined;
    const wd = c.spec.workingDir as string | undefined;
    return {
      start: {
        argv: credexecArgv({ ...creds, root: c.rootDir, wd, userns }, []),
        ...(userns ? { idMap: idMapLine(userNamespaceBase) } : {}),
      },
      exec: (pid1, e) => ({
        ...creds,
        caps: creds.caps && e?.addCapabilities ? withCapabilities(creds.caps, e.addCapabilities, cap) : creds.caps,
        noNewPrivs: e?.noNewPrivs ?? creds.noNewPrivs,
        ...(userns ? { joinUserns: `${pid1}/ns/user` } : {}),
        root: `${pid1}/root`,
        wd,
      }),
    };
  }

  /** Kills every container's process tree (synchronously sends SIGKILL), ephemeral containers first. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const p of this.pods) for (const c of p.containers) if (c.kind === 'ephemeral') c.proc?.kill();
    for (const p of this.pods) for (const c of p.containers) if (!c.run.sharesProcessesOf) c.proc?.kill();
    for (const p of this.pods) p.sandbox?.proc?.kill();
    this.hostPaths.close();
  }

  /** Whether pods on this node name run here (a pod naming another node stays Pending). */
  isNode(name: unknown): boolean {
    return this.nodes.some((n) => n.name === name);
  }

  node(name: string): NodeRecord | undefined {
    return this.nodes.find((n) => n.name === name);
  }

  /** The pod's cgroup driver: systemd, or cgroupfs by annotation. */
  cgroupDriverOf(pod: PodRecord): CgroupDriver {
    const ann = (pod.metadata.annotations ?? {}) as Record<string, string>;
    return ann[CGROUP_DRIVER_ANNOTATION] === 'cgroupfs' ? 'cgroupfs' : 'systemd';
  }

  /** The pod's cgroup relative to the kubelet's root (runtime/cgroups.ts), by its QoS class and driver. */
  podCgroup(pod: PodRecord): string {
    return podCgroupPath(String(pod.metadata.uid), qosClassOf(pod.containers.filter((c) => c.kind !== 'ephemeral').map((c) => c.spec)), this.cgroupDriverOf(pod));
  }

  /** The container's cgroup relative to the kubelet's root. */
  containerCgroup(pod: PodRecord, c: ContainerRecord): string {
    return containerCgroupPath(this.podCgroup(pod), c.containerID, this.cgroupDriverOf(pod));
  }

  /** Makes the container's cgroup and remembers its cgroup.procs files (exec'd processes go there too). */
  private cgroupProcsOf(pod: PodRecord, c: ContainerRecord): string[] | undefined {
    if (!this.cgroups) return undefined;
    c.cgroupProcs = this.cgroups.ensure(this.containerCgroup(pod, c));
    return c.cgroupProcs;
  }

  /** Removes the cgroups once every process has exited (killing what is left). */
  async removeCgroups(): Promise<void> {
    await this.cgroups?.removeAll();
  }

  /** POST pods: see podlifecycle.ts. */
  createPod(namespace: string, body: string, dryRun = false): Written | Status {
    return createPod(this, namespace, body, dryRun);
  }

  /** DELETE pods/{name}: see podlifecycle.ts. */
  deletePod(p: PodRecord, gracePeriodSeconds: number | undefined): Record<string, unknown> {
    return deletePod(this, p, gracePeriodSeconds);
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
   * result, has Pod Security admission judge the pod with its new
   * containers, and stores it; new containers are handed to the kubelet.
   * Returns the updated Pod (with admission's warnings), or the Status to
   * refuse with. `dryRun` validates and admits, and answers without storing
   * or starting anything.
   */
  patchEphemeralContainers(p: PodRecord, type: PatchContentType, body: string, dryRun = false): Written | Status {
    const requested = patchedEphemeralContainers(this.podObject(p), type, body);
    if (!('list' in requested)) return requested;
    return this.updateEphemeralContainers(p, requested.list, dryRun);
  }

  /** PUT pods/{name}/ephemeralcontainers, and the second half of PATCH. */
  updateEphemeralContainers(p: PodRecord, requested: unknown[], dryRun = false): Written | Status {
    const checked = validateEphemeralContainers(this.podContainers(p), requested as Parameters<typeof validateEphemeralContainers>[1]);
    if (!('list' in checked)) return checked;
    const existing = new Set(p.containers.filter((c) => c.kind === 'ephemeral').map((c) => c.name));
    const added = checked.list.filter((c) => !existing.has(c.name as string));
    // Admission looks at the update only when it adds a container (isSignificantPodUpdate), and then at the whole pod.
    if (added.length === 0) return { object: this.podObject(p), warnings: [] };
    const spec = { ...p.spec, ephemeralContainers: [...((p.spec.ephemeralContainers as unknown[]) ?? []), ...added] };
    const security = admitPodSecurity(this, p.namespace, p.name, p.metadata, spec);
    if ('status' in security) return security;
    if (dryRun) {
      const obj = this.podObject(p);
      return { object: { ...obj, spec: { ...(obj.spec as Record<string, unknown>), ephemeralContainers: spec.ephemeralContainers } }, ...security };
    }
    for (const spec of added) {
      const c = pendingContainer(spec, 'ephemeral', newContainerID(p));
      p.containers.push(c);
      void runEphemeralContainer(this.kubelet, p, c).catch((e: unknown) => {
        if (this.stopped) return;
        c.state = { waiting: { reason: 'CreateContainerError', message: e instanceof Error ? e.message : String(e) } };
        this.kubelet.touch(p);
      });
    }
    p.spec.ephemeralContainers = p.containers.filter((c) => c.kind === 'ephemeral').map((c) => c.spec);
    p.metadata.resourceVersion = nextResourceVersion();
    return { object: this.podObject(p), ...security };
  }

  pod(namespace: string, name: string): PodRecord | undefined {
    return this.pods.find((p) => p.namespace === namespace && p.name === name);
  }

  /** A fixture rawPods item by namespace and name. */
  rawPod(namespace: string, name: string): RawPodRecord | undefined {
    return this.rawPods.find((r) => r.namespace === namespace && r.name === name);
  }

  workload(resource: string, namespace: string, name: string): WorkloadRecord | undefined {
    return this.workloads.find((w) => w.resource === resource && w.namespace === namespace && w.name === name);
  }

  /** The Pod as served (objects.ts). */
  podObject(p: PodRecord): Record<string, unknown> {
    return podObject(p);
  }

  /** The workload as served, its status counted from this cluster's pods (objects.ts). */
  workloadObject(w: WorkloadRecord): Record<string, unknown> {
    return workloadObject(w, this.pods);
  }

  /** The Namespace as served. */
  namespaceObject(name: string): Record<string, unknown> {
    const n = this.namespaceRecords.get(name) ?? { name, labels: {}, uid: '', creationTimestamp: timestamp(this.created) };
    return namespaceObject(n);
  }

  /** A namespace's labels as served (undefined for an unknown namespace). */
  namespaceLabels(name: string): Record<string, string> | undefined {
    return this.namespaceRecords.has(name) ? (this.namespaceObject(name) as { metadata: { labels: Record<string, string> } }).metadata.labels : undefined;
  }
}

// POST pods and DELETE pods/{name}: the API server's part (decoding,
// defaulting, validation, AlreadyExists) and the kubelet's (starting the
// containers from their images, graceful termination, removal).
// https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#create-create-a-pod
// https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
//
// A created pod's containers start the way an ephemeral container without a
// target does (kubelet.ts runEphemeralContainer: image root, securityContext
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
import { decodeEphemeralContainer } from './ephemeral.ts';
import { runEphemeralContainer } from './kubelet.ts';
import type { KubeletContext } from './kubelet.ts';
import type { Cluster, ContainerRecord, PodRecord } from './pods.ts';
import { nextResourceVersion, timestamp } from './pods.ts';
import { badRequest, fieldError, invalid, notFound } from './status.ts';
import type { FieldError, Status } from './status.ts';

/**
 * Longest grace period the test node waits before SIGKILL (a real one waits
 * the full terminationGracePeriodSeconds): 3 s, or
 * PROCSTATUS_APISERVER_MAX_GRACE_MS.
 */
export const MAX_GRACE_MS = Number(process.env.PROCSTATUS_APISERVER_MAX_GRACE_MS) || 3000;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** names.SimpleNameGenerator: generateName plus 5 characters from this alphabet. */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
export function generatedName(base: string): string {
  const bytes = randomBytes(5);
  let s = '';
  for (const b of bytes) s += NAME_ALPHABET[b % NAME_ALPHABET.length];
  return `${base.slice(0, 58)}${s}`;
}

/** apierrors.NewAlreadyExists. */
export function alreadyExists(resource: string, name: string): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `${resource} "${name}" already exists`,
    reason: 'AlreadyExists',
    details: { name, kind: resource },
    code: 409,
  };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Decodes, defaults and validates the body of POST pods. Returns the served
 * metadata and spec, or the Status to refuse with.
 */
export function admitPod(
  body: string,
  namespace: string,
  knownNamespaces: readonly string[],
): { metadata: Json; spec: Json; containers: Json[] } | Status {
  let obj: unknown;
  try {
    obj = JSON.parse(body);
  } catch (e) {
    return badRequest(`Pod in version "v1" cannot be handled as a Pod: ${e instanceof Error ? e.message : e}`);
  }
  if (!isObject(obj)) return badRequest('Pod in version "v1" cannot be handled as a Pod: the body is not a JSON object');
  if (obj.kind !== undefined && obj.kind !== 'Pod') {
    return badRequest(`Pod in version "v1" cannot be handled as a ${String(obj.kind)}: the kind of the object is not Pod`);
  }
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const spec = isObject(obj.spec) ? obj.spec : {};
  if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
    return badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (!knownNamespaces.includes(namespace)) return notFound({ group: '', resource: 'namespaces' }, namespace);

  const errs: FieldError[] = [];
  let name = typeof meta.name === 'string' ? meta.name : '';
  const generate = typeof meta.generateName === 'string' ? meta.generateName : '';
  if (!name && generate) name = generatedName(generate);
  if (!name) errs.push({ type: 'FieldValueRequired', field: 'metadata.name', body: 'Required value: name or generateName is required' });
  else if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) errs.push(fieldError.invalid('metadata.name', name, DNS1123_SUBDOMAIN_MSG));

  const rawContainers = Array.isArray(spec.containers) ? spec.containers : [];
  const containers: Json[] = [];
  for (const raw of rawContainers) {
    const c = decodeEphemeralContainer(raw as never);
    if (typeof c === 'string') return badRequest(`Pod in version "v1" cannot be handled as a Pod: ${c.replace(/EphemeralContainer/g, 'Container').replace(/ephemeralContainers/g, 'containers')}`);
    delete c.targetContainerName;
    containers.push(c);
  }
  if (containers.length === 0) errs.push(fieldError.required('spec.containers'));
  const seen = new Set<string>();
  containers.forEach((c, i) => {
    const at = `spec.containers[${i}]`;
    const cname = (c.name as string | undefined) ?? '';
    if (cname === '') errs.push(fieldError.required(`${at}.name`));
    else if (!DNS1123_LABEL.test(cname) || cname.length > 63) errs.push(fieldError.invalid(`${at}.name`, cname, DNS1123_LABEL_MSG));
    else if (seen.has(cname)) errs.push(fieldError.duplicate(`${at}.name`, cname));
    seen.add(cname);
    const image = (c.image as string | undefined) ?? '';
    if (image === '') errs.push(fieldError.required(`${at}.image`));
    else if (image.trim() !== image) errs.push(fieldError.invalid(`${at}.image`, image, 'must not have leading or trailing whitespace'));
  });
  if (Array.isArray(spec.initContainers) && spec.initContainers.length) {
    errs.push(fieldError.forbidden('spec.initContainers', 'init containers are not supported by the test API server'));
  }
  const restartPolicy = spec.restartPolicy ?? 'Always';
  if (!['Always', 'OnFailure', 'Never'].includes(restartPolicy as string)) {
    errs.push(fieldError.notSupported('spec.restartPolicy', restartPolicy, ['Always', 'OnFailure', 'Never']));
  }
  if (spec.nodeName !== undefined && typeof spec.nodeName !== 'string') {
    return badRequest('Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal into Go struct field PodSpec.spec.nodeName of type string');
  }
  if (errs.length) return invalid('Pod', name, errs);

  const { generateName: _g, namespace: _n, uid: _u, resourceVersion: _r, creationTimestamp: _c, deletionTimestamp: _d, ...keep } = meta;
  const metadata: Json = {
    ...keep,
    name,
    ...(generate ? { generateName: generate } : {}),
    namespace,
  };
  // SetDefaults_PodSpec and friends (pkg/apis/core/v1/defaults.go).
  const served: Json = {
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: 'default',
    schedulerName: 'default-scheduler',
    enableServiceLinks: true,
    priority: 0,
    preemptionPolicy: 'PreemptLowerPriority',
    securityContext: {},
    ...spec,
    containers,
  };
  delete served.initContainers;
  delete served.ephemeralContainers;
  return { metadata, spec: served, containers };
}

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

/** POST /api/v1/namespaces/{ns}/pods: the created Pod (to answer 201 with), or the Status. */
export function createPod(cluster: Cluster, namespace: string, body: string, dryRun: boolean): Json | Status {
  const admitted = admitPod(body, namespace, cluster.namespaces);
  if ('status' in admitted) return admitted;
  const name = admitted.metadata.name as string;
  if (cluster.pod(namespace, name)) return alreadyExists('pods', name);
  const now = timestamp();
  if (admitted.spec.nodeName === undefined && cluster.nodes.length) admitted.spec.nodeName = cluster.nodes[0].name;
  const metadata: Json = {
    ...admitted.metadata,
    uid: randomUUID(),
    resourceVersion: nextResourceVersion(),
    creationTimestamp: now,
  };
  const containers: ContainerRecord[] = admitted.containers.map((spec) => ({
    name: spec.name as string,
    kind: 'container',
    spec,
    run: {},
    containerID: `containerd://${randomBytes(32).toString('hex')}`,
    state: { waiting: { reason: 'ContainerCreating' } },
    restartCount: 0,
    env: {},
    visible: false,
  }));
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
  if (dryRun) return cluster.podObject(pod);
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
  return cluster.podObject(pod);
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

/** The grace period a DELETE asks for: the gracePeriodSeconds query parameter, else the DeleteOptions body's. */
export function requestedGrace(q: URLSearchParams, body: string): number | undefined | Status {
  const fromQuery = q.get('gracePeriodSeconds');
  if (fromQuery !== null) {
    const n = Number(fromQuery);
    if (!Number.isInteger(n)) return badRequest(`strconv.ParseInt: parsing ${JSON.stringify(fromQuery)}: invalid syntax`);
    return n;
  }
  if (!body.trim()) return undefined;
  let opts: unknown;
  try {
    opts = JSON.parse(body);
  } catch (e) {
    return badRequest(`error decoding DeleteOptions: ${e instanceof Error ? e.message : e}`);
  }
  const g = isObject(opts) ? opts.gracePeriodSeconds : undefined;
  return typeof g === 'number' ? g : undefined;
}

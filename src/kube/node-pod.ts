import { randomInt } from 'node:crypto';
import { CliError } from '../errors.js';
import type { Cluster } from './config.js';
import { READER_SECURITY_CONTEXT } from './debug.js';
import { failureOf, send, type CallOptions } from './api.js';
import { ApiError } from './errors.js';
import { requestJson } from './http.js';
import { getPod, type Pod } from './pod.js';
import { pollUntil } from './poll.js';

/**
 * The short-lived pod that reads a node's processes: on that node
 * (spec.nodeName, so no scheduler is involved), in the host's PID namespace
 * (hostPID), tolerating every taint, never restarted: the shape of
 * `kubectl debug node/NAME`'s pod, with less in it. kubectl's profiles also
 * share the host's network and IPC namespaces and mount the host's / on
 * /host; a status read needs none of that, and /proc/PID/{status,stat,cgroup,
 * uid_map,gid_map,attr/current} are readable by any user, so the container
 * runs as nobody with no capabilities.
 * https://kubernetes.io/docs/tasks/debug/debug-cluster/kubectl-node-debug/
 * https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/kubectl/pkg/cmd/debug/debug.go (generateNodeDebugPod)
 * https://man7.org/linux/man-pages/man5/proc.5.html
 */

/** On everything this tool creates, so a leftover can be found: kubectl get pods -A -l app.kubernetes.io/managed-by=kubectl-procstatus */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'kubectl-procstatus';
/** The node the pod reads, as an annotation: a node name can be longer than a label value may be. */
export const NODE_ANNOTATION = 'procstatus.kubectl.io/node';
export const READER_CONTAINER = 'reader';

export interface ReaderPodSpec {
  name: string;
  node: string;
  image: string;
  /** How long the pod may live at most, so one left behind by a killed run ends by itself. */
  lifetimeSeconds: number;
}

/** "procstatus-node-<node>-<5 random>": named here, not by generateName, so a Ctrl-C during the create knows what to delete. */
export function readerPodName(node: string, random: (n: number) => number = randomInt): string {
  // The alphabet of the API server's name generator (no vowels, no look-alikes).
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const suffix = Array.from({ length: 5 }, () => alphabet[random(alphabet.length)]).join('');
  const base = node.replace(/\./g, '-').slice(0, 40).replace(/-+$/, '');
  return `procstatus-node-${base}-${suffix}`;
}

/** How long the reader lives: the wait and the read are each bounded by --request-timeout; 0 (no limit) gets an hour. */
export function readerLifetime(timeoutMs: number): number {
  return timeoutMs > 0 ? Math.max(600, Math.ceil((3 * timeoutMs) / 1000)) : 3600;
}

export function readerPod(o: ReaderPodSpec): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: o.name, labels: { [MANAGED_BY_LABEL]: MANAGED_BY }, annotations: { [NODE_ANNOTATION]: o.node } },
    spec: {
      nodeName: o.node,
      hostPID: true,
      restartPolicy: 'Never',
      // Every taint, NoExecute included: the node is named, whatever it is tainted with.
      tolerations: [{ operator: 'Exists' }],
      // It talks to no API and needs no service environment.
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      // Its only process is sleep, not PID 1 (hostPID): SIGTERM ends it at once.
      terminationGracePeriodSeconds: 1,
      activeDeadlineSeconds: o.lifetimeSeconds,
      containers: [{
        name: READER_CONTAINER,
        image: o.image,
        command: ['sleep', String(o.lifetimeSeconds)],
        stdin: false,
        tty: false,
        terminationMessagePolicy: 'File',
        securityContext: { ...READER_SECURITY_CONTEXT, seccompProfile: { type: 'RuntimeDefault' } },
      }],
    },
  };
}

type ServedPod = Pod & { metadata: { uid?: string } };

/**
 * The API server answered the create with a 4xx: nothing was created (and a
 * 409 means the name belongs to a pod that is not this run's, which must not
 * be deleted). Any other failure (a timeout, a 5xx) may have created the pod.
 */
export class CreateRefused extends CliError {}

/** POST the pod; an API refusal (RBAC, Pod Security admission, a quota) becomes one line. */
export async function createReaderPod(cluster: Cluster, namespace: string, spec: ReaderPodSpec, o: CallOptions): Promise<ServedPod> {
  const what = { verb: 'create', resource: 'pods', namespace, name: spec.name };
  try {
    // Sent once, never retried on a dropped connection: the pod may exist, and the caller deletes it by name.
    return await requestJson<ServedPod>(cluster, 'POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, o.timeoutMs,
      { contentType: 'application/json', value: readerPod(spec) }, o.signal);
  } catch (err) {
    const said = failureOf(err, cluster, what, o.timeoutMs);
    if (!(err instanceof ApiError) || err.code < 400 || err.code > 499) throw said;
    // Pod Security admission refuses hostPID below the "privileged" level with a 403 too; RBAC is not the cause then.
    // https://kubernetes.io/docs/concepts/security/pod-security-admission/
    const hint = err.code === 403 && /PodSecurity/.test(said.message)
      ? `the namespace "${namespace}" does not allow hostPID pods; use -n with a namespace whose pod-security.kubernetes.io/enforce level is privileged`
      : said.hint;
    throw new CreateRefused(said.message, hint, said.kind);
  }
}

/** DELETE the pod: "deleted", "absent" (404), or the failure; never throws. `sent`: the DELETE is on its way. */
export async function deleteReaderPod(cluster: Cluster, namespace: string, name: string, timeoutMs: number, sent?: () => void):
  Promise<'deleted' | 'absent' | CliError> {
  try {
    await send(cluster, 'DELETE', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`,
      { verb: 'delete', resource: 'pods', namespace, name }, { timeoutMs, sent });
    return 'deleted';
  } catch (err) {
    if (err instanceof CliError && err.kind === 'not found') return 'absent';
    return err instanceof CliError ? err : new CliError((err as Error)?.message ?? String(err));
  }
}

/**
 * Waiting reasons the kubelet does not retry its way out of: stop waiting and
 * say why. A failed pull is retried (ErrImagePull, ImagePullBackOff: a rate
 * limit passes), so that waits for --request-timeout, as a debug container does.
 */
const STUCK = /^(ErrImageNeverPull|InvalidImageName|CreateContainerConfigError)$/;

/** Polls the pod until its container runs, within timeoutMs (0: no limit). */
export async function waitReaderRunning(cluster: Cluster, namespace: string, name: string, o: {
  node: string; image: string; timeoutMs: number; nodeReady: boolean | null; log: (line: string) => void; signal?: AbortSignal;
}): Promise<void> {
  let waiting: { reason?: string; message?: string } | undefined;
  const started = await pollUntil(async () => {
    const pod = await getPod(cluster, namespace, name, o);
    const state = pod.status?.containerStatuses?.find((s) => s.name === READER_CONTAINER)?.state;
    if (state?.running) return true;
    const phase = pod.status?.phase;
    if (state?.terminated || phase === 'Failed' || phase === 'Succeeded') {
      const why = state?.terminated?.reason ?? pod.status?.reason ?? phase ?? 'terminated';
      throw new CliError(`the reader pod ${namespace}/${name} on node ${o.node} stopped before the read (${why})`, undefined, 'debug container');
    }
    waiting = state?.waiting;
    if (waiting?.reason && STUCK.test(waiting.reason)) return false;
    o.log(`waiting for pod ${namespace}/${name}: ${waiting?.reason ?? phase ?? 'no status yet'}`);
    return undefined;
  }, o);
  if (started === true) return;
  if (o.signal?.aborted) throw new CliError('interrupted', undefined, 'interrupted');
  const why = waiting?.reason ? `: ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}` : '';
  const pull = /ImagePull|ErrImage|InvalidImageName/.test(waiting?.reason ?? '');
  const stuck = waiting?.reason && STUCK.test(waiting.reason);
  throw new CliError(
    `the reader pod ${namespace}/${name} on node ${o.node} ${stuck ? 'cannot start' : `did not start within ${o.timeoutMs / 1000}s`}${why}` +
      (o.nodeReady === false ? `; node ${o.node} is not Ready` : ''),
    pull ? `the image "${o.image}" cannot be pulled; check its name, or use one the node can pull`
      : stuck ? undefined : 'a first pull of the image can take longer: raise --request-timeout',
    'debug container');
}

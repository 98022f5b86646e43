import { createHash } from 'node:crypto';
import { CliError } from '../errors.js';
import type { Cluster } from './config.js';
import { send } from './api.js';
import { getPod, type ContainerStatus, type Pod } from './pod.js';
import { pollUntil } from './poll.js';

/**
 * An ephemeral debug container that shares the target container's PID
 * namespace (targetContainerName), as `kubectl debug --target` adds one.
 * Ephemeral containers can never be removed from a pod, so one is added only
 * when none added earlier for the same target and image is still running.
 * https://kubernetes.io/docs/concepts/workloads/pods/ephemeral-containers/
 * https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/#ephemeral-container
 */
export const DEBUG_PREFIX = 'procstatus-';

/**
 * As unprivileged as reading another process's status allows: it is mode 0444.
 * The node reader (node-pod.ts) runs with the same.
 */
export const READER_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: 65534,
  runAsGroup: 65534,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

export interface DebugRequest {
  pod: Pod;
  target: string;
  image: string;
  timeoutMs: number;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/** Name of the container this tool adds for a target and image: stable, so a second run finds it. */
export function debugContainerName(target: string, image: string, attempt = 0): string {
  const hash = createHash('sha256').update(`${target}\n${image}`).digest('hex').slice(0, 8);
  const base = `${DEBUG_PREFIX}${target.slice(0, 40)}-${hash}`;
  return attempt === 0 ? base : `${base}-${attempt}`;
}

/** Reuse or add the debug container, wait until it runs; returns its name. */
export async function ensureDebugContainer(cluster: Cluster, req: DebugRequest): Promise<string> {
  const { pod } = req;
  const ns = pod.metadata.namespace;
  const name = pod.metadata.name;
  const existing = pod.spec.ephemeralContainers ?? [];
  const statuses = pod.status?.ephemeralContainerStatuses ?? [];
  let attempt = 0;
  for (; ; attempt++) {
    const candidate = debugContainerName(req.target, req.image, attempt);
    const spec = existing.find((c) => c.name === candidate);
    if (!spec) break;
    const state = statuses.find((s) => s.name === candidate)?.state;
    if (!state?.terminated) {
      req.log(`reusing ephemeral container ${candidate} of ${ns}/${name}`);
      return waitRunning(cluster, pod, candidate, req);
    }
  }
  const container = debugContainerName(req.target, req.image, attempt);
  req.log(`adding ephemeral container ${container} (image ${req.image}, target ${req.target}) to ${ns}/${name}`);
  // A strategic merge patch keyed by name adds one container, as kubectl debug does.
  await send(cluster, 'PATCH', `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}/ephemeralcontainers`,
    { verb: 'patch', resource: 'pods/ephemeralcontainers', namespace: ns, name }, req, {
      contentType: 'application/strategic-merge-patch+json',
      value: {
        spec: {
          ephemeralContainers: [{
            name: container,
            image: req.image,
            targetContainerName: req.target,
            command: ['sleep', '2147483647'],
            stdin: false,
            tty: false,
            terminationMessagePolicy: 'File',
            securityContext: READER_SECURITY_CONTEXT,
          }],
        },
      },
    });
  return waitRunning(cluster, pod, container, req);
}

async function waitRunning(cluster: Cluster, pod: Pod, container: string, req: DebugRequest): Promise<string> {
  const ns = pod.metadata.namespace;
  const name = pod.metadata.name;
  let last: ContainerStatus['state'] | undefined;
  // --request-timeout 0 means no limit, here as for every request.
  const running = await pollUntil(async () => {
    const current = await getPod(cluster, ns, name, req);
    last = current.status?.ephemeralContainerStatuses?.find((s) => s.name === container)?.state;
    if (last?.terminated) {
      throw new CliError(`the debug container ${container} in ${ns}/${name} terminated (${last.terminated.reason ?? 'no reason given'})`,
        undefined, 'debug container');
    }
    return last?.running ? container : undefined;
  }, req);
  if (running !== null) return running;
  const why = last?.waiting ? `: ${last.waiting.reason ?? 'waiting'}${last.waiting.message ? ` (${last.waiting.message})` : ''}` : '';
  const pull = /ImagePull|ErrImage|InvalidImageName/.test(last?.waiting?.reason ?? '');
  throw new CliError(`the debug container ${container} in ${ns}/${name} did not start within ${req.timeoutMs / 1000}s${why}`,
    pull ? `the image "${req.image}" cannot be pulled; check its name, or use one the cluster can pull` : undefined,
    'debug container');
}

import { CliError } from '../errors.js';
import type { Cluster } from './config.js';
import { ApiError } from './errors.js';
import { getJson } from './http.js';

/** The parts of a v1 Pod this tool reads. */
export interface Pod {
  metadata: { name: string; namespace: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec: { containers: ContainerSpec[]; initContainers?: ContainerSpec[]; ephemeralContainers?: ContainerSpec[] };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    ephemeralContainerStatuses?: ContainerStatus[];
  };
}

/**
 * Windows containers have no /proc. A pod says it runs on Windows through
 * spec.os.name (required for Windows pods under Pod Security) or, on older
 * manifests, a kubernetes.io/os node selector.
 * https://kubernetes.io/docs/concepts/windows/user-guide/#ensuring-os-specific-workloads-land-on-the-appropriate-container-host
 */
export function checkLinux(pod: Pod): void {
  const spec = pod.spec as Pod['spec'] & { os?: { name?: string }; nodeSelector?: Record<string, string> };
  const os = spec.os?.name ?? spec.nodeSelector?.['kubernetes.io/os'];
  if (os && os !== 'linux') {
    throw new CliError(`pod ${pod.metadata.namespace}/${pod.metadata.name} runs on ${os === 'windows' ? 'Windows' : os}, ` +
      'which has no /proc: there is no process status to read', undefined, 'unsupported os');
  }
}

export interface ContainerSpec {
  name: string;
  image?: string;
  securityContext?: Record<string, unknown>;
}

export interface ContainerStatus {
  name: string;
  state?: {
    running?: object;
    waiting?: { reason?: string; message?: string };
    terminated?: { reason?: string; exitCode?: number; message?: string };
  };
}

export async function getPod(cluster: Cluster, namespace: string, name: string, timeoutMs: number): Promise<Pod> {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
  try {
    return await getJson<Pod>(cluster, path, timeoutMs);
  } catch (err) {
    if (err instanceof ApiError) throw apiFailure(err, cluster, { verb: 'get', resource: 'pods', namespace, name });
    throw err;
  }
}

/**
 * An API refusal → one line in the server's own words, plus what to do.
 * https://kubernetes.io/docs/reference/access-authn-authz/authorization/#checking-api-access
 */
export function apiFailure(
  err: ApiError,
  cluster: Cluster,
  what: { verb: string; resource: string; namespace: string; name: string },
): CliError {
  const said = err.status?.message;
  switch (err.code) {
    case 401:
      return new CliError(
        `the API server ${cluster.server} rejected the credentials of context "${cluster.context}" (Unauthorized)`,
        'the token or certificate is wrong or expired; log in again or refresh the kubeconfig',
        'unauthorized',
      );
    case 403:
      return new CliError(said || `forbidden: ${what.verb} ${what.resource} in namespace "${what.namespace}"`,
        `check with: kubectl auth can-i ${what.verb} ${what.resource} ${what.namespace === '(all)' ? '-A' : `-n ${what.namespace}`}`,
        'forbidden');
    case 404:
      if (what.resource === 'pods' || what.resource === 'pods/exec') {
        return new CliError(`pod "${what.name}" not found in namespace "${what.namespace}"`, undefined, 'not found');
      }
      return new CliError(said || `${what.resource} "${what.name}" not found in namespace "${what.namespace}"`, undefined, 'not found');
    default:
      return new CliError(`${what.verb} ${what.resource} ${what.namespace}/${what.name}: ${said || err.message} (HTTP ${err.code})`,
        undefined, `HTTP ${err.code}`);
  }
}

export interface ResolvedContainer {
  name: string;
  kind: 'container' | 'init' | 'ephemeral';
  /** A line for stderr when the choice was made for the user, as kubectl prints it. */
  notice: string | null;
}

const DEFAULT_CONTAINER = 'kubectl.kubernetes.io/default-container';

/**
 * -c NAME|INDEX → a container. A name is looked up in regular, init and
 * ephemeral containers; a number that is not a name is a 0-based index into
 * spec.containers. Without -c, kubectl's rule: the default-container
 * annotation, else the first container.
 * https://kubernetes.io/docs/reference/labels-annotations-taints/#kubectl-kubernetes-io-default-container
 */
export function resolveContainer(pod: Pod, selector: string | null): ResolvedContainer {
  const regular = pod.spec.containers ?? [];
  const init = pod.spec.initContainers ?? [];
  const ephemeral = pod.spec.ephemeralContainers ?? [];
  const where = `pod ${pod.metadata.namespace}/${pod.metadata.name}`;
  if (selector === null) {
    // kubectl's podcmd.FindOrDefaultContainerByName: the annotation when it names a
    // container, else the first one, said aloud whenever the pod has any other
    // container (regular, init or ephemeral).
    // https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/kubectl/pkg/cmd/util/podcmd/podcmd.go
    const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER];
    const found = annotated ? [...regular, ...init, ...ephemeral].find((c) => c.name === annotated) : undefined;
    if (found) {
      const kind = regular.includes(found) ? 'container' : init.includes(found) ? 'init' : 'ephemeral';
      return { name: found.name, kind, notice: null };
    }
    const chosen = regular[0];
    if (!chosen) throw new CliError(`${where} has no containers`);
    const lines: string[] = [];
    if (annotated) lines.push(`Default container name "${annotated}" not found in pod ${pod.metadata.name}`);
    if (regular.length > 1 || init.length > 0 || ephemeral.length > 0) {
      lines.push(`Defaulted container "${chosen.name}" out of: ${listNames(pod)}`);
    }
    return { name: chosen.name, kind: 'container', notice: lines.length ? lines.join('\n') : null };
  }
  const byName =
    (regular.some((c) => c.name === selector) && 'container') ||
    (init.some((c) => c.name === selector) && 'init') ||
    (ephemeral.some((c) => c.name === selector) && 'ephemeral') || null;
  if (byName) return { name: selector, kind: byName, notice: null };
  if (/^\d+$/.test(selector)) {
    const index = Number(selector);
    if (index < regular.length) return { name: regular[index].name, kind: 'container', notice: null };
    throw new CliError(`container index ${index} is out of range for ${where}: ${listIndexed(pod)}`, undefined, 'no such container');
  }
  throw new CliError(`container "${selector}" not found in ${where}: ${listIndexed(pod)}`, undefined, 'no such container');
}

function listNames(pod: Pod): string {
  return [
    ...pod.spec.containers.map((c) => c.name),
    ...(pod.spec.initContainers ?? []).map((c) => `${c.name} (init)`),
    ...(pod.spec.ephemeralContainers ?? []).map((c) => `${c.name} (ephem)`),
  ].join(', ');
}

function listIndexed(pod: Pod): string {
  const parts = [`containers: ${pod.spec.containers.map((c, i) => `[${i}] ${c.name}`).join(', ')}`];
  if (pod.spec.initContainers?.length) parts.push(`init: ${pod.spec.initContainers.map((c) => c.name).join(', ')}`);
  if (pod.spec.ephemeralContainers?.length) parts.push(`ephemeral: ${pod.spec.ephemeralContainers.map((c) => c.name).join(', ')}`);
  return parts.join('; ');
}

/**
 * Exec needs a running container in a running pod; say why not otherwise,
 * from the phase or the container's state reason.
 * https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/
 */
export function checkRunning(pod: Pod, container: ResolvedContainer): void {
  const where = `pod ${pod.metadata.namespace}/${pod.metadata.name}`;
  const phase = pod.status?.phase ?? 'Unknown';
  const statuses = container.kind === 'init' ? pod.status?.initContainerStatuses
    : container.kind === 'ephemeral' ? pod.status?.ephemeralContainerStatuses : pod.status?.containerStatuses;
  const state = statuses?.find((s) => s.name === container.name)?.state;
  if (phase !== 'Running' && !state?.running) {
    const why = pod.status?.reason ? `: ${pod.status.reason}` : '';
    const detail = state?.waiting?.reason ? `; container "${container.name}" is waiting: ${state.waiting.reason}` : '';
    throw new CliError(`${where} is not running (phase ${phase}${why})${detail}`, undefined, 'not running');
  }
  if (state?.waiting) {
    throw new CliError(`container "${container.name}" of ${where} is not running: waiting (${state.waiting.reason ?? 'no reason given'})` +
      (state.waiting.message ? `: ${state.waiting.message}` : ''), undefined, 'not running');
  }
  if (state?.terminated) {
    const t = state.terminated;
    throw new CliError(`container "${container.name}" of ${where} is not running: terminated (${t.reason ?? 'no reason given'}` +
      `${t.exitCode !== undefined ? `, exit code ${t.exitCode}` : ''})`, undefined, 'not running');
  }
  if (!state) throw new CliError(`container "${container.name}" of ${where} has no status yet; is it starting?`, undefined, 'not running');
}


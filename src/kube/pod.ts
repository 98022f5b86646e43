import { CliError } from '../errors.js';
import { getObject, type CallOptions } from './api.js';
import type { Cluster } from './config.js';
import { containerChoices, containerNames, containersOf, type ContainerKind } from './containers.js';
import type { Pod } from './objects.js';

export type { ContainerSpec, ContainerStatus, Pod } from './objects.js';

/**
 * A listed pod without the API server's bookkeeping, which nothing here
 * reads: managedFields and kubectl's last-applied annotation are most of a
 * real pod's bytes (kubectl hides managedFields too), and a sweep keeps a
 * page of pods while it plans their reads.
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management
 */
export function withoutBookkeeping(pod: Pod): Pod {
  const meta = pod.metadata as Pod['metadata'] & { managedFields?: unknown };
  delete meta.managedFields;
  const annotations = meta.annotations;
  if (annotations && typeof annotations === 'object' && LAST_APPLIED in annotations) delete annotations[LAST_APPLIED];
  return pod;
}
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * What the API server sent, checked before anything reads it as a Pod: an
 * object with a metadata name and namespace, and a spec whose containers
 * are objects with names. Anything else is one line saying what came, never
 * a "Cannot read properties of null" later on.
 */
export function asPod(value: unknown, what: string): Pod {
  const bad = (why: string) => new CliError(`the API server sent ${what} that is not a usable Pod: ${why}`, undefined, 'garbled output');
  if (!isObject(value)) return raise(bad(value === null ? 'null' : `a ${Array.isArray(value) ? 'list' : typeof value}`));
  const meta = value.metadata;
  if (!isObject(meta) || typeof meta.name !== 'string' || typeof meta.namespace !== 'string') return raise(bad('no metadata name and namespace'));
  // No API server stores a longer name (a DNS subdomain, a DNS label):
  // one that is longer is garbage, and is not repeated in every line that names the pod.
  // https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-subdomain-names
  if (meta.name.length > MAX_POD_NAME) return raise(bad(`a metadata name of ${meta.name.length} characters (at most ${MAX_POD_NAME})`));
  if (meta.namespace.length > MAX_NAMESPACE) return raise(bad(`a metadata namespace of ${meta.namespace.length} characters (at most ${MAX_NAMESPACE})`));
  const where = `${meta.namespace}/${meta.name}`;
  const spec = value.spec;
  if (!isObject(spec)) return raise(bad(`pod ${where} has no spec`));
  for (const key of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    const list = spec[key];
    if (list === undefined || list === null) {
      if (key === 'containers') return raise(bad(`pod ${where} has no spec.containers`));
      continue;
    }
    if (!Array.isArray(list) || list.some((c) => !isObject(c) || typeof c.name !== 'string' || c.name === '')) {
      return raise(bad(`pod ${where} has spec.${key} entries without a name`));
    }
  }
  if (value.status !== undefined && value.status !== null && !isObject(value.status)) return raise(bad(`pod ${where} has a status that is not an object`));
  return value as unknown as Pod;
}

const MAX_POD_NAME = 253;
const MAX_NAMESPACE = 63;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function raise(err: CliError): never {
  throw err;
}

/**
 * Windows containers have no /proc. A pod says it runs on Windows through
 * spec.os.name (required for Windows pods under Pod Security) or, on older
 * manifests, a kubernetes.io/os node selector.
 * https://kubernetes.io/docs/concepts/windows/user-guide/#ensuring-os-specific-workloads-land-on-the-appropriate-container-host
 */
export function checkLinux(pod: Pod): void {
  const os = pod.spec.os?.name ?? pod.spec.nodeSelector?.['kubernetes.io/os'];
  if (os && os !== 'linux') {
    throw new CliError(`pod ${pod.metadata.namespace}/${pod.metadata.name} runs on ${os === 'windows' ? 'Windows' : os}, ` +
      'which has no /proc: there is no process status to read', undefined, 'unsupported os');
  }
}

export async function getPod(cluster: Cluster, namespace: string, name: string, o: CallOptions): Promise<Pod> {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
  const pod = await getObject<unknown>(cluster, path, { verb: 'get', resource: 'pods', namespace, name }, o);
  return asPod(pod, `for pod ${namespace}/${name} an object`);
}

export interface ResolvedContainer {
  name: string;
  kind: ContainerKind;
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
  const all = containersOf(pod);
  const regular = all.filter((c) => c.kind === 'container');
  const where = `pod ${pod.metadata.namespace}/${pod.metadata.name}`;
  if (selector === null) {
    // kubectl's podcmd.FindOrDefaultContainerByName: the annotation when it names a
    // container, else the first one, said aloud whenever the pod has any other
    // container (regular, init or ephemeral).
    // https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/kubectl/pkg/cmd/util/podcmd/podcmd.go
    const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER];
    const found = annotated ? all.find((c) => c.name === annotated) : undefined;
    if (found) return { name: found.name, kind: found.kind, notice: null };
    const chosen = regular[0];
    if (!chosen) throw new CliError(`${where} has no containers`);
    const lines: string[] = [];
    if (annotated) lines.push(`Default container name "${annotated}" not found in pod ${pod.metadata.name}`);
    if (all.length > 1) lines.push(`Defaulted container "${chosen.name}" out of: ${containerNames(pod)}`);
    return { name: chosen.name, kind: 'container', notice: lines.length ? lines.join('\n') : null };
  }
  // By name: regular first, then init, then ephemeral (names are unique across the three).
  const byName = all.find((c) => c.name === selector);
  if (byName) return { name: selector, kind: byName.kind, notice: null };
  if (/^\d+$/.test(selector)) {
    const index = Number(selector);
    if (index < regular.length) return { name: regular[index].name, kind: 'container', notice: null };
    throw new CliError(`container index ${index} is out of range for ${where}: ${containerChoices(pod)}`, undefined, 'no such container');
  }
  throw new CliError(`container "${selector}" not found in ${where}: ${containerChoices(pod)}`, undefined, 'no such container');
}

/**
 * Exec needs a running container in a running pod; say why not otherwise,
 * from the phase or the container's state reason.
 * https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/
 */
export function checkRunning(pod: Pod, container: Pick<ResolvedContainer, 'name' | 'kind'>): void {
  const where = `pod ${pod.metadata.namespace}/${pod.metadata.name}`;
  const phase = pod.status?.phase ?? 'Unknown';
  const state = containersOf(pod).find((c) => c.name === container.name && c.kind === container.kind)?.status?.state;
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

import { capabilityFullName } from '../decode/capabilities.js';
import type { FindingPolicy, NamespaceLevel, SecuritySpec } from '../judge/policy.js';
import type { ContainerSpec, Pod } from '../kube/pod.js';

interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  seccompProfile?: { type?: string };
  appArmorProfile?: { type?: string; localhostProfile?: string };
  procMount?: string;
  seLinuxOptions?: { type?: string; user?: string; role?: string };
  windowsOptions?: { hostProcess?: boolean };
  sysctls?: { name?: string }[];
}

interface Volume {
  name?: string;
  hostPath?: { path?: string };
  [type: string]: unknown;
}

/** Volume types restricted allows; anything else is a finding of its own. */
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

/**
 * A pod and one of its containers → the policy its findings are judged by.
 * Container settings override the pod's; the AppArmor field overrides the
 * older per-container annotation.
 * https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
 * https://kubernetes.io/docs/tutorials/security/apparmor/
 */
export function podPolicy(pod: Pod, container: ContainerSpec | undefined): FindingPolicy {
  const spec = pod.spec as Pod['spec'] & {
    securityContext?: SecurityContext;
    hostUsers?: boolean;
    hostPID?: boolean;
    hostNetwork?: boolean;
    hostIPC?: boolean;
    terminationGracePeriodSeconds?: number;
  };
  const podSc = spec.securityContext ?? {};
  const sc = (container?.securityContext ?? {}) as SecurityContext;
  const volumes = list<Volume>((spec as { volumes?: unknown }).volumes).filter((v) => v && typeof v === 'object');
  const hostPathNames = new Set(volumes.filter((v) => v.hostPath).map((v) => v.name));
  const mounts = list<{ name?: string; mountPath?: string }>((container as { volumeMounts?: unknown } | undefined)?.volumeMounts)
    .filter((m): m is { name?: string; mountPath: string } => typeof m?.mountPath === 'string');
  const ports = list<{ hostPort?: unknown }>((container as { ports?: unknown } | undefined)?.ports);
  const pick = <T>(a: T | undefined, b: T | undefined): T | null => (a !== undefined ? a : b !== undefined ? b : null);
  const annotation = container ? pod.metadata.annotations?.[APPARMOR_ANNOTATION + container.name] : undefined;
  const appArmor = sc.appArmorProfile ?? podSc.appArmorProfile ?? annotationProfile(annotation);
  const security: SecuritySpec = {
    privileged: sc.privileged === true,
    allowPrivilegeEscalation: sc.allowPrivilegeEscalation ?? null,
    capabilitiesAdd: names(sc.capabilities?.add).map(capabilityFullName),
    capabilitiesDrop: names(sc.capabilities?.drop).map(capabilityFullName),
    runAsUser: pick(sc.runAsUser, podSc.runAsUser),
    runAsGroup: pick(sc.runAsGroup, podSc.runAsGroup),
    runAsNonRoot: pick(sc.runAsNonRoot, podSc.runAsNonRoot),
    seccompProfile: pick(sc.seccompProfile?.type, podSc.seccompProfile?.type),
    appArmorProfile: appArmor?.type ?? null,
    appArmorLocalhostProfile: appArmor?.localhostProfile ?? null,
    hostUsers: spec.hostUsers !== false,
    hostPID: spec.hostPID === true,
    hostNetwork: spec.hostNetwork === true,
    hostIPC: spec.hostIPC === true,
    procMount: typeof sc.procMount === 'string' ? sc.procMount : null,
    hostPathVolumes: volumes.filter((v) => v.hostPath).map((v) => String(v.hostPath?.path ?? '')),
    hostPathMounts: mounts.filter((m) => hostPathNames.has(m.name)).map((m) => m.mountPath),
    hostPorts: ports.map((p) => p.hostPort).filter((n): n is number => typeof n === 'number' && n !== 0),
    sysctls: list<{ name?: unknown }>(podSc.sysctls).map((x) => String(x?.name ?? '')).filter(Boolean),
    otherVolumeTypes: [...new Set(volumes.flatMap((v) => Object.keys(v).filter((k) => k !== 'name' && !RESTRICTED_VOLUMES.has(k))))],
    seLinuxType: sc.seLinuxOptions?.type ?? podSc.seLinuxOptions?.type ?? null,
    seLinuxUser: sc.seLinuxOptions?.user ?? podSc.seLinuxOptions?.user ?? null,
    seLinuxRole: sc.seLinuxOptions?.role ?? podSc.seLinuxOptions?.role ?? null,
    hostProcess: (sc.windowsOptions?.hostProcess ?? podSc.windowsOptions?.hostProcess) === true,
  };
  return { scope: 'pod', security, terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30 };
}

/** A list the spec gives, or none when it is not a list (a hand-made object). */
function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/** A list of capability names as the spec gives it; anything else (a hand-made object) counts as none. */
function names(list: unknown): string[] {
  return Array.isArray(list) ? list.filter((n): n is string => typeof n === 'string') : [];
}

/** "runtime/default", "localhost/NAME", "unconfined" → the field's shape. */
function annotationProfile(value: string | undefined): { type: string; localhostProfile?: string } | undefined {
  if (!value) return undefined;
  if (value === 'runtime/default') return { type: 'RuntimeDefault' };
  if (value === 'unconfined') return { type: 'Unconfined' };
  if (value.startsWith('localhost/')) return { type: 'Localhost', localhostProfile: value.slice('localhost/'.length) };
  return undefined;
}

const ENFORCE = 'pod-security.kubernetes.io/enforce';
const LEVEL_NAMES = ['privileged', 'baseline', 'restricted'] as const;

/**
 * A namespace's enforce label → the level admission holds its pods to, as
 * the admission plugin reads it: no label, no level; an unknown level is
 * enforced as restricted, an unknown version as latest, each said once.
 * https://kubernetes.io/docs/concepts/security/pod-security-admission/
 */
export function namespaceLevel(namespace: string, labels: Record<string, string>, warn: (line: string) => void): NamespaceLevel | null {
  const raw = labels[ENFORCE];
  if (raw === undefined) return null;
  let level = LEVEL_NAMES.find((l) => l === raw);
  if (!level) {
    warn(`namespace ${namespace}: ${ENFORCE}=${JSON.stringify(raw)} is not a level; admission enforces restricted, and so it is judged`);
    level = 'restricted';
  }
  const rawVersion = labels[`${ENFORCE}-version`];
  let version = rawVersion ?? 'latest';
  if (rawVersion !== undefined && rawVersion !== 'latest' && !/^v1\.\d{1,3}$/.test(rawVersion)) {
    warn(`namespace ${namespace}: ${ENFORCE}-version=${JSON.stringify(rawVersion)} is not a version; judged at latest`);
    version = 'latest';
  }
  return { namespace, level, version };
}

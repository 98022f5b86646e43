import { capabilityFullName } from '../decode/capabilities.js';
import type { FindingPolicy, SecuritySpec } from '../judge/policy.js';
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
}

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
  };
  return { scope: 'pod', security, terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30 };
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

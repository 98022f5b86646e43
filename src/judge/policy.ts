/**
 * What the findings stage needs to know besides the process: a narrow policy,
 * derived once per container from its pod (src/sources/policy.ts), never the
 * Pod object itself.
 */
export interface FindingPolicy {
  /** "pod": a container's process. "host": this machine's, or a node's outside any pod. */
  scope: 'pod' | 'host';
  /** The container's effective security settings; null when the spec is unknown (host processes). */
  security: SecuritySpec | null;
  /** Seconds a pod is given to stop before SIGKILL. */
  terminationGracePeriodSeconds: number;
  /** The namespace's Pod Security admission level (pod-security.kubernetes.io/enforce), when it was read. */
  namespaceLevel?: NamespaceLevel | null;
}

/** A namespace's enforce label, as admission reads it: an unknown value is enforced as restricted. */
export interface NamespaceLevel {
  namespace: string;
  level: 'privileged' | 'baseline' | 'restricted';
  /** The label's version, or latest. */
  version: string;
}

/**
 * The security settings that apply to one container: its securityContext
 * over the pod's, as the API defines ("settings in the container override
 * the pod's").
 * https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
 */
export interface SecuritySpec {
  privileged: boolean;
  allowPrivilegeEscalation: boolean | null;
  /** Full names: "CAP_NET_ADMIN"; "CAP_ALL" for ALL. */
  capabilitiesAdd: string[];
  capabilitiesDrop: string[];
  runAsUser: number | null;
  runAsGroup: number | null;
  runAsNonRoot: boolean | null;
  /** RuntimeDefault, Localhost, Unconfined, or null when unset. */
  seccompProfile: string | null;
  /** RuntimeDefault, Localhost, Unconfined, or null when unset (the field or the older annotation). */
  appArmorProfile: string | null;
  /** The Localhost AppArmor profile name, when that is the type. */
  appArmorLocalhostProfile: string | null;
  /** false: the pod asked for its own user namespace. */
  hostUsers: boolean;
  hostPID: boolean;
  hostNetwork: boolean;
  hostIPC: boolean;
  /** securityContext.procMount: Default, Unmasked, or null when unset. */
  procMount: string | null;
  /** The pod's hostPath volumes (their paths), and where this container mounts any of them. */
  hostPathVolumes: string[];
  hostPathMounts: string[];
  /** hostPort of this container's ports, where set. */
  hostPorts: number[];
  /** The pod's sysctls. */
  sysctls: string[];
  /** Volume types the pod uses outside restricted's list (hostPath, nfs, …). */
  otherVolumeTypes: string[];
  /** seLinuxOptions: type, user, role, as set. */
  seLinuxType: string | null;
  seLinuxUser: string | null;
  seLinuxRole: string | null;
  /** windowsOptions.hostProcess. */
  hostProcess: boolean;
}

export const HOST_POLICY: FindingPolicy = { scope: 'host', security: null, terminationGracePeriodSeconds: 30 };

/** Each namespace's Pod Security level, looked up by name. */
export type NamespaceLevels = Pick<ReadonlyMap<string, NamespaceLevel | null>, 'get'>;

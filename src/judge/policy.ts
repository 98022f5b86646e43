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
}

export const HOST_POLICY: FindingPolicy = { scope: 'host', security: null, terminationGracePeriodSeconds: 30 };

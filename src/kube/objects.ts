/**
 * The parts of the API's objects this tool reads, as types only: what
 * pod.ts checks an answer against, and what every reader of a pod names.
 * https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/
 */

/** The parts of a v1 Pod this tool reads. */
export interface Pod {
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid?: string; controller?: boolean }[];
  };
  spec: {
    containers: ContainerSpec[];
    initContainers?: ContainerSpec[];
    ephemeralContainers?: ContainerSpec[];
    nodeName?: string;
    os?: { name?: string };
    nodeSelector?: Record<string, string>;
  };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    ephemeralContainerStatuses?: ContainerStatus[];
  };
}

export interface ContainerSpec {
  name: string;
  image?: string;
  securityContext?: Record<string, unknown>;
}

export interface ContainerStatus {
  name: string;
  containerID?: string;
  state?: {
    running?: object;
    waiting?: { reason?: string; message?: string };
    terminated?: { reason?: string; exitCode?: number; message?: string };
  };
}

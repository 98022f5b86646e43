/**
 * /proc/PID/cgroup → the pod and container the kubelet put the process in.
 * Lines are "hierarchy-ID:controllers:path" (cgroup v2 has one line, "0::path";
 * v1 one per hierarchy). The kubelet names a pod's cgroup after its UID and
 * the runtime names a container's after its ID:
 * - systemd driver: kubepods.slice/kubepods-besteffort.slice/
 *   kubepods-besteffort-pod<uid, "-" as "_">.slice/cri-containerd-<id>.scope
 *   (guaranteed pods sit directly under kubepods.slice; CRI-O's scopes are
 *   crio-<id>.scope, Docker's docker-<id>.scope);
 * - cgroupfs driver: /kubepods/besteffort/pod<uid>/<id>.
 * Nested setups (kind, a node inside a container) put more in front, so the
 * pattern is searched anywhere in the path.
 * https://kubernetes.io/docs/concepts/architecture/cgroups/
 * https://github.com/kubernetes/kubernetes/blob/master/pkg/kubelet/cm/cgroup_manager_linux.go
 * https://man7.org/linux/man-pages/man7/cgroups.7.html
 */
export interface CgroupPlacement {
  /** The pod's metadata.uid, with dashes. */
  podUid: string;
  /** The 64-hex container ID; null for the pod's own cgroup (e.g. a pause process under cgroupfs). */
  containerId: string | null;
  /** The runtime's prefix when the scope names it: "cri-containerd", "crio", "docker". */
  runtime: string | null;
}

const UID = '[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}';
const SYSTEMD = new RegExp(`kubepods(?:-(?:besteffort|burstable))?-pod(${UID})\\.slice(?:/(?:(cri-containerd|crio|docker)-)?([0-9a-f]{64})(?:\\.scope)?)?(?:/|$)`);
const CGROUPFS = new RegExp(`/kubepods(?:/(?:besteffort|burstable))?/pod(${UID})(?:/(?:(cri-containerd|crio|docker)-)?([0-9a-f]{64})(?:\\.scope)?)?(?:/|$)`);

export function parseCgroup(text: string): CgroupPlacement | null {
  let podOnly: CgroupPlacement | null = null;
  for (const line of text.split('\n').slice(0, 64)) {
    const parts = /^\d+:[^:]*:(.*)$/.exec(line);
    if (!parts) continue;
    const m = SYSTEMD.exec(parts[1]) ?? CGROUPFS.exec(parts[1]);
    if (!m) continue;
    const placement = { podUid: m[1].replace(/_/g, '-'), containerId: m[3] ?? null, runtime: m[2] ?? null };
    if (placement.containerId) return placement;
    podOnly ??= placement;
  }
  return podOnly;
}

/** "containerd://<id>", "cri-o://<id>", "docker://<id>" → the bare ID. */
export function containerIdOf(statusId: string | undefined): string | null {
  const m = /^[a-z0-9-]+:\/\/([0-9a-f]{64})$/.exec(statusId ?? '');
  return m ? m[1] : null;
}

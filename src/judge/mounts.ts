import { mountAt, type MountEntry, type Mounts } from '../procfs/mountinfo.js';

/**
 * What a container's mounts say about two Pod Security controls, read from
 * its mountinfo rather than its spec:
 * - /proc Mount Type: with procMount Default the runtime masks these paths
 *   (a bind of /dev/null over a file, an empty read-only tmpfs over a
 *   directory) and makes these read-only; Unmasked, and privileged, leave
 *   /proc as it is. Paths the kernel does not have are skipped by the runtime.
 *   https://github.com/kubernetes/kubernetes/blob/master/pkg/securitycontext/util.go (defaultMaskedPaths)
 * - HostPath Volumes: a bind mount of a host path outside the directories the
 *   kubelet and the runtime prepare for the pod (its volumes, /etc/hosts,
 *   resolv.conf, the termination log).
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
export const MASKED_PATHS: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export interface ProcMount {
  /** Masked paths that are masked. */
  masked: string[];
  /** Read-only paths that are read-only. */
  readOnly: string[];
  /** Read-only paths left writable: /proc/sys is on every kernel, so it is the one to look at. */
  writable: string[];
  /** Default: masked and read-only as a runtime leaves them; Unmasked: neither. */
  type: 'Default' | 'Unmasked' | 'partial';
}

export function procMountOf(mounts: Mounts): ProcMount {
  const masked = MASKED_PATHS.filter((p) => {
    const e = mountAt(mounts, p);
    // A mask is some other filesystem over the path: /dev/null's tmpfs or devtmpfs, an empty tmpfs.
    return e !== null && e.fsType !== 'proc' && e.fsType !== 'sysfs';
  });
  const proc = mountAt(mounts, '/proc');
  const procReadOnly = proc?.options.includes('ro') ?? false;
  const readOnly = READONLY_PATHS.filter((p) => procReadOnly || mountAt(mounts, p)?.options.includes('ro'));
  const writable = ['/proc/sys'].filter((p) => !readOnly.includes(p));
  const type = masked.length > 0 && writable.length === 0 ? 'Default' : masked.length === 0 && writable.length > 0 ? 'Unmasked' : 'partial';
  return { masked, readOnly, writable, type };
}

/** A host path in the container, and whether it is one of the ways out of a container. */
export interface HostMount {
  mountPoint: string;
  /** The path within its filesystem (the host path, or its tail when it is on a filesystem of its own). */
  root: string;
  fsType: string;
  /** A container runtime's socket, the host's / or a procfs elsewhere than /proc: an escape, whatever the spec says. */
  escape: 'runtime socket' | 'host root' | 'host /proc' | null;
}

/**
 * Where the kubelet and the runtimes keep what they mount into a pod (its
 * volumes and subpaths, the runtime's per-sandbox files), and where local
 * persistent volumes live: a bind from there is the pod's own.
 */
const POD_PATHS = /\/kubelet\/(pods|plugins)\/|\/pods\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/|kubernetes\.io~|io\.containerd\.|\/containers\/storage\/|\/docker\/containers\/|\/pvc-[0-9a-f]{8}-/;
const RUNTIME_SOCKET = /(^|\/)(containerd|crio|docker|dockershim|cri-dockerd)\.sock$/;
const DISK = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'zfs', 'f2fs', 'virtiofs', '9p']);

function runtimePath(p: string): boolean {
  return MASKED_PATHS.includes(p) || p === '/proc' || p.startsWith('/proc/') || p === '/sys' || p.startsWith('/sys/') ||
    p === '/dev' || p.startsWith('/dev/');
}

/**
 * The host's filesystems as this container sees them: those the kubelet's
 * and the runtime's own binds (/etc/hosts, resolv.conf, the termination
 * log) come from. A persistent volume is on a device of its own.
 */
function hostDevices(mounts: Mounts): Set<string> {
  return new Set(mounts.entries.filter((e) => e.mountPoint !== '/' && e.root !== '/' && POD_PATHS.test(e.root)).map((e) => e.device));
}

/**
 * Host paths mounted into the container, told from the kernel's mounts:
 * - escapes, whatever the spec says: a runtime's socket (by its name), a
 *   procfs somewhere other than /proc (the host's), the host's / (a disk
 *   filesystem's root on the device the pod's own files come from);
 * - a bind from the host's filesystems, outside the pod's directories;
 * - a mount the spec itself declares as a hostPath volume.
 * A bind from another filesystem (a persistent volume, its subPath) is the
 * pod's own and never counted.
 */
export function hostMountsOf(mounts: Mounts, declared: readonly string[] = []): HostMount[] {
  const host = hostDevices(mounts);
  const out: HostMount[] = [];
  for (const e of mounts.entries) {
    if (e.mountPoint === '/') continue;
    if (e.fsType === 'proc' && !runtimePath(e.mountPoint)) {
      out.push(hostMount(e, 'host /proc'));
    } else if (RUNTIME_SOCKET.test(e.root) || RUNTIME_SOCKET.test(e.mountPoint)) {
      out.push(hostMount(e, 'runtime socket'));
    } else if (runtimePath(e.mountPoint)) {
      continue;
    } else if (e.root === '/' && DISK.has(e.fsType) && host.has(e.device)) {
      out.push(hostMount(e, 'host root'));
    } else if (declared.includes(e.mountPoint) || (e.root !== '/' && host.has(e.device) && !POD_PATHS.test(e.root))) {
      out.push(hostMount(e, null));
    }
  }
  return out;
}

function hostMount(e: MountEntry, escape: HostMount['escape']): HostMount {
  return { mountPoint: e.mountPoint, root: e.root, fsType: e.fsType, escape };
}

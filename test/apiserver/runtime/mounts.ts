// The mounts a container gets from the node, worked out here and applied by
// mounts.py as the container's first process (see that file for the order):
// procfs, a tmpfs /dev with device nodes, sysfs, hostPath bind mounts, and
// the masked and read-only paths of /proc and /sys.
//
// The paths are the kubelet's: it sends them to the runtime in the CRI
// container config (pkg/securitycontext/util.go ConvertToRuntimeMaskedPaths
// and ConvertToRuntimeReadonlyPaths), containerd's CRI plugin puts them in
// the OCI spec (internal/cri/server/container_create.go), runc applies them.
//   securityContext.procMount: Unmasked  -> neither list (the API only
//     accepts it with hostUsers: false)
//   securityContext.privileged: true     -> neither list, sysfs read-write and
//     every host device (containerd's oci.WithPrivileged, WithHostDevices)
// https://kubernetes.io/docs/concepts/security/pod-security-standards/ (/proc Mount Type)
// /proc/interrupts is masked by recent Docker releases but not by the kubelet,
// so not here.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { python } from './noderuntime.ts';

/** pkg/securitycontext/util.go defaultMaskedPaths. */
export const MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** pkg/securitycontext/util.go defaultReadonlyPaths. */
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** A bind mount into the container: a hostPath volume. */
export interface BindMount {
  /** Path on the host (the node's filesystem, see hostpaths.ts). */
  source: string;
  /** Path in the container. */
  target: string;
  readOnly: boolean;
}

/** What mounts.py sets up. */
export interface MountConfig {
  /** The container's own root directory; '' keeps the host's root (proc, /dev and the masks are still the container's). */
  root: string;
  privileged: boolean;
  binds: BindMount[];
  readOnlyRoot: boolean;
  readonlyPaths: readonly string[];
  maskedPaths: readonly string[];
}

interface ProcSecurity {
  privileged?: boolean;
  procMount?: string;
}

/** The masked and read-only paths for a container's securityContext: the kubelet's lists, or none. */
export function procPaths(sc: ProcSecurity | undefined): { maskedPaths: readonly string[]; readonlyPaths: readonly string[] } {
  if (sc?.privileged === true || sc?.procMount === 'Unmasked') return { maskedPaths: [], readonlyPaths: [] };
  return { maskedPaths: MASKED_PATHS, readonlyPaths: READONLY_PATHS };
}

/** The mounts of a container with this securityContext: its root ('' for the host's), bind mounts, a read-only root. */
export function containerMounts(
  sc: ProcSecurity | undefined,
  o: { root?: string; binds?: BindMount[]; readOnlyRoot?: boolean } = {},
): MountConfig {
  return { root: o.root ?? '', privileged: sc?.privileged === true, binds: o.binds ?? [], readOnlyRoot: o.readOnlyRoot === true, ...procPaths(sc) };
}

export const MOUNTS_PY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'mounts.py');

/** argv that sets up these mounts, then execs what follows it. */
export function mountsArgv(cfg: MountConfig): string[] {
  return [python().path, MOUNTS_PY, JSON.stringify(cfg), '--'];
}

/**
 * The files one read asks for. Every process gets its status; the rest are
 * sections a process item is built from, each with its own pure parser in
 * src/procfs/. Per-container files (the image's user and group databases,
 * the kernel's boot time) are read once per exec.
 * https://man7.org/linux/man-pages/man5/proc.5.html
 */
export type ProcFile = 'status' | 'stat' | 'attr' | 'uid_map' | 'gid_map' | 'cgroup' | 'cmdline';
export type SharedFile = 'passwd' | 'group' | 'procstat';

/** Path of each per-process file under /proc/PID (or /proc/PID/task/TID). */
export const PROC_FILE_PATH: Record<ProcFile, string> = {
  status: 'status',
  stat: 'stat',
  // The LSM label: AppArmor "profile (mode)" or an SELinux context; EINVAL without an LSM.
  attr: 'attr/current',
  uid_map: 'uid_map',
  gid_map: 'gid_map',
  cgroup: 'cgroup',
  cmdline: 'cmdline',
};

export const SHARED_FILE_PATH: Record<SharedFile, string> = {
  passwd: '/etc/passwd',
  group: '/etc/group',
  // "btime": the boot time, which turns a process's start (in clock ticks since boot) into a date.
  procstat: '/proc/stat',
};

/** What one container read asks for: a read spec, decided once from the options. */
export interface ReadSpec {
  pids: number[] | 'all';
  threads: boolean;
  /** Per-process files; 'status' is always first. */
  files: ProcFile[];
  shared: SharedFile[];
}

/**
 * The standard read: status plus the sections the findings and the wide
 * columns use. The command line only when asked for: it can hold secrets.
 */
export function readSpec(pids: number[] | 'all', threads: boolean, opts: { cmdline?: boolean; cgroup?: boolean } = {}): ReadSpec {
  const files: ProcFile[] = ['status', 'stat', 'attr', 'uid_map', 'gid_map'];
  if (opts.cgroup) files.push('cgroup');
  if (opts.cmdline) files.push('cmdline');
  return { pids, threads, files, shared: ['passwd', 'group', 'procstat'] };
}

/** The most bytes kept of one file's frame: no kernel file of these is near it. */
export const MAX_FRAME = 256 * 1024;

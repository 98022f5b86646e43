/**
 * The files one read asks for. Every process gets its status; the rest are
 * sections a process item is built from, each with its own pure parser in
 * src/procfs/. Per-container files (the image's user and group databases,
 * the kernel's boot time) are read once per exec.
 * https://man7.org/linux/man-pages/man5/proc.5.html
 */
export type ProcFile = 'status' | 'stat' | 'attr' | 'uid_map' | 'gid_map' | 'cgroup' | 'cmdline';
export type SharedFile = 'passwd' | 'group' | 'procstat' | 'uptime' | 'self_attr' | 'self_uid_map' | 'self_gid_map' | 'self_mountinfo' | 'pid2_stat';

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
  // Seconds since boot, to the hundredth: how long a process has run, and its CPU share, as ps computes them.
  uptime: '/proc/uptime',
  // The exec'd read itself runs in the container's user namespace and under its
  // LSM profile (runc applies both to exec'd processes), so its own files stand
  // for every process of the container, at three opens per container instead
  // of three per process.
  self_attr: '/proc/self/attr/current',
  self_uid_map: '/proc/self/uid_map',
  self_gid_map: '/proc/self/gid_map',
  // The container's mounts (the read runs in its mount namespace): its masked and read-only /proc paths, and host paths.
  self_mountinfo: '/proc/self/mountinfo',
  // PID 2 of the PID namespace: kthreadd, a kernel thread, only in the host's (a container sharing it: hostPID).
  pid2_stat: '/proc/2/stat',
};

/** Files about the kernel or the PID namespace, the same whichever container reads them: a debug container (which shares the PID namespace) may read them too. */
export const NAMESPACE_FILES: readonly SharedFile[] = ['procstat', 'uptime', 'pid2_stat'];

/** What one container read asks for: a read spec, decided once from the options. */
export interface ReadSpec {
  pids: number[] | 'all';
  threads: boolean;
  /** Per-process files; 'status' is always first. */
  files: ProcFile[];
  shared: SharedFile[];
}


/**
 * The standard read: status and stat (the start time) of each process, plus
 * the sections the findings and the wide columns use. Every file opened costs
 * time in the container (about 0.15 ms each on a small VM, so a 400-process
 * read is bound by opens), so a container read takes its user-namespace maps
 * and LSM label once, from the read's own process (`perContainer`); a node or
 * the local machine, whose processes differ, reads them per process. The
 * command line only when asked for: it can hold secrets. Start times (stat)
 * and account names (passwd, group) only when the output shows them: a
 * table of many rows does not.
 */
export function readSpec(pids: number[] | 'all', threads: boolean,
  opts: { cmdline?: boolean; cgroup?: boolean; perContainer?: boolean; startTimes?: boolean; accounts?: boolean } = {}): ReadSpec {
  const files: ProcFile[] = ['status'];
  const shared: SharedFile[] = [];
  if (opts.startTimes ?? true) {
    files.push('stat');
    shared.push('procstat', 'uptime');
  }
  if (opts.accounts ?? true) shared.unshift('passwd', 'group');
  if (opts.perContainer) shared.push('self_attr', 'self_uid_map', 'self_gid_map', 'self_mountinfo', 'pid2_stat');
  else files.push('attr', 'uid_map', 'gid_map');
  if (opts.cgroup) files.push('cgroup');
  if (opts.cmdline) files.push('cmdline');
  return { pids, threads, files, shared };
}

/** The most bytes kept of one file's frame: no kernel file of these is near it. */
export const MAX_FRAME = 256 * 1024;

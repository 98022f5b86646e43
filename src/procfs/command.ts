/**
 * The command run in the container. Explicit PIDs need no shell: cat takes
 * the paths as separate argv entries, and the PIDs are integers checked
 * before this point, so no user text reaches a shell. --all-pids needs a glob,
 * so a fixed sh script: it prints its own PID, then becomes cat (exec keeps
 * the PID), so the one helper process in the container is known and left out.
 */
export const ALL_PIDS_SCRIPT = 'echo $$; exec cat /proc/[0-9]*/status';
export const ALL_THREADS_SCRIPT = 'echo $$; exec cat /proc/[0-9]*/task/[0-9]*/status';
/**
 * --threads with explicit PIDs needs a glob per PID. The PIDs go in as sh's
 * positional parameters ("$@"), never into the script text.
 */
export const THREADS_SCRIPT = 'for p do cat /proc/"$p"/task/[0-9]*/status; done';

export function statusCommand(pids: number[] | 'all', threads = false): string[] {
  if (pids === 'all') return ['sh', '-c', threads ? ALL_THREADS_SCRIPT : ALL_PIDS_SCRIPT];
  if (threads) return ['sh', '-c', THREADS_SCRIPT, 'sh', ...pids.map(String)];
  return ['cat', ...pids.map((pid) => `/proc/${pid}/status`)];
}

/**
 * Reading through an ephemeral debug container that shares the target's PID
 * namespace: the script first prints the PIDs in its own mount namespace (its
 * own processes: the container's command, this shell), which are then left
 * out, so the debug container is never presented as the target. For another
 * user's process readlink fails, which also means "not ours". Then it becomes
 * cat. The mode and the PIDs come in as positional parameters.
 * https://kubernetes.io/docs/concepts/workloads/pods/ephemeral-containers/
 */
export const DEBUG_SCRIPT = [
  'self=$(readlink /proc/self/ns/mnt)',
  'for p in /proc/[0-9]*; do [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$self" ] && printf "%s " "${p#/proc/}"; done',
  'echo',
  'mode=$1; shift',
  'case $mode in',
  '  all) exec cat /proc/[0-9]*/status;;',
  '  all-threads) exec cat /proc/[0-9]*/task/[0-9]*/status;;',
  '  threads) for p do cat /proc/"$p"/task/[0-9]*/status; done;;',
  '  *) for p do cat /proc/"$p"/status; done;;',
  'esac',
].join('\n');

export function debugCommand(pids: number[] | 'all', threads = false): string[] {
  if (pids === 'all') return ['sh', '-c', DEBUG_SCRIPT, 'sh', threads ? 'all-threads' : 'all'];
  return ['sh', '-c', DEBUG_SCRIPT, 'sh', threads ? 'threads' : 'pids', ...pids.map(String)];
}

/**
 * The first stdout line of the shell scripts: the helper's own PID (--all-pids),
 * or every PID of the debug container's own (debugCommand).
 */
export function splitHelperPids(stdout: string): { helpers: Set<number> | null; rest: string } {
  const m = /^((?:\d{1,7} ?)*)\n/.exec(stdout);
  if (!m) return { helpers: null, rest: stdout };
  return { helpers: new Set(m[1].split(' ').filter(Boolean).map(Number)), rest: stdout.slice(m[0].length) };
}

/**
 * cat's complaints on stderr → the PIDs they are about. GNU cat prints
 * "cat: /proc/7/status: No such file or directory".
 */
export function missingFromStderr(stderr: string): Map<number, string> {
  const missing = new Map<number, string>();
  // busybox: "cat: can't open '/proc/7/status': No such file or directory"
  for (const m of stderr.matchAll(/\/proc\/(\d+)\/(?:task\/[^/\n]+\/)?status'?: ([^\n]*)/g)) {
    const why = /no such file/i.test(m[2]) ? 'no such process'
      : /permission denied/i.test(m[2]) ? `permission denied reading /proc/${m[1]}/status` : m[2].slice(0, 200);
    missing.set(Number(m[1]), why);
  }
  return missing;
}

/**
 * Did the runtime fail to start the command at all? containerd/CRI-O say
 * `exec: "cat": executable file not found in $PATH`; a shell says
 * "cat: not found" with exit code 127.
 */
export function missingExecutable(message: string, exitCode: number | null): string | null {
  const m = /exec: "([^"]+)": executable file not found/.exec(message) ??
    /no such file or directory: unknown/.exec(message) ??
    (exitCode === 127 ? /(\w+): (?:command )?not found/.exec(message) : null);
  if (!m) return null;
  return m[1] && !m[1].includes(' ') ? m[1] : 'the command';
}

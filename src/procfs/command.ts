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

/** The first stdout line of the --all-pids script: the helper's own PID. */
export function splitSelfPid(stdout: string): { self: number | null; rest: string } {
  const m = /^(\d{1,7})\n/.exec(stdout);
  return m ? { self: Number(m[1]), rest: stdout.slice(m[0].length) } : { self: null, rest: stdout };
}

/**
 * cat's complaints on stderr → the PIDs they are about. GNU cat and busybox
 * both print "cat: /proc/7/status: No such file or directory".
 */
export function missingFromStderr(stderr: string): Map<number, string> {
  const missing = new Map<number, string>();
  for (const m of stderr.matchAll(/\/proc\/(\d+)\/(?:task\/[^/\n]+\/)?status: ([^\n]*)/g)) {
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

/**
 * The command run in the container. Explicit PIDs need no shell: cat takes
 * the paths as separate argv entries, and the PIDs are integers checked
 * before this point, so no user text reaches a shell. --all-pids needs a glob,
 * so a fixed sh script: it prints its own PID, then becomes cat (exec keeps
 * the PID), so the one helper process in the container is known and left out.
 */
export const ALL_PIDS_SCRIPT = 'echo $$; exec cat /proc/[0-9]*/status';

export function statusCommand(pids: number[] | 'all'): string[] {
  if (pids === 'all') return ['sh', '-c', ALL_PIDS_SCRIPT];
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
  for (const m of stderr.matchAll(/\/proc\/(\d+)\/status: ([^\n]*)/g)) {
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

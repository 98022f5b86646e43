/**
 * /proc/PID/stat: one line, "pid (comm) state ppid … starttime …". comm is
 * printed raw (it may hold spaces, parentheses and even newlines), so the
 * fields after it are found from the LAST ")". starttime is field 22, in
 * clock ticks since boot.
 * https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html
 */
export interface StatRecord {
  /** Clock ticks after boot at which the process started. */
  startTicks: number;
}

export function parseStat(text: string): StatRecord | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  // Fields 3.. after "pid (comm) "; starttime is field 22, the 20th of these.
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const raw = rest[19];
  if (raw === undefined || !/^\d{1,20}$/.test(raw)) return null;
  const startTicks = Number(raw);
  return Number.isSafeInteger(startTicks) ? { startTicks } : null;
}

/**
 * /proc/stat's "btime": seconds since the epoch at boot. With starttime it
 * dates a process's start.
 */
export function parseBootTime(text: string): number | null {
  const m = /^btime\s+(\d{1,12})\s*$/m.exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * USER_HZ: the kernel reports times to user space in 1/100 s on every
 * architecture Kubernetes runs on (sysconf(_SC_CLK_TCK) is 100; it is a
 * fixed ABI value, not CONFIG_HZ).
 * https://man7.org/linux/man-pages/man7/time.7.html
 */
export const USER_HZ = 100;

/**
 * /proc/PID/stat: one line, "pid (comm) state ppid pgrp … starttime …".
 * comm is printed raw (it may hold spaces, parentheses and even newlines),
 * so the fields after it are found from the LAST ")". Times are in clock
 * ticks (USER_HZ).
 * https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html
 */
export interface StatRecord {
  /** Clock ticks after boot at which the process started (field 22). */
  startTicks: number;
  /** Process group (field 5). */
  pgrp: number | null;
  /** The controlling terminal's device number, 0 for none (field 7). */
  ttyNr: number | null;
  /** CPU time in user and kernel mode, in clock ticks (fields 14 and 15). */
  utime: number | null;
  stime: number | null;
  /** -20..19 (field 19); meaningless under a real-time policy. */
  nice: number | null;
  /** The scheduling policy (field 41): 1 SCHED_FIFO and 2 SCHED_RR are real-time. */
  policy: number | null;
}

/** Field N of stat (1-based) from the words after the comm, which start at field 3. */
function field(rest: string[], n: number): number | null {
  const raw = rest[n - 3];
  if (raw === undefined || !/^-?\d{1,20}$/.test(raw)) return null;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : null;
}

export function parseStat(text: string): StatRecord | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const startTicks = field(rest, 22);
  if (startTicks === null || startTicks < 0) return null;
  return {
    startTicks,
    pgrp: field(rest, 5),
    ttyNr: field(rest, 7),
    utime: field(rest, 14),
    stime: field(rest, 15),
    nice: field(rest, 19),
    policy: field(rest, 41),
  };
}

/**
 * A tty_nr as ps names it: "?" for none, pts/N for pseudo-terminals
 * (majors 136-143), ttyN and ttySN for consoles and serial lines (major 4),
 * else major:minor. The kernel's encoding: major in bits 8-19, minor in
 * bits 0-7 and 20-31 (new_encode_dev).
 * https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html
 */
export function ttyName(ttyNr: number): string {
  if (ttyNr === 0) return '?';
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >>> 20) << 8);
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4) return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
  if (major === 5 && minor === 1) return 'console';
  return `${major}:${minor}`;
}

/**
 * Whether a stat line is a kernel thread's: PF_KTHREAD (0x00200000) in its
 * flags (field 9). Only the host's PID namespace holds kernel threads.
 * https://github.com/torvalds/linux/blob/master/include/linux/sched.h (PF_KTHREAD)
 */
export function isKernelThread(text: string): boolean | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const flags = Number(text.slice(close + 1).trim().split(/\s+/)[9 - 3]);
  return Number.isSafeInteger(flags) ? (flags & 0x00200000) !== 0 : null;
}

/** /proc/uptime: seconds since boot, to the hundredth (the first number). */
export function parseUptime(text: string): number | null {
  const m = /^\s*(\d{1,12}(?:\.\d{1,9})?)\s/.exec(text);
  return m ? Number(m[1]) : null;
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

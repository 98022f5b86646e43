import type { DecodedSet } from './capabilities.js';
import { parseMask } from './mask.js';

/**
 * Signal numbers 1..31 as on x86_64 and arm64 (asm-generic numbering).
 * In the status masks, signal N is bit N-1 (render_sigset_t in fs/proc/array.c).
 * https://man7.org/linux/man-pages/man7/signal.7.html
 */
const STANDARD: readonly string[] = [
  '', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE',
  'SIGKILL', 'SIGUSR1', 'SIGSEGV', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT',
  'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGXCPU',
  'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS',
];

/**
 * 32 and 33 are reserved by glibc for NPTL and have no name of their own;
 * 34 is the first real-time signal glibc hands out (SIGRTMIN), 64 is SIGRTMAX.
 */
export function signalName(signal: number): string {
  if (signal >= 1 && signal <= 31) return STANDARD[signal];
  if (signal === 32 || signal === 33) return `SIG${signal}`;
  if (signal === 34) return 'SIGRTMIN';
  if (signal >= 35 && signal <= 63) return `SIGRTMIN+${signal - 34}`;
  if (signal === 64) return 'SIGRTMAX';
  return `SIG${signal}`;
}

/** Each distinct mask decoded once (see decodeCapabilities). */
const decoded = new Map<string, DecodedSet>();

export function decodeSignals(raw: string | undefined): DecodedSet {
  const hit = raw !== undefined ? decoded.get(raw) : undefined;
  if (hit) return hit;
  const parsed = parseMask(raw);
  if (!parsed.ok) return { mask: parsed.mask, names: null, error: parsed.error };
  const set = { mask: parsed.mask, names: parsed.bits.map((bit) => signalName(bit + 1)) };
  if (decoded.size < 4096) decoded.set(raw!, set);
  return set;
}

/** SigQ is "queued/limit" (fs/proc/array.c task_sig). */
export function parseSigQ(raw: string | undefined): { queued: number | null; limit: number | null } {
  const m = /^\s*(\d+)\/(\d+)\s*$/.exec(raw ?? '');
  if (!m) return { queued: null, limit: null };
  return { queued: Number(m[1]), limit: Number(m[2]) };
}

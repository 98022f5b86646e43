/**
 * Runs `fn` when the clock reaches `deadline` (ms since the epoch; Infinity:
 * never). Returns what cancels it. setTimeout takes at most 2^31-1 ms, so a
 * far deadline is held there.
 */
export function atDeadline(deadline: number, fn: () => void): () => void {
  if (!Number.isFinite(deadline)) return () => {};
  const timer = setTimeout(fn, Math.max(0, Math.min(deadline - Date.now(), 2 ** 31 - 1)));
  return () => clearTimeout(timer);
}

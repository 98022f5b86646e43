/**
 * Asks `check` again and again, 100 ms apart at first, doubling to once a
 * second, until it returns a value (not undefined), the time is up (0: no
 * limit), or the signal aborts; then returns what it last said, or null when
 * it never answered. The one polling loop: a debug container and a node's
 * reader pod both wait for their container this way (no watch needed, as
 * `kubectl debug` without -i does not need one either).
 */
export async function pollUntil<T>(check: () => Promise<T | undefined>, o: { timeoutMs: number; signal?: AbortSignal }): Promise<T | null> {
  const deadline = o.timeoutMs > 0 ? Date.now() + o.timeoutMs : Infinity;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() + delay > deadline || o.signal?.aborted) return null;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, delay);
      function done() {
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', done);
        resolve();
      }
      o.signal?.addEventListener('abort', done, { once: true });
    });
  }
}

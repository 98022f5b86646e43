/**
 * Runs `work` over the inputs, at most `limit` at once, and yields the
 * results in the inputs' order, each as soon as it and every one before it
 * are done. At most `window` results wait for an earlier, slower one, so
 * memory holds a window of results however long the input is; inputs are
 * pulled only as there is room. When the input itself fails (a list page that
 * cannot be fetched), the work already pulled is still finished and yielded,
 * in order, and the input's failure is thrown after it: what was listed
 * before the failure is read, not dropped unsaid.
 */
export async function* ordered<T, R>(inputs: AsyncIterable<T> | Iterable<T>, limit: number, work: (input: T) => Promise<R>,
  window = Math.max(limit * 4, 16)): AsyncGenerator<R> {
  const iterator = Symbol.asyncIterator in inputs
    ? (inputs as AsyncIterable<T>)[Symbol.asyncIterator]()
    : toAsync((inputs as Iterable<T>)[Symbol.iterator]());
  const queue: { done: boolean; result: Promise<R> }[] = [];
  let running = 0;
  let exhausted = false;
  let failed: { err: unknown } | null = null;
  let wake: () => void = () => {};
  try {
    for (;;) {
      while (!exhausted && running < limit && queue.length < window) {
        let next: IteratorResult<T>;
        try {
          next = await iterator.next();
        } catch (err) {
          exhausted = true;
          failed = { err };
          break;
        }
        if (next.done) {
          exhausted = true;
          break;
        }
        running++;
        const entry = { done: false, result: null as unknown as Promise<R> };
        entry.result = work(next.value).finally(() => {
          running--;
          entry.done = true;
          wake();
        });
        // A failure is thrown where its result is taken, in order; until then it is not unhandled.
        entry.result.catch(() => {});
        queue.push(entry);
      }
      if (queue.length === 0) {
        if (failed) throw failed.err;
        return;
      }
      if (queue[0].done) {
        yield await queue.shift()!.result;
        continue;
      }
      // Wait for any work to finish: the head (to yield it), or another (to start the next input).
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    await iterator.return?.();
    // Whatever is still running finishes on its own (it was told to stop through its signal); nothing waits for it.
  }
}

function toAsync<T>(it: Iterator<T>): AsyncIterator<T> {
  return {
    next: async () => it.next(),
    return: async () => (it.return ? it.return() : { done: true, value: undefined }),
  };
}

// ordered(): bounded concurrency, results in the inputs' order, and an input
// that fails part way (a list page that cannot be fetched) after what it gave.
import { describe, expect, it } from 'vitest';
import { ordered } from '../src/sources/pool.js';

const later = <T>(value: T, ms: number) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

async function collect<R>(results: AsyncIterable<R>): Promise<{ got: R[]; error: unknown }> {
  const got: R[] = [];
  try {
    for await (const r of results) got.push(r);
  } catch (error) {
    return { got, error };
  }
  return { got, error: null };
}

describe('ordered', () => {
  it('yields in the inputs\' order, whichever finishes first, never more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const { got, error } = await collect(ordered([30, 5, 20, 1, 10], 2, async (ms) => {
      most = Math.max(most, ++running);
      await later(null, ms);
      running--;
      return ms;
    }));
    expect(error).toBeNull();
    expect(got).toEqual([30, 5, 20, 1, 10]);
    expect(most).toBe(2);
  });

  it('an input that fails part way: everything pulled before is still worked on and yielded, then the failure', async () => {
    async function* inputs() {
      yield 1;
      yield 2;
      yield 3;
      throw new Error('page 2 could not be listed');
    }
    const done: number[] = [];
    const { got, error } = await collect(ordered(inputs(), 2, async (n) => {
      await later(null, 10 * (4 - n));
      done.push(n);
      return n * 10;
    }));
    expect(got).toEqual([10, 20, 30]);
    expect(done.sort()).toEqual([1, 2, 3]);
    expect((error as Error).message).toBe('page 2 could not be listed');
  });

  it('a failed input with nothing pulled is thrown at once', async () => {
    // eslint-disable-next-line require-yield
    async function* inputs(): AsyncGenerator<number> {
      throw new Error('forbidden');
    }
    const { got, error } = await collect(ordered(inputs(), 4, async (n) => n));
    expect(got).toEqual([]);
    expect((error as Error).message).toBe('forbidden');
  });

  it('a failed piece of work is thrown where its result is due, after the ones before it', async () => {
    const { got, error } = await collect(ordered([1, 2, 3], 3, async (n) => {
      if (n === 2) throw new Error('two');
      return n;
    }));
    expect(got).toEqual([1]);
    expect((error as Error).message).toBe('two');
  });
});

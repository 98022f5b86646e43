import { CliError } from '../errors.js';
import { withRetry, type ApiWhat, type CallOptions } from './api.js';
import type { Cluster } from './config.js';
import { ApiError } from './errors.js';
import { requestJson } from './http.js';

export interface ListOptions extends CallOptions {
  /** Items a page; 0 asks for the whole list at once. */
  chunkSize: number;
  /** Said once when the list had to go on with an inconsistent-list token. */
  warn: (line: string) => void;
}

export interface ListPage<T> {
  items: T[];
  /** How many items the server says are left after this page (remainingItemCount), when it says. */
  remaining: number | null;
}

interface ListBody<T> {
  metadata?: { continue?: string; remainingItemCount?: number; resourceVersion?: string };
  items?: T[] | null;
}

/**
 * A list as kubectl makes it: `limit` items a page, each further page asked
 * with the `continue` token of the one before, so neither the API server nor
 * this process holds the whole list at once. Pages are yielded as they come;
 * the next one is already being fetched while the caller works on this one.
 *
 * A token the server has compacted past answers 410 Expired, whose Status
 * carries a token that continues the list from there, inconsistently
 * (objects changed meanwhile may be missing or seen twice): the list goes on
 * with it, and says so once. Any other failure ends the list with one line
 * naming the page and what was read before it.
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks
 */
export async function* listPages<T>(cluster: Cluster, path: string, what: ApiWhat, o: ListOptions): AsyncGenerator<ListPage<T>> {
  let read = 0;
  let page = 1;
  let inconsistent = false;
  const fetchPage = async (token: string | null): Promise<ListBody<T>> => {
    for (;;) {
      const url = pageUrl(path, o.chunkSize, token);
      const got: { body: ListBody<T> | undefined } | { expired: string } = await withRetry(cluster, what, o, async () => {
        try {
          return { body: await requestJson<ListBody<T> | undefined>(cluster, 'GET', url, o.timeoutMs, undefined, o.signal) };
        } catch (err) {
          const next = expiredToken(err);
          if (next !== null) return { expired: next };
          throw err;
        }
      }).catch((err: unknown) => {
        const e = err instanceof CliError ? err : new CliError(String((err as Error)?.message ?? err));
        if (page === 1) throw e;
        throw e.prefixed(`listing ${what.resource} stopped at page ${page}, after ${read} ${what.resource} read: `);
      });
      if ('body' in got) return got.body ?? {};
      if (!inconsistent) {
        inconsistent = true;
        o.warn(`the API server expired the list of ${what.resource} after ${read} (its continue token was compacted); ` +
          'going on with the inconsistent-list token it gave: objects created, changed or deleted since the list began may be missing or seen twice');
      }
      token = got.expired;
    }
  };
  let next: Promise<ListBody<T>> | null = fetchPage(null);
  while (next) {
    const body: ListBody<T> = await next;
    const token = body.metadata?.continue || null;
    const items = Array.isArray(body.items) ? body.items : [];
    read += items.length;
    page++;
    // The next page is on its way while this one is worked on: one page ahead, no more.
    next = token ? fetchPage(token) : null;
    next?.catch(() => {});
    // The last page has no token: nothing is left, whatever the count says.
    yield { items, remaining: !token ? 0 : typeof body.metadata?.remainingItemCount === 'number' ? body.metadata.remainingItemCount : null };
  }
}

/** Every item of a list (small lists: a node's pods, the nodes, the namespaces). */
export async function listAll<T>(cluster: Cluster, path: string, what: ApiWhat, o: ListOptions): Promise<T[]> {
  const all: T[] = [];
  for await (const page of listPages<T>(cluster, path, what, o)) all.push(...page.items);
  return all;
}

function pageUrl(path: string, limit: number, token: string | null): string {
  const params = new URLSearchParams();
  if (limit > 0) params.set('limit', String(limit));
  if (token) params.set('continue', token);
  const query = params.toString();
  if (!query) return path;
  return `${path}${path.includes('?') ? '&' : '?'}${query}`;
}

/** A 410 Expired page → the inconsistent-list token its Status carries, else null. */
function expiredToken(err: unknown): string | null {
  if (!(err instanceof ApiError) || err.code !== 410 || err.status?.reason !== 'Expired') return null;
  return err.status.metadata?.continue || null;
}

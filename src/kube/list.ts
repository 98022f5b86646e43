import { CliError } from '../errors.js';
import { withRetry, type ApiWhat, type CallOptions } from './api.js';
import type { Cluster } from './config.js';
import { ApiError } from './errors.js';
import { requestStreamed } from './http.js';
import { ListSplitter } from './list-stream.js';

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
  items: T[];
}

/** A pod object is at most a few MB (etcd's request limit); anything larger is not an item. */
const MAX_ITEM = 16 << 20;
const MAX_LIST_FIELDS = 1 << 20;

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
 *
 * Each item goes through `each` as soon as its bytes have come
 * (./list-stream.ts), with its index in the whole list: what it returns is
 * all that is kept of the item, so a page is never held as the server sent it.
 */
export async function* listPages<T>(cluster: Cluster, path: string, what: ApiWhat, o: ListOptions,
  each: (raw: unknown, index: number) => T = (raw) => raw as T): AsyncGenerator<ListPage<T>> {
  let read = 0;
  let page = 1;
  let inconsistent = false;
  const fetchPage = async (token: string | null): Promise<ListBody<T>> => {
    const base = read;
    for (;;) {
      const url = pageUrl(path, o.chunkSize, token);
      const got: { body: ListBody<T> } | { expired: string } = await withRetry(cluster, what, o, async () => {
        try {
          return {
            body: await requestStreamed(cluster, url, o.timeoutMs, o.signal, () => {
              const splitter = new ListSplitter<T>((raw, i) => each(raw, base + i), MAX_ITEM, MAX_LIST_FIELDS);
              return {
                push: (chunk: Buffer) => splitter.push(chunk),
                finish: (): ListBody<T> => {
                  const rest = splitter.finish() as { metadata?: ListBody<T>['metadata'] } | null;
                  const metadata = rest !== null && typeof rest === 'object' ? rest.metadata : undefined;
                  return { metadata: metadata !== null && typeof metadata === 'object' ? metadata : undefined, items: splitter.items };
                },
              };
            }),
          };
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
      if ('body' in got) return got.body;
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
    const items = body.items;
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
  for await (const page of listPages<T>(cluster, path, what, o)) for (const item of page.items) all.push(item);
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

// GET of a collection: pods (in a namespace or across all), nodes,
// namespaces and workloads, filtered by labelSelector and fieldSelector, as
// a List or, for `kubectl get`, a meta.k8s.io/v1 Table; in chunks with
// `limit` and `continue`, as kube-apiserver's etcd3 store pages them
// (k8s.io/apiserver/pkg/storage/etcd3/store.go GetList):
//
// - items come in etcd key order: the key without the collection's prefix
//   is `name` in a namespace and `namespace/name` across namespaces,
//   compared byte by byte;
// - a chunk holds up to `limit` matching items; the continue token
//   (api/continuetoken.ts) starts after the last one and carries the first
//   chunk's resourceVersion, which every later chunk reports again;
// - it is given whenever any key (matching or not) follows, so with a
//   selector the last chunk may come back empty;
// - remainingItemCount only without selectors: the keys after this chunk;
// - a token whose resourceVersion has been compacted (cluster/versions.ts)
//   is 410 Expired with a token that continues at the latest revision; a
//   token that does not decode is 400 `invalid continue token: ...`.
//
// No history is kept: a later chunk reads the objects as they are now,
// where etcd would read them at the token's revision.
// https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks

import { ContinueTokenError, decodeContinue, encodeContinue } from '../api/continuetoken.ts';
import { POD_FIELDS } from '../api/resources.ts';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorParseError } from '../api/selectors.ts';
import type { FieldRequirement, Requirement } from '../api/selectors.ts';
import { badRequest, CONTINUE_EXPIRED_MESSAGE, LIST_EXPIRED_MESSAGE, resourceExpired } from '../api/status.ts';
import { rawRow, tableDoc, tableRow, wantsTable } from '../api/table.ts';
import { collection, listKind } from '../cluster/collections.ts';
import type { ListEntry } from '../cluster/collections.ts';
import { currentResourceVersion, isCompacted } from '../cluster/versions.ts';
import type { ListPages } from '../server/pages.ts';
import type { ResourcePath } from '../server/paths.ts';
import { status } from '../server/reply.ts';
import type { Reply } from '../server/reply.ts';
import type { ServerContext } from './context.ts';

interface Chunk {
  entries: ListEntry[];
  listMeta: { resourceVersion: string; continue?: string; remainingItemCount?: number };
}

/** The key of an entry relative to the collection's prefix (/registry/pods/ or /registry/pods/<ns>/). */
const keyOf = (e: ListEntry, namespaced: boolean): string => (namespaced || e.namespace === undefined ? e.name : `${e.namespace}/${e.name}`);

const byKey = (a: { key: string }, b: { key: string }): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

interface Paging {
  /** 0: everything. */
  limit: number;
  /** The key to start at (from the continue token), or undefined for the first chunk. */
  start?: string;
  /** The resourceVersion the chunk reports and its continue token carries. */
  snapshot: number;
}

/** limit, continue and resourceVersion as the etcd3 store reads them; a Reply where they refuse the request. */
function paging(q: URLSearchParams, pages: ListPages): Paging | Reply {
  const rawLimit = q.get('limit');
  if (rawLimit !== null && rawLimit !== '' && !/^[-+]?\d+$/.test(rawLimit)) {
    return status(badRequest(`strconv.ParseInt: parsing ${JSON.stringify(rawLimit)}: invalid syntax`));
  }
  const limit = rawLimit ? Math.max(0, Number(rawLimit)) : 0;
  const token = q.get('continue') ?? '';
  const rvParam = q.get('resourceVersion') ?? '';
  if (!token) {
    // A chunked list at an exact old revision (the legacy resourceVersion + limit match).
    if (limit > 0 && /^\d+$/.test(rvParam) && isCompacted(Number(rvParam))) return expiredList(q, pages);
    return { limit, snapshot: currentResourceVersion() };
  }
  let decoded;
  try {
    decoded = decodeContinue(token);
  } catch (e) {
    if (e instanceof ContinueTokenError) return status(badRequest(`invalid continue token: ${e.message}`));
    throw e;
  }
  if (rvParam !== '' && rvParam !== '0') return status(badRequest('specifying resource version is not allowed when using continue'));
  if (isCompacted(decoded.rv)) return expiredList(q, pages);
  // rv -1 (the token of a 410) continues at the latest revision.
  return { limit, start: decoded.start, snapshot: decoded.rv > 0 ? decoded.rv : currentResourceVersion() };
}

export function list(ctx: ServerContext, p: ResourcePath, q: URLSearchParams, accept: string | undefined): Reply {
  let labelReqs: Requirement[];
  let fieldReqs: FieldRequirement[];
  try {
    labelReqs = parseLabelSelector(q.get('labelSelector') ?? '');
    fieldReqs = parseFieldSelector(q.get('fieldSelector') ?? '');
  } catch (e) {
    if (e instanceof SelectorParseError) return status(badRequest(e.message));
    throw e;
  }
  const allowedFields = p.resource === 'pods' ? POD_FIELDS : ['metadata.name', 'metadata.namespace'];
  const bad = fieldReqs.find((r) => !allowedFields.includes(r.field));
  if (bad) return status(badRequest(`field label not supported: ${bad.field}`));
  const pg = paging(q, ctx.pages);
  if (!('snapshot' in pg)) return pg;

  const namespaced = p.namespace !== undefined;
  const all = collection(ctx.cluster, p.resource, p.namespace)
    .map((e) => ({ e, key: keyOf(e, namespaced) }))
    .sort(byKey);
  const from = pg.start === undefined ? 0 : firstAtOrAfter(all, pg.start);
  const chunk: Chunk = { entries: [], listMeta: { resourceVersion: String(pg.snapshot) } };
  // Walk keys until the chunk holds `limit` matches; `last` is the last key looked at.
  let last = -1;
  for (let i = from; i < all.length; i++) {
    if (pg.limit > 0 && chunk.entries.length >= pg.limit) break;
    last = i;
    const { e } = all[i];
    if (matchesLabels(labelReqs, e.labels) && matchesFields(fieldReqs, e.fields)) chunk.entries.push(e);
  }
  if (pg.limit > 0 && chunk.entries.length >= pg.limit && last + 1 < all.length) {
    const next = encodeContinue(`${all[last].key}\u0000`, pg.snapshot);
    chunk.listMeta.continue = next;
    ctx.pages.issued(next, nextPage(ctx.pages.pageOf(q)));
    // The keys after this chunk: known only when nothing is filtered out.
    if (labelReqs.length === 0 && fieldReqs.length === 0) chunk.listMeta.remainingItemCount = all.length - from - pg.limit;
  }
  return wantsTable(accept) ? tableReply(p.resource, chunk, q.get('includeObject') ?? 'Metadata') : listReply(p, chunk);
}

/**
 * The 410 a list read at a compacted revision gets. With a continue token:
 * the message for it and a token (same start, rv -1) that continues at the
 * latest revision, remembered as leading to the same page.
 */
export function expiredList(q: URLSearchParams, pages: ListPages): Reply {
  const token = q.get('continue');
  if (token) {
    try {
      const { start } = decodeContinue(token);
      const next = encodeContinue(start, -1);
      pages.issued(next, pages.pageOf(q));
      return status(resourceExpired(CONTINUE_EXPIRED_MESSAGE, next));
    } catch (e) {
      if (!(e instanceof ContinueTokenError)) throw e;
    }
  }
  return status(resourceExpired(LIST_EXPIRED_MESSAGE));
}

const nextPage = (page: number | undefined): number | undefined => (page === undefined ? undefined : page + 1);

/** Index of the first key >= start (binary search over sorted keys). */
function firstAtOrAfter(all: { key: string }[], start: string): number {
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (all[mid].key < start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The List, assembled from the items' UTF-8 JSON (pods come from a cache: a chunk of 10,000 copies bytes, no serialising). */
function listReply(p: ResourcePath, chunk: Chunk): Reply {
  const apiVersion = p.group ? `${p.group}/${p.version}` : p.version;
  const head = `{"kind":${JSON.stringify(listKind(p.resource))},"apiVersion":${JSON.stringify(apiVersion)},"metadata":${JSON.stringify(chunk.listMeta)},"items":[`;
  const parts: Buffer[] = [Buffer.from(head)];
  chunk.entries.forEach((e, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(e.bytes());
  });
  parts.push(CLOSE);
  return { code: 200, jsonBytes: Buffer.concat(parts) };
}

const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');

function tableReply(resource: string, chunk: Chunk, includeObject: string): Reply {
  const rows = chunk.entries.map((e) => (e.raw ? rawRow(resource, e.name, e.object(), includeObject) : tableRow(resource, e.object() as Record<string, unknown>, includeObject)));
  return { code: 200, json: tableDoc(resource, rows, chunk.listMeta) };
}

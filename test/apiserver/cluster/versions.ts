// resourceVersion and timestamps, as the API server writes them into
// metadata, and the compaction that makes old list snapshots unreadable.

/** RFC 3339 in UTC to the second, as metav1.Time marshals. */
export function timestamp(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// One counter for every object, like etcd's revision: a write gets the next one.
let resourceVersion = 1000;
export function nextResourceVersion(): string {
  return String(++resourceVersion);
}

/** The latest revision: what a list reports as its resourceVersion (a read writes nothing). */
export function currentResourceVersion(): number {
  return resourceVersion;
}

// etcd keeps old revisions until it compacts them (kube-apiserver asks for
// that every 5 minutes, --etcd-compaction-interval); reading a list at a
// compacted revision fails with 410 Expired. Nothing here compacts on its
// own: compact() does, on request (routes/admin.ts).
let compactedRevision = 0;

/** Writes once (so that the revision a token names is not the latest) and compacts everything before now. */
export function compact(): number {
  nextResourceVersion();
  compactedRevision = resourceVersion;
  return compactedRevision;
}

/** Whether a read at this revision hits compacted history (etcd's ErrCompacted). */
export function isCompacted(rv: number): boolean {
  return rv > 0 && rv < compactedRevision;
}

// resourceVersion and timestamps, as the API server writes them into metadata.

/** RFC 3339 in UTC to the second, as metav1.Time marshals. */
export function timestamp(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// One counter for every object, like etcd's revision: a write gets the next one.
let resourceVersion = 1000;
export function nextResourceVersion(): string {
  return String(++resourceVersion);
}

// The test API server's request log (PROCSTATUS_APISERVER_LOG), every line
// of it. The harness keeps only the last 64 KiB of the server's stderr, a
// few hundred requests, while a sweep of 10,000 pods logs 10,000 exec
// upgrades; with `echo: true` it copies each chunk of the server's stderr
// to process.stderr as a Buffer. This tap takes those Buffers off
// process.stderr, reads the log lines out of them and passes anything else
// on (the bench's own messages are strings, and go through untouched).
//
// A log line, as test/apiserver/server/server.ts writes it:
//   [apiserver 2026-12-02T10:00:00.000Z] GET /api/v1/pods?limit=500 user=admin -> 200 (3ms)

const LINE = /^\[apiserver \S+\] (\S+) (\S+) user=\S+ -> (\S+)(?:.* \((\d+)ms\)$)?/;

/** A log line → { method, path, query, upgrade, ms (the server's time, when logged) }, or null when it is no request. */
export function requestOf(line) {
  const m = LINE.exec(line);
  if (!m) return null;
  const [path, query = ''] = m[2].split('?');
  return { method: m[1], path, query, upgrade: m[3] === 'upgrade', ms: m[4] === undefined ? null : Number(m[4]) };
}

/** "GET /path", with " (upgrade)" for an upgrade; the query left out. */
export const describe = (r) => `${r.method} ${r.path}${r.upgrade ? ' (upgrade)' : ''}`;

/**
 * What kind of request it is, for the scale table: a list of pods (a GET of
 * the collection, chunked or not), a GET of one pod, an exec upgrade, or other.
 */
export function kindOf(r) {
  if (r.upgrade) return 'exec';
  if (r.method === 'GET' && /^\/api\/v1\/(namespaces\/[^/]+\/)?pods$/.test(r.path)) return 'list';
  if (r.method === 'GET' && /^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+$/.test(r.path)) return 'get';
  return 'other';
}

/**
 * Installs the tap. → { mark(), since(mark) → requests, restore() }. The
 * server's stderr lines that are not requests (its errors) go on to stderr.
 */
export function tapServerLog() {
  const write = process.stderr.write;
  const requests = [];
  let partial = '';
  process.stderr.write = function tapped(chunk, ...rest) {
    if (!Buffer.isBuffer(chunk)) return write.call(process.stderr, chunk, ...rest);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop();
    for (const line of lines) {
      const r = requestOf(line);
      if (r) requests.push(r);
      else if (line && !line.startsWith('[apiserver ')) write.call(process.stderr, `apiserver: ${line}\n`);
    }
    const done = rest.find((x) => typeof x === 'function');
    done?.();
    return true;
  };
  return {
    mark: () => requests.length,
    since: (mark) => requests.slice(mark),
    restore: () => {
      process.stderr.write = write;
    },
  };
}

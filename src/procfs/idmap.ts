/**
 * /proc/PID/uid_map and gid_map: lines of "inside outside count". A process
 * in the host's user namespace shows the identity map "0 0 4294967295".
 * https://man7.org/linux/man-pages/man7/user_namespaces.7.html
 */
export interface IdRange {
  inside: number;
  outside: number;
  count: number;
}

const MAX_RANGES = 340; // the kernel's limit since 4.15

export function parseIdMap(text: string): IdRange[] | null {
  const ranges: IdRange[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^\s*(\d{1,10})\s+(\d{1,10})\s+(\d{1,10})\s*$/.exec(line);
    if (!m) return null;
    ranges.push({ inside: Number(m[1]), outside: Number(m[2]), count: Number(m[3]) });
    if (ranges.length > MAX_RANGES) return null;
  }
  return ranges;
}

/** The identity map of the initial user namespace: the process shares the host's users. */
export function isHostMap(ranges: readonly IdRange[]): boolean {
  return ranges.length === 1 && ranges[0].inside === 0 && ranges[0].outside === 0 && ranges[0].count === 4294967295;
}

/** An id inside the namespace → the host id it maps to, or null when unmapped. */
export function toHost(ranges: readonly IdRange[], id: number): number | null {
  for (const r of ranges) if (id >= r.inside && id - r.inside < r.count) return r.outside + (id - r.inside);
  return null;
}

/** The ranges as uid_map lists them ("inside outside count"), on one line. */
export function idMapLine(ranges: readonly IdRange[]): string {
  return ranges.map((r) => `${r.inside} ${r.outside} ${r.count}`).join(', ');
}

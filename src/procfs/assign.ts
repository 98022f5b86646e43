import { errorItem, itemFromRecord, type Origin, type ProcItem } from '../item.js';
import { splitStatuses } from './status.js';

export interface Assigned {
  items: ProcItem[];
  /** Things worth a line on stderr: records that matched no PID, duplicate keys. */
  warnings: string[];
}

/**
 * Concatenated status texts → one item per requested PID, in the order asked.
 * Each record is matched by its own "Pid:" field; a record without a usable
 * Pid (a forged or truncated text) takes the next PID still unanswered, in
 * order, since cat prints files in the order given. A PID with no record gets
 * the reason from `missing` (what stderr said), or a generic one.
 */
export function assignRecords(
  origin: Origin,
  text: string,
  requested: number[],
  missing: Map<number, string>,
): Assigned {
  const warnings: string[] = [];
  const byPid = new Map<number, ProcItem>();
  const orphans: ReturnType<typeof splitStatuses> = [];
  for (const record of splitStatuses(text)) {
    const pid = pidOf(record.fields.Pid);
    if (pid !== null && requested.includes(pid) && !byPid.has(pid)) {
      byPid.set(pid, itemFromRecord(origin, pid, record));
      if (record.duplicates.length) warnings.push(`pid ${pid}: repeated keys ignored: ${record.duplicates.join(', ')}`);
    } else {
      orphans.push(record);
    }
  }
  let ignored = 0;
  for (const record of orphans) {
    const pid = requested.find((p) => !byPid.has(p) && !missing.has(p));
    if (pid === undefined) {
      ignored++;
      continue;
    }
    warnings.push(`pid ${pid}: status text has no matching "Pid:" field; taken in order`);
    byPid.set(pid, itemFromRecord(origin, pid, record));
  }
  if (ignored) warnings.push(`ignored ${ignored} status record${ignored === 1 ? '' : 's'} that matched no PID asked for`);
  const items = requested.map(
    (pid) => byPid.get(pid) ?? errorItem(origin, pid, missing.get(pid) ?? 'no status returned for this process'),
  );
  return { items, warnings };
}

/**
 * Every record as an item, keyed by its own "Pid:" (for --all-pids), minus
 * the PIDs in `exclude` (the tool's own helper processes).
 */
export function allRecords(origin: Origin, text: string, exclude: Set<number>): Assigned {
  const warnings: string[] = [];
  const seen = new Set<number>();
  const items: ProcItem[] = [];
  let invalid = 0;
  for (const record of splitStatuses(text)) {
    const pid = pidOf(record.fields.Pid);
    if (pid === null) {
      invalid++;
      continue;
    }
    if (exclude.has(pid) || seen.has(pid)) continue;
    seen.add(pid);
    items.push(itemFromRecord(origin, pid, record));
  }
  if (invalid) warnings.push(`ignored ${invalid} status record${invalid === 1 ? '' : 's'} without a valid "Pid:" field`);
  items.sort((a, b) => (a.pid ?? 0) - (b.pid ?? 0));
  return { items, warnings };
}

export function pidOf(raw: string | undefined): number | null {
  if (raw === undefined || !/^\s*\d{1,7}\s*$/.test(raw)) return null;
  const pid = Number(raw);
  return pid > 0 ? pid : null;
}

/**
 * --threads: every record is a task; "Tgid:" is its process, "Pid:" the
 * thread. Requested PIDs with no task at all get their reason from `missing`.
 */
export function threadRecords(
  origin: Origin,
  text: string,
  requested: number[] | 'all',
  missing: Map<number, string>,
  exclude: Set<number>,
): Assigned {
  const warnings: string[] = [];
  const seen = new Set<string>();
  const items: ProcItem[] = [];
  let invalid = 0;
  for (const record of splitStatuses(text)) {
    const tgid = pidOf(record.fields.Tgid);
    const tid = pidOf(record.fields.Pid);
    if (tgid === null || tid === null) {
      invalid++;
      continue;
    }
    if (exclude.has(tgid) || (requested !== 'all' && !requested.includes(tgid)) || seen.has(`${tgid}/${tid}`)) continue;
    seen.add(`${tgid}/${tid}`);
    items.push(itemFromRecord(origin, tgid, record, tid));
  }
  if (invalid) warnings.push(`ignored ${invalid} thread status record${invalid === 1 ? '' : 's'} without valid "Tgid:" and "Pid:" fields`);
  if (requested !== 'all') {
    for (const pid of requested) {
      if (!items.some((i) => i.pid === pid)) items.push(errorItem(origin, pid, missing.get(pid) ?? 'no status returned for this process'));
    }
  }
  items.sort((a, b) => (a.pid ?? 0) - (b.pid ?? 0) || (a.tid ?? 0) - (b.tid ?? 0));
  return { items, warnings };
}

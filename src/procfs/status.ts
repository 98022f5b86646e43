/**
 * /proc/<pid>/status is "Key:\tvalue" lines (proc(5)). The text may come from
 * a hostile container, so the parser keeps going on anything: lines without a
 * key are skipped, a repeated key keeps its first value and is recorded, and
 * long values are cut.
 * https://man7.org/linux/man-pages/man5/proc_pid_status.5.html
 */
export interface StatusRecord {
  /** Every key in the order first seen, with its raw value. */
  fields: Record<string, string>;
  /** Keys that appeared more than once (only the first value is kept). */
  duplicates: string[];
}

const MAX_VALUE = 4096;
const MAX_FIELDS = 256;
const KEY = /^([A-Za-z][A-Za-z0-9_]{0,63}):(.*)$/;

/** One status text → one record. */
export function parseStatus(text: string): StatusRecord {
  return splitStatuses(text)[0] ?? { fields: Object.create(null), duplicates: [] };
}

/**
 * Several status texts concatenated (what `cat /proc/1/status /proc/7/status`
 * prints) → one record each. The kernel starts every file with "Name:" and
 * never repeats a key, so "Name:" starts a record and any other repeated key
 * is a duplicate (kept once). A text with no "Name:" at all is one record.
 */
export function splitStatuses(text: string): StatusRecord[] {
  const records: StatusRecord[] = [];
  let current: StatusRecord | null = null;
  let count = 0;
  for (const line of text.split('\n')) {
    const m = KEY.exec(line);
    if (!m) continue;
    const key = m[1];
    if (current === null || (key === 'Name' && count > 0)) {
      current = { fields: Object.create(null), duplicates: [] };
      records.push(current);
      count = 0;
    }
    if (Object.hasOwn(current.fields, key)) {
      current.duplicates.push(key);
      continue;
    }
    if (count >= MAX_FIELDS) continue;
    let value = m[2].replace(/^[\t ]+/, '');
    if (value.length > MAX_VALUE) value = value.slice(0, MAX_VALUE) + '…';
    current.fields[key] = value;
    count++;
  }
  return records;
}

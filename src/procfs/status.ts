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
const KEY_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** One status text → one record (a second "Name:" is a repeated key like any other). */
export function parseStatus(text: string): StatusRecord {
  const record: StatusRecord = { fields: Object.create(null), duplicates: [] };
  let count = 0;
  for (let start = 0; start < text.length;) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const at = start;
    start = end + 1;
    // A key is at most 64 characters: look for its colon there only, so lines without one cost nothing more.
    const head = text.slice(at, Math.min(end, at + 65)).indexOf(':');
    if (head < 0) continue;
    const colon = at + head;
    const key = text.slice(at, colon);
    if (!KEY_NAME.test(key)) continue;
    if (Object.hasOwn(record.fields, key)) {
      // Bounded: a hostile text may repeat a key 100,000 times; one mention says it.
      if (!record.duplicates.includes(key) && record.duplicates.length < 16) record.duplicates.push(key);
      continue;
    }
    if (count >= MAX_FIELDS) continue;
    let v = colon + 1;
    while (v < end && (text.charCodeAt(v) === 9 || text.charCodeAt(v) === 32)) v++;
    let value = text.slice(v, end);
    if (value.length > MAX_VALUE) value = value.slice(0, MAX_VALUE) + '…';
    record.fields[key] = value;
    count++;
  }
  return record;
}

/**
 * Several status texts concatenated (what `cat /proc/1/status /proc/7/status`
 * prints, when a read has no frames) → one text each. The kernel starts every
 * file with "Name:" and never repeats a key, so "Name:" starts a record. A
 * text with no "Name:" at all is one record.
 */
export function splitStatusTexts(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let seenKey = false;
  let at = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('Name:') && seenKey) {
      out.push(text.slice(start, at));
      start = at;
    }
    if (/^[A-Za-z][A-Za-z0-9_]{0,63}:/.test(line)) seenKey = true;
    at += line.length + 1;
  }
  if (seenKey) out.push(text.slice(start));
  return out;
}

export function splitStatuses(text: string): StatusRecord[] {
  return splitStatusTexts(text).map(parseStatus);
}

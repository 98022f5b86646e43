import type { ReadContext } from '../record/record.js';
import { parseIdNames } from '../procfs/passwd.js';
import { parseBootTime, parseUptime } from '../procfs/stat.js';
import type { SharedFile } from './files.js';

/** The per-container frames (image user and group files, /proc/stat) → what every item of the read shares. */
export function readContext(shared: Partial<Record<SharedFile, string>>): ReadContext {
  return {
    users: shared.passwd !== undefined ? idNames(shared.passwd) : null,
    groups: shared.group !== undefined ? idNames(shared.group) : null,
    bootTime: shared.procstat !== undefined ? parseBootTime(shared.procstat) : null,
    uptime: shared.uptime !== undefined ? parseUptime(shared.uptime) : null,
    attr: shared.self_attr,
    uidMap: shared.self_uid_map,
    gidMap: shared.self_gid_map,
  };
}

/**
 * The containers of one image have the same /etc/passwd: parsed once per
 * text (a sweep reads thousands of copies). The maps are never changed.
 */
const parsed = new Map<string, ReadonlyMap<number, string>>();

export function idNames(text: string): ReadonlyMap<number, string> {
  let names = parsed.get(text);
  if (!names) {
    names = parseIdNames(text);
    if (parsed.size > 64) parsed.clear();
    parsed.set(text, names);
  }
  return names;
}

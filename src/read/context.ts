import type { ReadContext } from '../record/record.js';
import { parseIdNames } from '../procfs/passwd.js';
import { parseBootTime } from '../procfs/stat.js';
import type { SharedFile } from './files.js';

/** The per-container frames (image user and group files, /proc/stat) → what every item of the read shares. */
export function readContext(shared: Partial<Record<SharedFile, string>>): ReadContext {
  return {
    users: shared.passwd !== undefined ? parseIdNames(shared.passwd) : null,
    groups: shared.group !== undefined ? parseIdNames(shared.group) : null,
    bootTime: shared.procstat !== undefined ? parseBootTime(shared.procstat) : null,
    attr: shared.self_attr,
    uidMap: shared.self_uid_map,
    gidMap: shared.self_gid_map,
  };
}

import type { ReadContext } from '../record/record.js';
import { parseIdNames } from '../procfs/passwd.js';
import { parseMountinfo } from '../procfs/mountinfo.js';
import { isKernelThread, parseBootTime, parseUptime } from '../procfs/stat.js';
import type { Missed } from './frame.js';
import type { SharedFile } from './files.js';

/** The per-container frames (image user and group files, /proc/stat) → what every item of the read shares. */
export function readContext(shared: Partial<Record<SharedFile, string>>, missing: Partial<Record<SharedFile, Missed>> = {}): ReadContext {
  return {
    mounts: shared.self_mountinfo !== undefined ? parseMountinfo(shared.self_mountinfo) : null,
    hostPid: shared.pid2_stat !== undefined ? isKernelThread(shared.pid2_stat)
      // No PID 2 at all: not the host's PID namespace, where kthreadd is always PID 2.
      : missing.pid2_stat?.kind === 'no such process' ? false : null,
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

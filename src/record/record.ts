import { decodeCapabilities, type DecodedSet } from '../decode/capabilities.js';
import { decodeSignals, parseSigQ } from '../decode/signals.js';
import type { Finding } from '../judge/finding.js';
import type { PodSecurity } from '../judge/pss.js';
import { parseAttr, type LsmLabel } from '../procfs/attr.js';
import { parseCmdline } from '../procfs/cmdline.js';
import { parseIdMap, type IdRange } from '../procfs/idmap.js';
import { parseStat, USER_HZ } from '../procfs/stat.js';
import { parseStatus, type StatusRecord } from '../procfs/status.js';
import type { ProcFrames } from '../read/frame.js';

/** Where an item was read: a pod's container, or the local machine (all null). */
export interface Origin {
  pod: string | null;
  namespace: string | null;
  container: string | null;
}

/** What one read knows about every process of a container: from the image and the kernel. */
export interface ReadContext {
  /** uid → name from the image's /etc/passwd, null when it has none. */
  users: Map<number, string> | null;
  groups: Map<number, string> | null;
  /** Boot time, seconds since the epoch (/proc/stat btime). */
  bootTime: number | null;
  /** The container's own LSM label and user-namespace maps, for reads that take them once per container. */
  attr?: string;
  uidMap?: string;
  gidMap?: string;
}

export const NO_CONTEXT: ReadContext = { users: null, groups: null, bootTime: null };

/** One process, in the shape of the `-o json` contract (see README). Built once, never changed. */
export interface ProcItem extends Origin {
  /** null only for a pod that failed as a whole in --all-pids. */
  pid: number | null;
  /** The thread (task) ID with --threads, else null. */
  tid: number | null;
  error: string | null;
  name: string | null;
  state: string | null;
  ppid: number | null;
  uid: number[] | null;
  gid: number[] | null;
  /** The effective uid's and gid's names in the container's own /etc/passwd and /etc/group. */
  user: string | null;
  group: string | null;
  threads: number | null;
  capabilities: {
    inheritable: DecodedSet;
    permitted: DecodedSet;
    effective: DecodedSet;
    bounding: DecodedSet;
    ambient: DecodedSet;
  } | null;
  signals: {
    queued: number | null;
    queueLimit: number | null;
    pending: DecodedSet;
    sharedPending: DecodedSet;
    blocked: DecodedSet;
    ignored: DecodedSet;
    caught: DecodedSet;
  } | null;
  noNewPrivs: boolean | null;
  seccomp: 'disabled' | 'strict' | 'filter' | null;
  seccompFilters: number | null;
  nspid: number[] | null;
  vmRSS: string | null;
  /** VmRSS in bytes. */
  rssBytes: number | null;
  /** ISO 8601, from /proc/PID/stat starttime and the boot time. */
  startTime: string | null;
  /** The LSM label (/proc/PID/attr/current); null when the kernel has no LSM. */
  lsm: LsmLabel | null;
  /** User namespace maps; the host's own is [{inside:0, outside:0, count:4294967295}]. */
  uidMap: IdRange[] | null;
  gidMap: IdRange[] | null;
  /** A kernel thread (Kthread: 1, or a child of kthreadd). */
  kernelThread: boolean | null;
  /** Only with --cmdline; null otherwise. */
  cmdline: string[] | null;
  fields: Record<string, string>;
  /** The Pod Security Standards level the kernel state meets, and the controls it fails (src/pss.ts); null when not judged. */
  podSecurity: PodSecurity | null;
  findings: Finding[];
  /** The ephemeral debug container the status was read through, else null. */
  debugContainer: string | null;
}

export const CAPABILITY_SETS = [
  ['inheritable', 'CapInh'],
  ['permitted', 'CapPrm'],
  ['effective', 'CapEff'],
  ['bounding', 'CapBnd'],
  ['ambient', 'CapAmb'],
] as const;

export const SIGNAL_SETS = [
  ['pending', 'SigPnd'],
  ['sharedPending', 'ShdPnd'],
  ['blocked', 'SigBlk'],
  ['ignored', 'SigIgn'],
  ['caught', 'SigCgt'],
] as const;

/** One process's frames → the item, decoded. Each section is optional. */
export function buildItem(origin: Origin, frames: ProcFrames, ctx: ReadContext = NO_CONTEXT,
  debugContainer: string | null = null, status: StatusRecord = parseStatus(frames.files.status ?? '')): ProcItem {
  const item = itemFromRecord(origin, frames.pid, status, frames.tid, debugContainer);
  const stat = frames.files.stat !== undefined ? parseStat(frames.files.stat) : null;
  const uidText = frames.files.uid_map ?? ctx.uidMap;
  const gidText = frames.files.gid_map ?? ctx.gidMap;
  const attrText = frames.files.attr ?? ctx.attr;
  const uidMap = uidText !== undefined ? parseIdMap(uidText) : null;
  const gidMap = gidText !== undefined ? parseIdMap(gidText) : null;
  return {
    ...item,
    user: item.uid && ctx.users ? ctx.users.get(item.uid[1]) ?? null : null,
    group: item.gid && ctx.groups ? ctx.groups.get(item.gid[1]) ?? null : null,
    startTime: stat && ctx.bootTime !== null
      ? new Date(ctx.bootTime * 1000 + Math.round((stat.startTicks * 1000) / USER_HZ)).toISOString() : null,
    lsm: attrText !== undefined ? parseAttr(attrText) : null,
    uidMap: uidMap && uidMap.length ? uidMap : null,
    gidMap: gidMap && gidMap.length ? gidMap : null,
    cmdline: frames.files.cmdline !== undefined ? parseCmdline(frames.files.cmdline) : null,
  };
}

/** The status of one process, decoded; the other sections empty. */
export function itemFromRecord(origin: Origin, pid: number, record: StatusRecord, tid: number | null = null,
  debugContainer: string | null = null): ProcItem {
  const f = record.fields;
  // Built field by field: a local --all-pids builds a thousand of these.
  const capabilities = {
    inheritable: decodeCapabilities(f.CapInh),
    permitted: decodeCapabilities(f.CapPrm),
    effective: decodeCapabilities(f.CapEff),
    bounding: decodeCapabilities(f.CapBnd),
    ambient: decodeCapabilities(f.CapAmb),
  };
  const sigq = parseSigQ(f.SigQ);
  const signals = {
    queued: sigq.queued,
    queueLimit: sigq.limit,
    pending: decodeSignals(f.SigPnd),
    sharedPending: decodeSignals(f.ShdPnd),
    blocked: decodeSignals(f.SigBlk),
    ignored: decodeSignals(f.SigIgn),
    caught: decodeSignals(f.SigCgt),
  };
  const ppid = integer(f.PPid);
  return {
    ...origin,
    pid,
    tid,
    error: null,
    name: f.Name ?? null,
    state: f.State ?? null,
    ppid,
    uid: integers(f.Uid, 4),
    gid: integers(f.Gid, 4),
    user: null,
    group: null,
    threads: integer(f.Threads),
    capabilities,
    signals,
    noNewPrivs: f.NoNewPrivs === '1' ? true : f.NoNewPrivs === '0' ? false : null,
    seccomp: seccompMode(f.Seccomp),
    seccompFilters: integer(f.Seccomp_filters),
    nspid: integers(f.NSpid),
    vmRSS: f.VmRSS ?? null,
    rssBytes: kilobytes(f.VmRSS),
    startTime: null,
    lsm: null,
    uidMap: null,
    gidMap: null,
    // Kthread: appeared in Linux 6.7; before it, kthreadd (PID 2) and its children are the kernel's.
    kernelThread: f.Kthread === '1' ? true : f.Kthread === '0' ? false : pid === 2 || ppid === 2 ? true : ppid === null ? null : false,
    cmdline: null,
    // The parser's own object: fresh per record, and never changed after.
    fields: f,
    podSecurity: null,
    findings: [],
    debugContainer,
  };
}

/** A process that could not be read: same shape, with the reason. */
export function errorItem(origin: Origin, pid: number | null, error: string, tid: number | null = null): ProcItem {
  return {
    ...origin,
    pid,
    tid,
    error,
    name: null,
    state: null,
    ppid: null,
    uid: null,
    gid: null,
    user: null,
    group: null,
    threads: null,
    capabilities: null,
    signals: null,
    noNewPrivs: null,
    seccomp: null,
    seccompFilters: null,
    nspid: null,
    vmRSS: null,
    rssBytes: null,
    startTime: null,
    lsm: null,
    uidMap: null,
    gidMap: null,
    kernelThread: null,
    cmdline: null,
    fields: {},
    podSecurity: null,
    findings: [],
    debugContainer: null,
  };
}

function integer(raw: string | undefined): number | null {
  if (raw === undefined || !/^\s*\d{1,15}\s*$/.test(raw)) return null;
  return Number(raw);
}

function integers(raw: string | undefined, count?: number): number[] | null {
  if (raw === undefined) return null;
  const parts = raw.trim().split(/\s+/);
  if (count !== undefined && parts.length !== count) return null;
  const values = parts.map(integer);
  return values.every((v) => v !== null) ? (values as number[]) : null;
}

/** "1612 kB" → bytes; the kernel's unit is always kB (KiB). */
function kilobytes(raw: string | undefined): number | null {
  const m = /^\s*(\d{1,12})\s*kB\s*$/.exec(raw ?? '');
  return m ? Number(m[1]) * 1024 : null;
}

/** seccomp mode numbers from include/uapi/linux/seccomp.h (SECCOMP_MODE_*). */
function seccompMode(raw: string | undefined): ProcItem['seccomp'] {
  switch (raw?.trim()) {
    case '0': return 'disabled';
    case '1': return 'strict';
    case '2': return 'filter';
    default: return null;
  }
}

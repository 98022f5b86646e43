import { decodeCapabilities, type DecodedSet } from '../decode/capabilities.js';
import { decodeSignals, parseSigQ } from '../decode/signals.js';
import { parseAttr, type LsmLabel } from '../procfs/attr.js';
import { parseCmdline } from '../procfs/cmdline.js';
import { isHostMap, parseIdMap, toHost, type IdRange } from '../procfs/idmap.js';
import { parseStat, ttyName, USER_HZ, type StatRecord } from '../procfs/stat.js';
import { parseStatus, type StatusRecord } from '../procfs/status.js';
import type { ProcFrames } from '../read/frame.js';
import type { Mounts } from '../procfs/mountinfo.js';
import type { Failure } from './failure.js';
import type { Where } from './where.js';

/** What one read knows about every process of a container: from the image and the kernel. */
export interface ReadContext {
  /** uid → name from the image's /etc/passwd, null when it has none. */
  readonly users: ReadonlyMap<number, string> | null;
  readonly groups: ReadonlyMap<number, string> | null;
  /** Boot time, seconds since the epoch (/proc/stat btime). */
  readonly bootTime: number | null;
  /** Seconds since boot when the read was made (/proc/uptime). */
  readonly uptime?: number | null;
  /** The container's mounts (its own mountinfo), where the read could take them. */
  readonly mounts?: Mounts | null;
  /** Whether the container is in the host's PID namespace (kthreadd is its PID 2); null when the read could not tell. */
  readonly hostPid?: boolean | null;
  /** The container's own LSM label and user-namespace maps, for reads that take them once per container. */
  readonly attr?: string;
  readonly uidMap?: string;
  readonly gidMap?: string;
}

export const NO_CONTEXT: ReadContext = { users: null, groups: null, bootTime: null };

export interface CapabilitySets {
  readonly inheritable: DecodedSet;
  readonly permitted: DecodedSet;
  readonly effective: DecodedSet;
  readonly bounding: DecodedSet;
  readonly ambient: DecodedSet;
}

export interface SignalSets {
  readonly queued: number | null;
  readonly queueLimit: number | null;
  readonly pending: DecodedSet;
  readonly sharedPending: DecodedSet;
  readonly blocked: DecodedSet;
  readonly ignored: DecodedSet;
  readonly caught: DecodedSet;
}

/**
 * What was read of one process (or thread), decoded: built once from the
 * frames that arrived, never changed after. A read that failed has `failure`
 * set and every decoded field null. How the record is judged
 * (src/judge/) and how it is written (src/render/document.ts, the JSON
 * contract) live elsewhere.
 */
export interface ProcRecord {
  readonly where: Where;
  /** null only for a container or pod that failed as a whole in --all-pids. */
  readonly pid: number | null;
  /** The thread (task) ID with --threads, else null. */
  readonly tid: number | null;
  readonly failure: Failure | null;
  readonly name: string | null;
  readonly state: string | null;
  readonly ppid: number | null;
  /**
   * The thread group (the process) the status belongs to: the pid itself for
   * a process. A thread's ID given as --pid reads that thread's status (its
   * /proc directory is hidden from listings but there), with a Tgid of its
   * process: https://man7.org/linux/man-pages/man5/proc_pid_status.5.html
   */
  readonly tgid: number | null;
  readonly uid: readonly number[] | null;
  readonly gid: readonly number[] | null;
  /** The effective uid's and gid's names in the container's own /etc/passwd and /etc/group. */
  readonly user: string | null;
  readonly group: string | null;
  /** Local reads of a process in another mount namespace: the host's names for its uid and gid, where they differ. */
  readonly hostUser: string | null;
  readonly hostGroup: string | null;
  /** Supplementary groups (status Groups), with their names where the group file has them. */
  readonly supplementaryGroups: readonly { readonly id: number; readonly name: string | null }[] | null;
  readonly threads: number | null;
  readonly capabilities: CapabilitySets | null;
  readonly signals: SignalSets | null;
  readonly noNewPrivs: boolean | null;
  readonly seccomp: 'disabled' | 'strict' | 'filter' | null;
  readonly seccompFilters: number | null;
  /** The PID in each PID namespace, from the reader's down to the process's own. */
  readonly nspid: readonly number[] | null;
  readonly vmRSS: string | null;
  /** VmRSS in bytes. */
  readonly rssBytes: number | null;
  /** ISO 8601 to the second (btime has no finer grain), from /proc/PID/stat starttime and the boot time. */
  readonly startTime: string | null;
  /** Seconds the process has run: /proc/uptime less its start, as ps's etime. */
  readonly elapsedSeconds: number | null;
  /** CPU time used, user and system, in seconds (stat utime + stime), as ps's time. */
  readonly cpuSeconds: number | null;
  /** CPU use over the process's life, in percent, as ps's %cpu. */
  readonly pcpu: number | null;
  /** Nice value; null under a real-time scheduling policy, where ps shows "-". */
  readonly nice: number | null;
  /** Process group ID. */
  readonly pgid: number | null;
  /** Controlling terminal as ps names it ("?" for none). */
  readonly tty: string | null;
  /** The LSM label (/proc/PID/attr/current); null when the kernel has no LSM. */
  readonly lsm: LsmLabel | null;
  /** User namespace maps; the host's own is [{inside:0, outside:0, count:4294967295}]. */
  readonly uidMap: readonly IdRange[] | null;
  readonly gidMap: readonly IdRange[] | null;
  /** A kernel thread (Kthread: 1, or a child of kthreadd). */
  readonly kernelThread: boolean | null;
  /** Only with --cmdline; null otherwise. */
  readonly cmdline: readonly string[] | null;
  /** Every key of the status file with its raw value. */
  readonly fields: Readonly<Record<string, string>>;
  /** The ephemeral debug container the status was read through, else null. */
  readonly debugContainer: string | null;
  /** Its container's mounts, as the kernel lists them; null where they were not read (shared by every record of the container). */
  readonly mounts: Mounts | null;
  /** Whether it runs in the host's PID namespace; null where the read could not tell. */
  readonly hostPidNamespace: boolean | null;
  /** Node reads: the pod UID the process's cgroup names (also of a pod the API server does not list); else null. */
  readonly cgroupPodUid: string | null;
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

/** How a record came to be read, beyond its frames. */
export interface RecordSource {
  debugContainer?: string | null;
  cgroupPodUid?: string | null;
  /** The status already parsed (the container read parses it to report repeated keys). */
  status?: StatusRecord;
  /** Local reads: the process's own account files (its root's), when they are not the context's. */
  accounts?: Pick<ReadContext, 'users' | 'groups'>;
  /** Local reads of a process in another mount namespace: the host's account files, for hostUser and hostGroup. */
  hostAccounts?: Pick<ReadContext, 'users' | 'groups'>;
  /** Node reads: whether the process is in the node's PID namespace, from its NSpid. */
  hostPidNamespace?: boolean | null;
}

/** One process's frames → its record, decoded. Each section is optional. */
export function buildRecord(where: Where, frames: ProcFrames, ctx: ReadContext = NO_CONTEXT, from: RecordSource = {}): ProcRecord {
  const f = (from.status ?? parseStatus(frames.files.status ?? '')).fields;
  const stat = frames.files.stat !== undefined ? parseStat(frames.files.stat) : null;
  const uidText = frames.files.uid_map ?? ctx.uidMap;
  const gidText = frames.files.gid_map ?? ctx.gidMap;
  const attrText = frames.files.attr ?? ctx.attr;
  const uidMap = uidText !== undefined ? parseIdMap(uidText) : null;
  const gidMap = gidText !== undefined ? parseIdMap(gidText) : null;
  const pid = frames.pid;
  const uid = integers(f.Uid, 4);
  const gid = integers(f.Gid, 4);
  const ppid = integer(f.PPid);
  const sigq = parseSigQ(f.SigQ);
  const accounts = from.accounts ?? ctx;
  const uidRanges = uidMap && uidMap.length ? uidMap : null;
  const gidRanges = gidMap && gidMap.length ? gidMap : null;
  const times = stat ? cpu(stat, ctx.uptime ?? null) : null;
  // Built field by field, in one literal: a local --all-pids builds a thousand of these.
  return {
    where,
    pid,
    tid: frames.tid,
    failure: null,
    name: f.Name ?? null,
    state: f.State ?? null,
    ppid,
    tgid: integer(f.Tgid),
    uid,
    gid,
    user: uid && accounts.users ? accounts.users.get(uid[1]) ?? null : null,
    group: gid && accounts.groups ? accounts.groups.get(gid[1]) ?? null : null,
    hostUser: from.hostAccounts && uid ? hostName(from.hostAccounts.users, uidRanges, uid[1]) : null,
    hostGroup: from.hostAccounts && gid ? hostName(from.hostAccounts.groups, gidRanges, gid[1]) : null,
    supplementaryGroups: supplementary(f.Groups, accounts.groups),
    threads: integer(f.Threads),
    capabilities: {
      inheritable: decodeCapabilities(f.CapInh),
      permitted: decodeCapabilities(f.CapPrm),
      effective: decodeCapabilities(f.CapEff),
      bounding: decodeCapabilities(f.CapBnd),
      ambient: decodeCapabilities(f.CapAmb),
    },
    signals: {
      queued: sigq.queued,
      queueLimit: sigq.limit,
      pending: decodeSignals(f.SigPnd),
      sharedPending: decodeSignals(f.ShdPnd),
      blocked: decodeSignals(f.SigBlk),
      ignored: decodeSignals(f.SigIgn),
      caught: decodeSignals(f.SigCgt),
    },
    noNewPrivs: f.NoNewPrivs === '1' ? true : f.NoNewPrivs === '0' ? false : null,
    seccomp: seccompMode(f.Seccomp),
    seccompFilters: integer(f.Seccomp_filters),
    nspid: integers(f.NSpid),
    vmRSS: f.VmRSS ?? null,
    rssBytes: kilobytes(f.VmRSS),
    startTime: stat && ctx.bootTime !== null
      ? new Date((ctx.bootTime + Math.floor(stat.startTicks / USER_HZ)) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : null,
    elapsedSeconds: times?.elapsed ?? null,
    cpuSeconds: times?.cpu ?? null,
    pcpu: times?.pcpu ?? null,
    nice: stat && stat.policy !== 1 && stat.policy !== 2 ? stat.nice : null,
    pgid: stat?.pgrp ?? null,
    tty: stat?.ttyNr != null ? ttyName(stat.ttyNr) : null,
    lsm: attrText !== undefined ? parseAttr(attrText) : null,
    uidMap: uidRanges,
    gidMap: gidRanges,
    // Kthread: appeared in Linux 6.7; before it, kthreadd (PID 2) and its children are the kernel's.
    kernelThread: f.Kthread === '1' ? true : f.Kthread === '0' ? false : pid === 2 || ppid === 2 ? true : ppid === null ? null : false,
    cmdline: frames.files.cmdline !== undefined ? parseCmdline(frames.files.cmdline) : null,
    // The parser's own object: fresh per record, and never changed after.
    fields: f,
    debugContainer: from.debugContainer ?? null,
    cgroupPodUid: from.cgroupPodUid ?? null,
    mounts: ctx.mounts ?? null,
    hostPidNamespace: from.hostPidNamespace !== undefined ? from.hostPidNamespace : ctx.hostPid ?? null,
  };
}

/** A process (or a whole container, pid null) that could not be read: the same shape, with the failure. */
export function failedRecord(where: Where, pid: number | null, failure: Failure, tid: number | null = null,
  from: Pick<RecordSource, 'cgroupPodUid'> = {}): ProcRecord {
  return {
    where,
    pid,
    tid,
    failure,
    name: null,
    state: null,
    ppid: null,
    tgid: null,
    uid: null,
    gid: null,
    user: null,
    group: null,
    hostUser: null,
    hostGroup: null,
    supplementaryGroups: null,
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
    elapsedSeconds: null,
    cpuSeconds: null,
    pcpu: null,
    nice: null,
    pgid: null,
    tty: null,
    lsm: null,
    uidMap: null,
    gidMap: null,
    kernelThread: null,
    cmdline: null,
    fields: {},
    debugContainer: null,
    cgroupPodUid: from.cgroupPodUid ?? null,
    mounts: null,
    hostPidNamespace: null,
  };
}

/**
 * The PID a process has in its own PID namespace: the last NSpid entry when
 * it is nested below the reader's (a node read sees a container's init as
 * host PID N with NSpid "N 1"), else the PID read.
 * https://man7.org/linux/man-pages/man7/pid_namespaces.7.html
 */
export function innerPid(record: ProcRecord): number | null {
  return record.nspid && record.nspid.length > 1 ? record.nspid[record.nspid.length - 1] : record.pid;
}

/** The seccomp mode with its filter count ("filter (2 filters)"); null when it did not come back. */
export function seccompLine(r: Pick<ProcRecord, 'seccomp' | 'seccompFilters'>): string | null {
  if (r.seccomp === null) return null;
  return r.seccompFilters ? `${r.seccomp} (${r.seccompFilters} filter${r.seccompFilters === 1 ? '' : 's'})` : r.seccomp;
}

/**
 * ps's etime, time and %cpu: seconds since the start (uptime less starttime),
 * CPU seconds (utime + stime), and their ratio over the process's life, to
 * the tenth of a percent.
 * https://gitlab.com/procps-ng/procps/-/blob/master/src/ps/output.c (pr_etime, pr_time, pr_pcpu)
 */
function cpu(stat: StatRecord, uptime: number | null): { elapsed: number | null; cpu: number | null; pcpu: number | null } {
  const ticks = stat.utime !== null && stat.stime !== null ? stat.utime + stat.stime : null;
  // procps's TIME_ELAPSED and UTILIZATION: ticks since boot less the start tick.
  const alive = uptime !== null ? uptime * USER_HZ - stat.startTicks : null;
  return {
    elapsed: alive === null ? null : Math.max(0, Math.floor(alive / USER_HZ)),
    cpu: ticks === null ? null : ticks / USER_HZ,
    // Printed to the tenth, cut rather than rounded, as ps prints it.
    pcpu: ticks === null || alive === null ? null : alive > 0 ? Math.floor(((ticks * 100) / alive) * 10) / 10 : 0,
  };
}

/** Status Groups ("4000 4001"), each with its name in the group file. */
function supplementary(raw: string | undefined, groups: ReadonlyMap<number, string> | null): ProcRecord['supplementaryGroups'] {
  if (raw === undefined) return null;
  const ids = raw.trim() === '' ? [] : integers(raw);
  if (!ids) return null;
  return ids.map((id) => ({ id, name: groups?.get(id) ?? null }));
}

/** The host's name for an id seen inside a user namespace: mapped out first, then looked up. */
function hostName(names: ReadonlyMap<number, string> | null, map: readonly IdRange[] | null, id: number): string | null {
  const host = map && !isHostMap(map) ? toHost(map, id) : id;
  return host === null ? null : names?.get(host) ?? null;
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
function seccompMode(raw: string | undefined): ProcRecord['seccomp'] {
  switch (raw?.trim()) {
    case '0': return 'disabled';
    case '1': return 'strict';
    case '2': return 'filter';
    default: return null;
  }
}

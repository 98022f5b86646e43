import { decodeCapabilities, type DecodedSet } from './decode/capabilities.js';
import { decodeSignals, parseSigQ } from './decode/signals.js';
import type { Finding } from './findings.js';
import type { StatusRecord } from './procfs/status.js';

/** Where an item was read: a pod's container, or the local machine (all null). */
export interface Origin {
  pod: string | null;
  namespace: string | null;
  container: string | null;
}

/** One process, in the shape of the `-o json` contract (see README). */
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
  fields: Record<string, string>;
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

/** The status of one process, decoded. */
export function itemFromRecord(origin: Origin, pid: number, record: StatusRecord, tid: number | null = null): ProcItem {
  const f = record.fields;
  const capabilities = Object.fromEntries(
    CAPABILITY_SETS.map(([key, field]) => [key, decodeCapabilities(f[field])]),
  ) as NonNullable<ProcItem['capabilities']>;
  const sigq = parseSigQ(f.SigQ);
  const signals = {
    queued: sigq.queued,
    queueLimit: sigq.limit,
    ...Object.fromEntries(SIGNAL_SETS.map(([key, field]) => [key, decodeSignals(f[field])])),
  } as NonNullable<ProcItem['signals']>;
  return {
    ...origin,
    pid,
    tid,
    error: null,
    name: f.Name ?? null,
    state: f.State ?? null,
    ppid: integer(f.PPid),
    uid: integers(f.Uid, 4),
    gid: integers(f.Gid, 4),
    threads: integer(f.Threads),
    capabilities,
    signals,
    noNewPrivs: f.NoNewPrivs === '1' ? true : f.NoNewPrivs === '0' ? false : null,
    seccomp: seccompMode(f.Seccomp),
    seccompFilters: integer(f.Seccomp_filters),
    nspid: integers(f.NSpid),
    vmRSS: f.VmRSS ?? null,
    fields: { ...f },
    findings: [],
    debugContainer: null,
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
    threads: null,
    capabilities: null,
    signals: null,
    noNewPrivs: null,
    seccomp: null,
    seccompFilters: null,
    nspid: null,
    vmRSS: null,
    fields: {},
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

/** seccomp mode numbers from include/uapi/linux/seccomp.h (SECCOMP_MODE_*). */
function seccompMode(raw: string | undefined): ProcItem['seccomp'] {
  switch (raw?.trim()) {
    case '0': return 'disabled';
    case '1': return 'strict';
    case '2': return 'filter';
    default: return null;
  }
}

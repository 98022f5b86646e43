import type { Judged } from '../judge/judge.js';
import { podLevels, type PodLevel } from '../judge/levels.js';

/** Which sections to show: --capabilities, --signals, or both. */
export interface Show {
  capabilities: boolean;
  signals: boolean;
}

/** What shapes a document item: the sections shown, and whether the raw status fields go in. */
export interface DocumentSpec {
  show: Show;
  /** --raw-fields: every raw key of the status file, as `fields`. */
  rawFields: boolean;
}

export const DOCUMENT_KIND = 'ProcStatusList';

/**
 * The -o json|yaml contract (README "JSON"), in one place: one judged
 * record → one document item, field by field, in the documented order.
 * jsonpath, custom-columns and --sort-by address the same items. A node
 * read's items lead with `node` and end with `cgroupPodUid`; with
 * --capabilities or --signals the other section is left out; `fields`
 * only with --raw-fields.
 */
export function documentItem(j: Judged, spec: DocumentSpec): Record<string, unknown> {
  const r = j.record;
  const nodeRead = r.where.node !== null;
  const out: Record<string, unknown> = {};
  if (nodeRead) out.node = r.where.node;
  out.pod = r.where.pod;
  out.namespace = r.where.namespace;
  out.container = r.where.container;
  out.pid = r.pid;
  out.tid = r.tid;
  out.error = r.failure?.message ?? null;
  out.name = r.name;
  out.state = r.state;
  out.ppid = r.ppid;
  out.tgid = r.tgid;
  out.uid = r.uid;
  out.gid = r.gid;
  out.user = r.user;
  out.group = r.group;
  out.hostUser = r.hostUser;
  out.hostGroup = r.hostGroup;
  out.supplementaryGroups = r.supplementaryGroups;
  out.threads = r.threads;
  if (spec.show.capabilities) out.capabilities = r.capabilities;
  if (spec.show.signals) out.signals = r.signals;
  out.noNewPrivs = r.noNewPrivs;
  out.seccomp = r.seccomp;
  out.seccompFilters = r.seccompFilters;
  out.nspid = r.nspid;
  out.vmRSS = r.vmRSS;
  out.rssBytes = r.rssBytes;
  out.startTime = r.startTime;
  out.elapsedSeconds = r.elapsedSeconds;
  out.cpuSeconds = r.cpuSeconds;
  out.pcpu = r.pcpu;
  out.nice = r.nice;
  out.pgid = r.pgid;
  out.tty = r.tty;
  out.lsm = r.lsm;
  out.uidMap = r.uidMap;
  out.gidMap = r.gidMap;
  out.kernelThread = r.kernelThread;
  out.cmdline = r.cmdline;
  if (spec.rawFields) out.fields = r.fields;
  out.podSecurity = j.judgement.podSecurity;
  out.findings = j.judgement.findings;
  out.debugContainer = r.debugContainer;
  if (nodeRead) out.cgroupPodUid = r.cgroupPodUid;
  return out;
}

export interface Document {
  kind: typeof DOCUMENT_KIND;
  items: Record<string, unknown>[];
  pods?: PodLevel[];
  drift?: unknown[];
}

/** A whole document at once, for the printers that need it whole (jsonpath over .items, --sort-by). */
export function toDocument(items: readonly Judged[], spec: DocumentSpec, pods: PodLevel[] = podLevels(items), drift: unknown[] = []): Document {
  return { kind: DOCUMENT_KIND, items: items.map((j) => documentItem(j, spec)), ...(pods.length ? { pods } : {}), ...(drift.length ? { drift } : {}) };
}

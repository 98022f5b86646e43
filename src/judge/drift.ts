import { idMapLine } from '../procfs/idmap.js';
import { seccompLine, type ProcRecord } from '../record/record.js';
import type { Finding } from './finding.js';

/**
 * Drift across replicas: the pods of one owner (a ReplicaSet, StatefulSet,
 * DaemonSet or Job) share one template, so their containers of one name
 * should show the same kernel state. Where they do not, the runtime or its
 * configuration differs between the pods' nodes (a node without
 * SeccompDefault, another runtime version, a profile not loaded): this
 * answers "is SeccompDefault really on everywhere?".
 */
export interface ReplicaState {
  pod: string;
  node: string | null;
  /** The node's containerRuntimeVersion and kubeletVersion, where the Node could be read. */
  runtime: string | null;
  kubelet: string | null;
  state: KernelState;
}

/** What is compared: PID 1's confinement, as the kernel shows it. */
export interface KernelState {
  CapBnd: string | null;
  CapEff: string | null;
  Seccomp: string | null;
  NoNewPrivs: string | null;
  LSM: string | null;
  UidMap: string | null;
  GidMap: string | null;
}

export interface DriftGroup {
  namespace: string;
  owner: string;
  container: string;
  replicas: ReplicaState[];
}

export function kernelState(r: ProcRecord): KernelState {
  return {
    CapBnd: r.capabilities?.bounding.mask ?? null,
    CapEff: r.capabilities?.effective.mask ?? null,
    Seccomp: seccompLine(r),
    NoNewPrivs: r.noNewPrivs === null ? null : r.noNewPrivs ? '1' : '0',
    LSM: r.lsm?.label ?? null,
    UidMap: r.uidMap ? idMapLine(r.uidMap) : null,
    GidMap: r.gidMap ? idMapLine(r.gidMap) : null,
  };
}

/** One owner's replicas → a finding for each field on which they differ: who shows what, on which node and runtime. */
export function driftFindings(group: DriftGroup): Finding[] {
  const out: Finding[] = [];
  const fields = Object.keys(group.replicas[0]?.state ?? {}) as (keyof KernelState)[];
  for (const field of fields) {
    const byValue = new Map<string, ReplicaState[]>();
    for (const r of group.replicas) {
      const v = r.state[field] ?? '(not read)';
      byValue.set(v, [...(byValue.get(v) ?? []), r]);
    }
    if (byValue.size < 2) continue;
    const told = [...byValue].sort((a, b) => b[1].length - a[1].length).map(([value, rs]) =>
      `${field} ${value} in ${rs.map((r) => `${r.pod}${r.node ? ` (node ${r.node}${r.runtime ? `, ${r.runtime}` : ''}${r.kubelet ? `, kubelet ${r.kubelet}` : ''})` : ''}`).join(', ')}`);
    out.push({ id: 'replica-drift', severity: 'warning',
      message: `${group.owner} in ${group.namespace}, container ${group.container}: its pods share one template, yet ${told.join('; ')}` });
  }
  return out;
}

import { createHash } from 'node:crypto';
import type { Location, LogicalLocation } from 'sarif';
import type { Finding } from '../judge/finding.js';
import type { ProcRecord } from '../record/record.js';
import type { Where } from '../record/where.js';
import type { DriftReport } from './renderer.js';
import { visibleText } from './visible.js';
import { workloadName } from './workload-name.js';

/**
 * Where a SARIF result or notification is: a pod's process is nowhere in a
 * repository, so it gets two locations in one.
 *
 * - Logical (§3.33): the place as the cluster names it, a tree kept once in
 *   run.logicalLocations: namespace › pod › container › process
 *   ("default/web/app/pid 1"), a node's own processes under "node NAME",
 *   this machine's processes alone ("pid 1").
 * - Physical: GitHub code scanning shows a result only with
 *   physicalLocation.artifactLocation.uri, and matches a relative URI
 *   against the repository (an absolute one of another scheme than the
 *   checkout's gets the upload refused). So the URI is a relative path that
 *   names the object the way the API path does, and stays the same from run
 *   to run: namespaces/NS/pods/NAME/containers/C, with the pod's name less
 *   the suffix its controller made up (workload-name.ts); nodes/NODE/processes/NAME
 *   for a node's own processes; processes/NAME for this machine's. The
 *   region is line 1: GitHub asks for one, and these objects have no lines.
 *   https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
 */
export class Locations {
  /** run.logicalLocations. */
  readonly logical: LogicalLocation[] = [];
  private readonly indexOf = new Map<string, number>();

  /** A result's or a notification's location: the process (pid null: its container, pod or node), and what reads it. */
  at(where: Where, proc: Pick<ProcRecord, 'pid' | 'tid' | 'name'> | null, message?: string): Location {
    const index = this.place(where, proc);
    const uri = artifactUri(where, proc?.name ?? null);
    return {
      ...(uri !== null ? { physicalLocation: { artifactLocation: { uri }, region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 } } } : {}),
      ...(index !== null ? { logicalLocations: [{ index, fullyQualifiedName: this.logical[index].fullyQualifiedName }] } : {}),
      ...(message !== undefined ? { message: { text: visibleText(message) } } : {}),
    };
  }

  /**
   * An owner's container, for what its replicas show together (drift):
   * namespace › owner › container in the logical tree, and the artifact its
   * pods' results have (namespaces/NS/pods/WORKLOAD-* then /containers/C).
   */
  owner(d: Pick<DriftReport, 'namespace' | 'owner' | 'container' | 'replicas'>): Location {
    const ns = this.add('namespace', d.namespace, d.namespace, null);
    const owner = this.add('owner', d.owner, `${d.namespace}/${d.owner}`, ns);
    const index = this.add('container', d.container, `${d.namespace}/${d.owner}/${d.container}`, owner);
    const pod = d.replicas[0]?.pod ?? d.owner;
    const uri = artifactUri({ node: null, namespace: d.namespace, pod, container: d.container }, null)!;
    return {
      physicalLocation: { artifactLocation: { uri }, region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 } },
      logicalLocations: [{ index, fullyQualifiedName: this.logical[index].fullyQualifiedName }],
      message: { text: visibleText(`${d.owner}, container ${d.container}`) },
    };
  }

  /** The logical location of the process (or of its unit), its parents added first; null where nothing is named. */
  private place(where: Where, proc: Pick<ProcRecord, 'pid' | 'tid'> | null): number | null {
    let parent: number | null = null;
    let path = '';
    const step = (kind: string, name: string, sep = '/') => {
      path = path === '' ? name : `${path}${sep}${name}`;
      parent = this.add(kind, name, path, parent);
    };
    if (where.pod !== null) {
      step('namespace', where.namespace ?? '');
      step('pod', where.pod);
      if (where.container !== null) step('container', where.container);
    } else if (where.node !== null) {
      step('node', `node ${where.node}`);
    }
    if (proc !== null && proc.pid !== null) step('process', proc.tid !== null ? `pid ${proc.pid} thread ${proc.tid}` : `pid ${proc.pid}`);
    return parent;
  }

  private add(kind: string, name: string, fullyQualifiedName: string, parentIndex: number | null): number {
    const known = this.indexOf.get(fullyQualifiedName);
    if (known !== undefined) return known;
    this.logical.push({
      name: visibleText(name), fullyQualifiedName: visibleText(fullyQualifiedName), kind, ...(parentIndex !== null ? { parentIndex } : {}),
    });
    this.indexOf.set(fullyQualifiedName, this.logical.length - 1);
    return this.logical.length - 1;
  }
}

/** The relative URI that stands for the object (see Locations); null for this machine without a process name. */
export function artifactUri(where: Where, name: string | null): string | null {
  const seg = (s: string) => encodeURIComponent(visibleText(s));
  if (where.pod !== null) {
    const pod = `namespaces/${seg(where.namespace ?? '')}/pods/${seg(workloadName(where.pod))}`;
    return where.container !== null ? `${pod}/containers/${seg(where.container)}` : pod;
  }
  const proc = name !== null ? `processes/${seg(name)}` : null;
  if (where.node !== null) return proc !== null ? `nodes/${seg(where.node)}/${proc}` : `nodes/${seg(where.node)}`;
  return proc;
}

/**
 * What makes a result the same result in the next run, for dashboards to
 * keep one alert (SARIF §3.27.17): the object (namespace, the pod's workload
 * name and container; a node and process name; or this machine's process
 * name), the finding's id, and a hash of its message with the numbers left
 * out, since a message can quote what changes with every start (the host
 * uid range of a user namespace, a PID) but not what the finding is. A
 * Deployment's replicas share it, and so do a container's processes with
 * the same finding: one alert, one fix.
 */
export function fingerprint(record: Pick<ProcRecord, 'where' | 'name'>, finding: Finding): string {
  const w = record.where;
  const object = w.pod !== null ? ['pod', w.namespace, workloadName(w.pod), w.container]
    : w.node !== null ? ['node', w.node, record.name] : ['process', record.name];
  const message = sha256(finding.message.replace(/\d+/g, '#'));
  return sha256(JSON.stringify([...object, finding.id, message]));
}

/**
 * Drift's identity: the workload's container and the finding's id. Its
 * message names pods, nodes and versions, which change with every rollout;
 * the drift is one alert until the nodes agree.
 */
export function driftFingerprint(d: Pick<DriftReport, 'namespace' | 'container' | 'replicas' | 'owner'>, finding: Finding): string {
  return sha256(JSON.stringify(['owner', d.namespace, workloadName(d.replicas[0]?.pod ?? d.owner), d.container, finding.id]));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

// Kubelet-style cgroups for the containers of the test node, so that
// /proc/<pid>/cgroup of a container process reads as it does on a real node
// and a client can map a host process to its pod and container.
//
// Layout (kubelet with the systemd cgroup driver + containerd; see
// https://kubernetes.io/docs/setup/production-environment/container-runtimes/#systemd-cgroup-driver
// and pkg/kubelet/cm/cgroup_manager_linux.go, pkg/kubelet/cm/qos_container_manager_linux.go):
//
//   kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid, - as _>.slice/cri-containerd-<64 hex>.scope
//   kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice/cri-containerd-<id>.scope
//   kubepods.slice/kubepods-pod<uid_>.slice/cri-containerd-<id>.scope             (Guaranteed)
//
// and with the cgroupfs driver (pod annotation procstatus.test/cgroup-driver: cgroupfs):
//
//   kubepods/besteffort/pod<uid>/<64 hex>
//   kubepods/burstable/pod<uid>/<64 hex>
//   kubepods/pod<uid>/<64 hex>                                                    (Guaranteed)
//
// Where this differs from a real node: every path sits under a per-server
// directory, <cgroup2 mount>/procstatus-<server pid>-<hex>/, so parallel
// servers do not collide; /proc/<pid>/cgroup therefore reads
// `0::/procstatus-123-ab12cd34/kubepods.slice/...` where a node has
// `0::/kubepods.slice/...`. CRI-O names the scope `crio-<id>.scope` (not
// modelled). On a hybrid (v1 + v2) host the v1 `name=systemd` hierarchy gets
// the same path too, as systemd would give it; the other v1 controllers are
// left alone.
//
// Processes enter their cgroup before they exec the container's command: the
// launcher runs `sh -c 'echo $$ > <dir>/cgroup.procs; exec ...'` (see
// enterCgroupArgv), so every process of the container, forked later or not,
// inherits it. https://docs.kernel.org/admin-guide/cgroup-v2.html#processes

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type CgroupDriver = 'systemd' | 'cgroupfs';
export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** Pod annotation choosing the cgroupfs driver's layout for that pod (default: systemd). */
export const CGROUP_DRIVER_ANNOTATION = 'procstatus.test/cgroup-driver';

/** Directory-name prefix of the per-server cgroup roots. */
export const CGROUP_ROOT_PREFIX = 'procstatus-';

/**
 * v1.PodQOSClass from the containers' resources (pkg/apis/core/v1/helper/qos):
 * Guaranteed when every container has cpu and memory limits equal to its
 * requests (requests default to limits), BestEffort when none sets any,
 * Burstable otherwise.
 */
export function qosClassOf(containers: readonly { resources?: unknown }[]): QosClass {
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const r = (c.resources ?? {}) as { requests?: Record<string, string>; limits?: Record<string, string> };
    const req = r.requests ?? {};
    const lim = r.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const res of ['cpu', 'memory']) {
      if (lim[res] === undefined || (req[res] !== undefined && req[res] !== lim[res])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The pod's cgroup, relative to the kubelet's root. */
export function podCgroupPath(uid: string, qos: QosClass, driver: CgroupDriver): string {
  if (driver === 'cgroupfs') {
    return qos === 'Guaranteed' ? `kubepods/pod${uid}` : `kubepods/${qos.toLowerCase()}/pod${uid}`;
  }
  // systemd slices nest by name: a-b.slice lives in a.slice; '-' in a unit
  // name part is a separator, so the kubelet writes the UID's dashes as '_'.
  const u = uid.replace(/-/g, '_');
  if (qos === 'Guaranteed') return `kubepods.slice/kubepods-pod${u}.slice`;
  const q = qos.toLowerCase();
  return `kubepods.slice/kubepods-${q}.slice/kubepods-${q}-pod${u}.slice`;
}

/**
 * A container's cgroup, relative to the kubelet's root; `containerID` is
 * `containerd://<64 hex>`, `cri-o://<64 hex>` or the bare id. Under the systemd
 * driver containerd names the scope cri-containerd-<id>.scope, CRI-O crio-<id>.scope.
 */
export function containerCgroupPath(podPath: string, containerID: string, driver: CgroupDriver): string {
  const id = containerID.replace(/^[a-z0-9-]+:\/\//, '');
  const prefix = containerID.startsWith('cri-o://') ? 'crio' : 'cri-containerd';
  return driver === 'cgroupfs' ? `${podPath}/${id}` : `${podPath}/${prefix}-${id}.scope`;
}

/** Mount points of the cgroup v2 hierarchy and of the v1 name=systemd one, from /proc/self/mountinfo. */
let mountsCache: { v2?: string; systemdV1?: string } | undefined;

export function cgroupMounts(mountinfo?: string): { v2?: string; systemdV1?: string } {
  let text = mountinfo;
  if (text === undefined) {
    if (mountsCache) return mountsCache;
    try {
      text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    } catch {
      return {};
    }
    mountsCache = parseCgroupMounts(text);
    return mountsCache;
  }
  return parseCgroupMounts(text);
}

function parseCgroupMounts(text: string): { v2?: string; systemdV1?: string } {
  const out: { v2?: string; systemdV1?: string } = {};
  for (const line of text.split('\n')) {
    // https://man7.org/linux/man-pages/man5/proc_pid_mountinfo.5.html: fields, " - ", fstype, source, super options
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    const mountPoint = pre[4]?.replace(/\\040/g, ' ');
    const root = pre[3];
    if (!mountPoint || root !== '/') continue;
    if (fstype === 'cgroup2' && !out.v2) out.v2 = mountPoint;
    if (fstype === 'cgroup' && superOpts.split(',').includes('name=systemd') && !out.systemdV1) out.systemdV1 = mountPoint;
  }
  return out;
}

/**
 * Whether this process can make and populate cgroups here: a writable
 * cgroup v2 hierarchy where a new directory can be made and a process moved
 * into it. `why` says what is missing otherwise (for a test's skip message).
 */
export function canMakeCgroups(): { ok: true; mount: string } | { ok: false; why: string } {
  const { v2 } = cgroupMounts();
  if (!v2) return { ok: false, why: 'no cgroup v2 hierarchy is mounted (see /proc/self/mountinfo)' };
  const probe = path.join(v2, `${CGROUP_ROOT_PREFIX}probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    fs.mkdirSync(probe);
  } catch (e) {
    return { ok: false, why: `cannot create a cgroup under ${v2}: ${e instanceof Error ? e.message : e}` };
  }
  try {
    fs.accessSync(path.join(probe, 'cgroup.procs'), fs.constants.W_OK);
    return { ok: true, mount: v2 };
  } catch (e) {
    return { ok: false, why: `cannot move processes into cgroups under ${v2}: ${e instanceof Error ? e.message : e}` };
  } finally {
    try {
      fs.rmdirSync(probe);
    } catch {
      // nothing to do
    }
  }
}

/**
 * argv prefix that moves the process into the cgroups whose cgroup.procs
 * files are given, then execs the rest of the command line. A failed write
 * is fatal (exit 126) rather than a container silently outside its cgroup.
 */
export function enterCgroupArgv(procsFiles: readonly string[]): string[] {
  if (procsFiles.length === 0) return [];
  const script = 'for f; do [ "$f" = -- ] && break; echo $$ > "$f" || exit 126; shift; done; shift; exec "$@"';
  return ['sh', '-c', script, 'cgroup-enter', ...procsFiles, '--'];
}

/**
 * Moves a launcher process (unshare, nsenter: the runtime's part, like a
 * containerd shim) back to this server's own cgroups once the container's
 * process has forked from it, so a container's cgroup holds only the
 * container's processes.
 */
export function leaveCgroups(pid: number): void {
  const { v2, systemdV1 } = cgroupMounts();
  let own = '';
  try {
    own = fs.readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return;
  }
  const lines = own.split('\n');
  const target = (mount: string | undefined, prefix: string): void => {
    const line = lines.find((l) => l.startsWith(prefix));
    if (!mount || !line) return;
    try {
      fs.writeFileSync(path.join(mount, line.slice(prefix.length), 'cgroup.procs'), String(pid));
    } catch {
      // gone already, or not movable: it stays where it is
    }
  };
  target(v2, '0::');
  const v1 = lines.find((l) => /^\d+:name=systemd:/.test(l));
  if (v1) target(systemdV1, v1.slice(0, v1.indexOf(':name=systemd:') + ':name=systemd:'.length));
}

function pidsOf(dir: string): number[] {
  try {
    return fs
      .readFileSync(path.join(dir, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Every directory under (and including) dir, deepest first. */
function subtree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(path.join(d, e.name));
    out.push(d);
  };
  walk(dir);
  return out;
}

/** SIGKILLs every process left in the tree and removes its directories, leaf first. Returns whether it is all gone. */
export function removeCgroupTree(dir: string): boolean {
  for (const d of subtree(dir)) {
    for (const pid of pidsOf(d)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
  let ok = true;
  for (const d of subtree(dir)) {
    try {
      fs.rmdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') ok = false;
    }
  }
  return ok;
}

/**
 * Roots left by servers that were SIGKILLed (the PID in the name is gone):
 * kills what is left in them and removes them.
 */
export function sweepStaleCgroupRoots(): void {
  const { v2, systemdV1 } = cgroupMounts();
  for (const mount of [v2, systemdV1]) {
    if (!mount) continue;
    let names: string[] = [];
    try {
      names = fs.readdirSync(mount);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = /^procstatus-(\d+)-[0-9a-f]+$/.exec(name);
      if (!m) continue;
      let alive = false;
      try {
        process.kill(Number(m[1]), 0);
        alive = true;
      } catch {
        // owner gone
      }
      if (!alive) removeCgroupTree(path.join(mount, name));
    }
  }
}

/** The per-server cgroup root directory (under the v2 mount) of the server with this PID, if it has one. */
export function serverCgroupRoot(serverPid: number): string | undefined {
  const { v2 } = cgroupMounts();
  if (!v2) return undefined;
  let names: string[] = [];
  try {
    names = fs.readdirSync(v2);
  } catch {
    return undefined;
  }
  const name = names.find((n) => n.startsWith(`${CGROUP_ROOT_PREFIX}${serverPid}-`));
  return name && path.join(v2, name);
}

/**
 * The node's cgroups: one root per server under the v2 mount (and the v1
 * name=systemd mount, if any and writable), and the pod and container
 * directories below it.
 */
export class NodeCgroups {
  /** The per-server root's name, e.g. procstatus-4242-1a2b3c4d; /proc/<pid>/cgroup paths start with /<name>/. */
  readonly rootName: string;
  private readonly roots: string[];

  private constructor(rootName: string, roots: string[]) {
    this.rootName = rootName;
    this.roots = roots;
  }

  /** Creates the roots, or answers undefined when cgroups cannot be made here. */
  static create(): NodeCgroups | undefined {
    if (!canMakeCgroups().ok) return undefined;
    sweepStaleCgroupRoots();
    const { v2, systemdV1 } = cgroupMounts();
    const rootName = `${CGROUP_ROOT_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`;
    const roots: string[] = [];
    for (const mount of [v2, systemdV1]) {
      if (!mount) continue;
      try {
        fs.mkdirSync(path.join(mount, rootName));
        roots.push(path.join(mount, rootName));
      } catch {
        if (mount === v2) return undefined;
      }
    }
    return new NodeCgroups(rootName, roots);
  }

  /** Makes the directories of `rel` (relative to the kubelet's root) and returns their cgroup.procs files, v2 first. */
  ensure(rel: string): string[] {
    const files: string[] = [];
    for (const root of this.roots) {
      const dir = path.join(root, rel);
      fs.mkdirSync(dir, { recursive: true });
      files.push(path.join(dir, 'cgroup.procs'));
    }
    return files;
  }

  /** What /proc/<pid>/cgroup shows (v2 line, after `0::`) for a process in `rel`. */
  procPath(rel: string): string {
    return `/${this.rootName}/${rel}`;
  }

  /** Kills what is left in `rel` and removes it (a deleted pod's cgroup). */
  remove(rel: string): void {
    for (const root of [...this.roots].reverse()) removeCgroupTree(path.join(root, rel));
  }

  /** Kills every process left under the roots and removes them; retried while processes are still exiting. */
  async removeAll(timeoutMs = 3000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // The v1 tree first: its directories cannot go while processes are in them either.
      const ok = [...this.roots].reverse().map((r) => removeCgroupTree(r)).every(Boolean);
      if (ok || Date.now() > deadline) return ok;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Synchronous best effort, for exit handlers. */
  removeAllSync(): void {
    for (const r of [...this.roots].reverse()) removeCgroupTree(r);
  }
}

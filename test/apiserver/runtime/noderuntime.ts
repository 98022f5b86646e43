// What the node (kubelet + container runtime) makes of a pod's security
// fields, for containers whose fixture entry says run.applySecurity: true,
// and how runtimes other than containerd+runc word an exec failure.
//
// Security fields applied (https://kubernetes.io/docs/tasks/configure-pod-container/security-context/):
//   runAsUser, runAsGroup, runAsNonRoot, supplementalGroups, privileged,
//   allowPrivilegeEscalation, capabilities.add/drop  -> security.ts resolveCredentials
//   seccompProfile {type: RuntimeDefault}, container over pod -> a seccomp
//     filter (Seccomp: 2); Unconfined or unset -> none (Seccomp: 0), the
//     kubelet's default (https://kubernetes.io/docs/tutorials/security/seccomp/).
//     Privileged containers get none, as containerd does.
//   spec.hostUsers: false -> a user namespace mapping 65536 ids, uid 0 inside
//     = a multiple of 65536 outside
//     (https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/)
//
// Runtime lies: pod annotations that make the node ignore a field the API
// still serves, so a client can be tested on "spec against kernel":
//   procstatus.test/ignore-host-users: "true"   hostUsers: false not honoured
//   procstatus.test/ignore-seccomp: "true"      seccompProfile not honoured
//   procstatus.test/ignore-run-as-user: "true"  runAsUser/runAsGroup/runAsNonRoot not honoured (runs as 0)
//   procstatus.test/extra-capabilities: "NET_RAW,SYS_ADMIN"  added to the bounding set
//
// Other runtimes: procstatus.test/runtime: "crio-runc" | "crio-crun" (and
// Windows pods: spec.os.name windows or nodeSelector kubernetes.io/os:
// windows) change the containerID scheme and exec failure wording.

import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CAP_NAMES, resolveCredentials, withCapabilities } from './security.ts';
import type { CredentialError, PodSecurityContext, SecurityContext } from './security.ts';
import { execInternalError, execNonZeroExit } from '../api/status.ts';
import type { Status } from '../api/status.ts';

export const ANNOTATION = {
  runtime: 'procstatus.test/runtime',
  ignoreHostUsers: 'procstatus.test/ignore-host-users',
  ignoreSeccomp: 'procstatus.test/ignore-seccomp',
  ignoreRunAsUser: 'procstatus.test/ignore-run-as-user',
  extraCapabilities: 'procstatus.test/extra-capabilities',
} as const;

export type RuntimeName = 'containerd' | 'crio-runc' | 'crio-crun' | 'windows';
export const RUNTIMES: readonly string[] = ['containerd', 'crio-runc', 'crio-crun'];

/** The ids a user namespace maps (the kubelet's fixed size). */
export const USERNS_SIZE = 65536;

interface PodLike {
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
}

function annotations(pod: PodLike): Record<string, string> {
  return (pod.metadata.annotations ?? {}) as Record<string, string>;
}

/** A pod scheduled for Windows: spec.os.name, or the kubernetes.io/os node selector. */
export function isWindowsPod(spec: Record<string, unknown>): boolean {
  const os = spec.os as { name?: string } | undefined;
  const sel = spec.nodeSelector as Record<string, string> | undefined;
  return os?.name === 'windows' || sel?.['kubernetes.io/os'] === 'windows';
}

export function podRuntime(pod: PodLike): RuntimeName {
  if (isWindowsPod(pod.spec)) return 'windows';
  const r = annotations(pod)[ANNOTATION.runtime];
  return r === 'crio-runc' || r === 'crio-crun' ? r : 'containerd';
}

/** status.containerStatuses[].containerID: <runtime>://<64 hex>, as the CRI runtime reports it. */
export function newContainerID(pod: PodLike): string {
  const scheme = podRuntime(pod).startsWith('crio') ? 'cri-o' : 'containerd';
  return `${scheme}://${randomBytes(32).toString('hex')}`;
}

/** How credexec.py sets up the container's process (see that file). */
export interface LaunchConfig {
  uid: number;
  gid: number;
  groups: number[];
  /** Bounding set; null keeps every capability (privileged). */
  caps: number[] | null;
  noNewPrivs: boolean;
  seccomp: boolean;
  /** Host uid (and gid) that uid 0 of the container's user namespace maps to; undefined for the host's. */
  userNamespaceBase?: number;
}

function seccompType(p: unknown): string | undefined {
  return (p as { type?: string } | undefined)?.type;
}

/**
 * The launch configuration for a container, or the kubelet's refusal.
 * `nextUserNamespace` hands out the pod's id range (called only for
 * hostUsers: false).
 */
export function launchConfig(
  pod: PodLike & { name: string; namespace: string },
  container: Record<string, unknown>,
  lastCap: number,
  userNamespaceBase: () => number,
): LaunchConfig | CredentialError {
  const ann = annotations(pod);
  let sc = (container.securityContext ?? {}) as SecurityContext;
  let podSc = (pod.spec.securityContext ?? {}) as PodSecurityContext;
  if (ann[ANNOTATION.ignoreRunAsUser] === 'true') {
    const strip = <T extends Record<string, unknown>>(o: T): T => {
      const { runAsUser: _u, runAsGroup: _g, runAsNonRoot: _n, ...rest } = o;
      return rest as T;
    };
    sc = strip(sc);
    podSc = strip(podSc);
  }
  const podRef = `${pod.name}_${pod.namespace}(${String(pod.metadata.uid)})`;
  const creds = resolveCredentials(sc, podSc, [], podRef, String(container.name), lastCap);
  if ('reason' in creds) return creds;
  let caps: number[] | null = sc.privileged ? null : creds.caps;
  const extra = ann[ANNOTATION.extraCapabilities];
  if (extra && caps) caps = withCapabilities(caps, extra.split(','), lastCap);
  const profile = seccompType(sc.seccompProfile) ?? seccompType(podSc.seccompProfile);
  const seccomp = profile === 'RuntimeDefault' && !sc.privileged && ann[ANNOTATION.ignoreSeccomp] !== 'true';
  const userns = pod.spec.hostUsers === false && ann[ANNOTATION.ignoreHostUsers] !== 'true';
  return {
    uid: creds.uid,
    gid: creds.gid,
    groups: creds.groups,
    caps,
    noNewPrivs: creds.noNewPrivs,
    seccomp,
    ...(userns ? { userNamespaceBase: userNamespaceBase() } : {}),
  };
}

/** The highest capability number this kernel knows (/proc/sys/kernel/cap_last_cap). */
export function lastCap(): number {
  try {
    const n = Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
    return Number.isInteger(n) ? n : CAP_NAMES.length - 1;
  } catch {
    return CAP_NAMES.length - 1;
  }
}

/** The uid_map / gid_map line for a user namespace at `base`, as the kubelet sets it up. */
export function idMapLine(base: number): string {
  return `0 ${base} ${USERNS_SIZE}\n`;
}

export const CREDEXEC = path.join(path.dirname(fileURLToPath(import.meta.url)), 'credexec.py');

let interpreter: { path: string } | undefined;
/** The real python3 binary (not a shim script): it must run inside the container's mount namespace as is. */
export function python(): { path: string } {
  if (!interpreter) {
    const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
    const p = r.status === 0 ? r.stdout.trim() : '';
    if (!p) throw new Error('the test API server needs python3 to start containers (runtime/mounts.py, credexec.py)');
    interpreter = { path: p };
  }
  return interpreter;
}

/** argv that starts `argv` through credexec.py with this configuration. */
export function credexecArgv(cfg: Record<string, unknown>, argv: string[]): string[] {
  return [python().path, CREDEXEC, JSON.stringify(cfg), ...argv];
}

/** What an exec whose command cannot be found answers, per runtime; undefined: containerd's wording (exec.ts). */
export interface ExecFailure {
  stderr?: string;
  status: Status;
}

function logfmtTime(d = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/**
 * CRI-O runs `runc exec` / `crun exec` attached to the exec streams
 * (internal/oci/runtime_oci.go ExecContainer), so the runtime's own error
 * goes to the client's stderr and its exit status becomes the exec's:
 *   runc logs through logrus (logfmt, "time=... level=error msg=...") and
 *   exits 255 when exec fails ("exec failed: unable to start container
 *   process: exec: \"cat\": executable file not found in $PATH", the same
 *   text runc gives containerd, cf. cri-o/cri-o#9136, opencontainers/runc#4713);
 *   crun says "executable file `cat` not found in $PATH: No such file or
 *   directory" (containers/crun#1664, #1688, the wording from crun#439/#445).
 *   runc's 255 is its exec command's exit code for a failed exec (runc
 *   exec.go, fatalWithCode(..., 255)); crun's 255 here is assumed to match
 *   and was not checked against crun's source.
 * Windows (containerd + hcsshim): CreateProcess fails inside HCS and
 * containerd wraps it as for any exec failure: "hcs::System::CreateProcess
 * <container id>: The system cannot find the file specified." (wording as in
 * containerd/containerd#6300 for a start, and the same HCS call for exec).
 */
export function execFailure(runtime: RuntimeName, argv: readonly string[], containerID: string): ExecFailure | undefined {
  const cmd = argv[0] ?? '';
  switch (runtime) {
    case 'crio-runc':
      return {
        stderr:
          `time="${logfmtTime()}" level=error msg="exec failed: unable to start container process: ` +
          `exec: \\"${cmd}\\": executable file not found in $PATH"\n`,
        status: execNonZeroExit(argv, 255),
      };
    case 'crio-crun':
      return {
        stderr: `executable file \`${cmd}\` not found in $PATH: No such file or directory\n`,
        status: execNonZeroExit(argv, 255),
      };
    case 'windows': {
      const execId = randomBytes(32).toString('hex');
      const id = containerID.replace(/^[a-z-]+:\/\//, '');
      return {
        status: execInternalError(
          `error executing command in container: failed to exec in container: failed to start exec "${execId}": ` +
            `hcs::System::CreateProcess ${id}: The system cannot find the file specified.: unknown`,
        ),
      };
    }
    default:
      return undefined;
  }
}

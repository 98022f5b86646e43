// The kubelet's part for ephemeral containers: after the API accepted one,
// report it, "pull" its image, start it next to its target, and keep its
// status current. Times are short but real, so a client has to poll:
//
//   PATCH answered      spec.ephemeralContainers has it; no status entry yet
//   ~25 ms              status: waiting, reason ContainerCreating
//   100-300 ms          running (startedAt), or one of:
//                         waiting ErrImagePull, then ImagePullBackOff (the
//                           image cannot be pulled; retried with back-off, forever)
//                         waiting CreateContainerConfigError (runAsNonRoot as root)
//                         waiting CreateContainerError (target not running, bad capability)
//                         terminated StartError, exit code 128 (command not in the image)
//   when it exits       terminated, with its exit code (137 when SIGKILLed)
//
// A pod that is not Running on the node keeps ContainerCreating.
//
// Namespaces: with targetContainerName the process joins that container's
// PID namespace, unless the pod carries the annotation
// procstatus.test/no-ephemeral-targeting: "true" (a runtime without
// targeting support): then, as without a target, it gets a PID namespace of
// its own, where its command is PID 1. See containers.ts
// startEphemeralContainer for the mount namespace.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CONTAINER_PATH, ContainerStartError, exitStatus, resolveInRoot, startEphemeralContainer } from './containers.ts';
import {
  backOffMessage,
  containerRootfs,
  imageContent,
  imageID,
  imageRootfs,
  parseImageRef,
  pullErrorMessage,
  pullFails,
} from './images.ts';
import type { ContainerRecord, PodRecord } from '../cluster/records.ts';
import { containerMounts } from './mounts.ts';
import { python } from './noderuntime.ts';
import { CAP_NAMES, capshCredentialArgs, resolveCredentials } from './security.ts';
import type { PodSecurityContext, SecurityContext } from './security.ts';

/** Pod annotation: this pod's runtime ignores targetContainerName. */
export const NO_TARGETING_ANNOTATION = 'procstatus.test/no-ephemeral-targeting';

/** When the status entry appears (waiting, ContainerCreating). */
export const REPORT_DELAY_MS = 25;
/** The container is reported running (or failed) this long after the PATCH, at the earliest. */
export const START_DELAY_MS: readonly [number, number] = [100, 300];
/** How long ErrImagePull shows before ImagePullBackOff, and the first back-off before the next pull. */
const PULL_ERROR_MS = 500;
const FIRST_BACKOFF_MS = 2000;
const MAX_BACKOFF_MS = 16_000;

export interface KubeletContext {
  workDir: string;
  /** Runs fn after ms unless the cluster has stopped by then. */
  schedule(ms: number, fn: () => void): void;
  stopped(): boolean;
  /** The pod's status changed: new resourceVersion. */
  touch(pod: PodRecord): void;
  /** cgroup.procs files the container's processes go into (cgroups.ts); none when the node makes no cgroups. */
  cgroupProcs?(pod: PodRecord, c: ContainerRecord): string[] | undefined;
}

/** How runEphemeralContainer starts a container of a pod being created (cluster/podlifecycle.ts) rather than a debug container. */
export interface StartHow {
  /** Join this process's PID namespace, whatever targetContainerName says (hostPID: the server's own). */
  joinPid?: number;
  /** The pod is starting: run the container although the pod is not Running yet. */
  podStarting?: boolean;
}

function lastCap(): number {
  try {
    const n = Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
    return Number.isInteger(n) ? n : CAP_NAMES.length - 1;
  } catch {
    return CAP_NAMES.length - 1;
  }
}

let capshChecked: boolean | undefined;
function haveCapsh(): boolean {
  capshChecked ??= spawnSync('capsh', ['--quiet', '--print'], { stdio: 'ignore' }).status === 0;
  return capshChecked;
}

function noTargeting(pod: PodRecord): boolean {
  const ann = (pod.metadata.annotations ?? {}) as Record<string, string>;
  return ann[NO_TARGETING_ANNOTATION] === 'true';
}

/** The container's argv: command + args; args alone run as given (the images here have no ENTRYPOINT); else the default. */
export function ephemeralArgv(spec: Record<string, unknown>): string[] {
  const command = (spec.command as string[] | undefined) ?? [];
  const args = (spec.args as string[] | undefined) ?? [];
  if (command.length) return [...command, ...args];
  if (args.length) return args;
  // busybox's CMD is "sh". Without stdin that shell would exit at once, so
  // the default here is a command that stays up; with stdin it is the shell,
  // waiting on a stdin that stays open.
  return spec.stdin === true ? ['sh'] : ['sleep', 'infinity'];
}

function randomDelay(): number {
  const [lo, hi] = START_DELAY_MS;
  return lo + Math.floor(Math.random() * (hi - lo));
}

/**
 * Takes a just-added ephemeral container through its life. `immediate`
 * (fixture-declared containers at server start) skips the delays and
 * resolves once it runs or has failed.
 */
export async function runEphemeralContainer(
  ctx: KubeletContext,
  pod: PodRecord,
  c: ContainerRecord,
  immediate = false,
  how: StartHow = {},
): Promise<void> {
  const t0 = Date.now();
  const startAt = t0 + (immediate ? 0 : randomDelay());
  const set = (state: ContainerRecord['state']): void => {
    if (ctx.stopped()) return;
    c.state = state;
    ctx.touch(pod);
  };
  /** Runs fn no earlier than startAt. */
  const atStart = (fn: () => void): void => {
    const wait = startAt - Date.now();
    if (wait <= 0) fn();
    else ctx.schedule(wait, fn);
  };
  c.state = { waiting: { reason: 'ContainerCreating' } };
  if (immediate) {
    c.visible = true;
  } else {
    ctx.schedule(REPORT_DELAY_MS, () => {
      c.visible = true;
      ctx.touch(pod);
    });
  }
  if (!how.podStarting && (pod.phase !== 'Running' || pod.spec.nodeName === undefined)) return;

  const spec = c.spec;
  const image = String(spec.image ?? '');
  const ref = parseImageRef(image);
  if (pullFails(image)) {
    let backoff = FIRST_BACKOFF_MS;
    const pull = (): void => {
      set({ waiting: { reason: 'ErrImagePull', message: pullErrorMessage(ref) } });
      ctx.schedule(PULL_ERROR_MS, () => {
        set({ waiting: { reason: 'ImagePullBackOff', message: backOffMessage(ref) } });
        ctx.schedule(backoff, pull);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      });
    };
    atStart(pull);
    return;
  }
  const fail = (reason: string, message: string): void => atStart(() => set({ waiting: { reason, message } }));

  const content = imageContent(ref);
  const cap = lastCap();
  const podRef = `${pod.name}_${pod.namespace}(${String(pod.metadata.uid)})`;
  const creds = resolveCredentials(
    spec.securityContext as SecurityContext | undefined,
    pod.spec.securityContext as PodSecurityContext | undefined,
    content.passwd,
    podRef,
    c.name,
    cap,
  );
  if ('reason' in creds) {
    fail(creds.reason, creds.message);
    return;
  }
  const targetName = spec.targetContainerName as string | undefined;
  let joinPid: number | undefined = how.joinPid;
  if (joinPid === undefined && targetName && !noTargeting(pod)) {
    const target = pod.containers.find((x) => x.name === targetName && x.kind !== 'ephemeral');
    if (!target?.proc || !('running' in target.state)) {
      fail('CreateContainerError', `failed to get target container "${targetName}" of pod "${podRef}": container is not running`);
      return;
    }
    joinPid = target.proc.pid1;
  }
  if (!haveCapsh()) {
    fail('CreateContainerError', 'the test API server needs capsh (libcap2-bin) to start ephemeral containers');
    return;
  }
  try {
    python(); // mounts.py sets up the container's mounts
  } catch (e) {
    fail('CreateContainerError', e instanceof Error ? e.message : String(e));
    return;
  }

  // The rest (building the root, starting processes) happens after the PATCH has been answered.
  await new Promise((r) => setImmediate(r));
  if (ctx.stopped()) return;

  const env: Record<string, string> = { PATH: CONTAINER_PATH, HOSTNAME: pod.name, HOME: creds.home };
  if (spec.tty === true) env.TERM = 'xterm';
  for (const e of (spec.env as { name: string; value?: string }[] | undefined) ?? []) if (e.value !== undefined) env[e.name] = e.value;
  c.env = env;

  let rootDir: string;
  try {
    const imageDir = imageRootfs(content, path.join(ctx.workDir, 'images'));
    rootDir = containerRootfs(imageDir, path.join(ctx.workDir, 'rootfs', `${pod.namespace}_${pod.name}_${c.name}`), pod.name);
  } catch (e) {
    fail('CreateContainerError', `failed to prepare the image root: ${e instanceof Error ? e.message : e}`);
    return;
  }
  c.rootDir = rootDir;
  const argv = ephemeralArgv(spec);
  const resolved = resolveInRoot(rootDir, argv[0], env.PATH);
  const startError = (detail: string): void =>
    atStart(() =>
      set({
        terminated: {
          exitCode: 128,
          reason: 'StartError',
          message:
            'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: ' +
            `unable to start container process: error during container init: ${detail}: unknown`,
          startedAt: '1970-01-01T00:00:00Z',
          finishedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          containerID: c.containerID,
        },
      }),
    );
  if (!resolved.ok) {
    startError(resolved.detail);
    return;
  }
  const resolvedPath = resolved.path.startsWith('/') ? resolved.path : `/${resolved.path}`;
  const credArgs = capshCredentialArgs(creds, cap);
  c.sandbox = { rootDir, credArgs };
  if (ctx.stopped()) return;
  let proc;
  try {
    proc = await startEphemeralContainer({
      joinPid,
      mounts: containerMounts(spec.securityContext as SecurityContext | undefined, { root: rootDir, readOnlyRoot: creds.readOnlyRoot }),
      credArgs,
      argv: [resolvedPath, ...argv.slice(1)],
      env,
      stdin: spec.stdin === true,
      label: `${pod.namespace}/${pod.name}/${c.name}`,
      cgroupProcs: ctx.cgroupProcs?.(pod, c),
    });
  } catch (e) {
    if (e instanceof ContainerStartError) {
      startError(e.output.trim() || e.message);
      return;
    }
    throw e;
  }
  if (ctx.stopped()) {
    proc.kill();
    return;
  }
  c.proc = proc;
  c.imageInfo = { image: ref.normalized, imageID: imageID(ref) };
  const startedAt = new Date();
  let finished = false;
  atStart(() => {
    if (!finished) set({ running: { startedAt: stamp(startedAt) } });
  });
  void proc.exited.then((e) => {
    const exitCode = exitStatus(e);
    atStart(() => {
      finished = true;
      set({
        terminated: {
          exitCode,
          ...(e.signal ? { signal: exitCode - 128 } : {}),
          reason: exitCode === 0 ? 'Completed' : 'Error',
          startedAt: stamp(startedAt),
          finishedAt: stamp(new Date()),
          containerID: c.containerID,
        },
      });
    });
  });
}

function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// Real process trees standing in for containers. Each container's argv runs
// as PID 1 of its own PID + mount namespace (unshare --pid --mount --fork),
// whose first step (mounts.py) mounts that namespace's procfs, a /dev, and
// masks /proc as a runtime does, so /proc inside is that namespace's procfs
// and every /proc/<pid>/status a client reads is written by the kernel. Exec
// enters those namespaces with nsenter, like a runtime's `exec` enters a
// container.
//
// Lifetime: setpriv --pdeathsig KILL kills unshare when this server dies,
// --kill-child then kills the namespace's PID 1, and the kernel kills every
// other process of a PID namespace whose init has died
// (https://man7.org/linux/man-pages/man7/pid_namespaces.7.html), so nothing
// outlives the server even when it is SIGKILLed.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { enterCgroupArgv, leaveCgroups } from './cgroups.ts';
import { MOUNTS_PY, mountsArgv } from './mounts.ts';
import type { MountConfig } from './mounts.ts';
import { CREDEXEC } from './noderuntime.ts';

/** The PATH a container runtime uses when the image sets none (containerd's default). */
export const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Every process this module started and has not seen exit, for synchronous cleanup on any exit path. */
const live = new Set<ChildProcess>();

/** Direct children of a process, from /proc/<pid>/task/<tid>/children of every thread. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      const s = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (s) for (const c of s.split(/\s+/)) out.push(Number(c));
    } catch {
      // thread or process went away
    }
  }
  return out;
}

export function descendants(pid: number): number[] {
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) {
    for (const c of childrenOf(stack.pop() as number)) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

function tryKill(pid: number | undefined, sig: NodeJS.Signals = 'SIGKILL'): void {
  if (!pid) return;
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** SIGKILLs a spawned child (started with detached: true), its process group and all its descendants. */
export function killTree(child: ChildProcess): void {
  if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
  for (const d of descendants(child.pid)) tryKill(d);
  tryKill(-child.pid);
  tryKill(child.pid);
}

/** Synchronous last-resort cleanup: safe to call from 'exit' and uncaughtException handlers. */
export function killEverything(): void {
  for (const c of live) killTree(c);
}

/** Resolves once every started process has exited (or after `ms`). */
export async function waitAllExited(ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (live.size && Date.now() < deadline) await sleep(10);
}

function track(child: ChildProcess): void {
  live.add(child);
  child.on('exit', () => live.delete(child));
  child.on('error', () => live.delete(child));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tail(buf: string, chunk: Buffer, max = 16 * 1024): string {
  const s = buf + chunk.toString('utf8');
  return s.length > max ? s.slice(s.length - max) : s;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A shell-style exit status: the code, or 128 + signal number like runc reports. */
export function exitStatus(e: ExitInfo): number {
  if (e.code !== null) return e.code;
  const n = e.signal ? os.constants.signals[e.signal] : undefined;
  return n ? 128 + n : 1;
}

export interface ContainerProcess {
  /** Host PID of the container's PID 1 (namespaced PID 1); exec enters its namespaces. */
  pid1: number;
  /** Host PID of setpriv/unshare. */
  launcherPid: number;
  startedAt: Date;
  exited: Promise<ExitInfo>;
  /** Last 16 KiB of the container's output, for error messages. */
  output(): string;
  kill(): void;
}

/** A spawned launcher (setpriv ...): its output's last 16 KiB, and how it exited. */
interface Launched {
  child: ChildProcess;
  output(): string;
  exited: Promise<ExitInfo>;
  /** How it exited, once `exited` has resolved; undefined before. */
  exitInfo(): ExitInfo | undefined;
}

function launch(args: string[], env: Record<string, string>, stdin: boolean, cgroupProcs: readonly string[] = []): Launched {
  // The cgroup step runs right after setpriv (which keeps --pdeathsig across exec), before anything forks.
  const sep = args.indexOf('--');
  if (cgroupProcs.length) args = [...args.slice(0, sep + 1), ...enterCgroupArgv(cgroupProcs), ...args.slice(sep + 1)];
  const child = spawn('setpriv', args, { env, stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: true });
  track(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = tail(out, d)));
  child.stderr?.on('data', (d: Buffer) => (out = tail(out, d)));
  const exited = new Promise<ExitInfo>((resolve) => {
    // 'close' rather than 'exit', so that unshare's last words are in `out`.
    child.on('close', (code, signal) => {
      // unshare (util-linux 2.38) re-raises its child's fatal signal on
      // itself, except SIGKILL, which it cannot reset: then it says so and
      // exits 1. Report that as the SIGKILL it was.
      if (code === 1 && /unshare: sigprocmask unblock failed/.test(out)) resolve({ code: null, signal: 'SIGKILL' });
      else resolve({ code, signal });
    });
    child.on('error', () => resolve({ code: 127, signal: null }));
  });
  let done: ExitInfo | undefined;
  void exited.then((e) => (done = e));
  return { child, output: () => out, exited, exitInfo: () => done };
}

export interface StartOptions {
  argv: string[];
  env: Record<string, string>;
  /** What the runtime mounts (mounts.ts); a `root` of its own is also where the command is chrooted. */
  mounts: MountConfig;
  /** Stay in the server's PID namespace (the host's), as spec.hostPID asks; the mount namespace is still the container's. */
  hostPID?: boolean;
  workingDir?: string;
  /** Wait until the PID namespace has this many processes. */
  readyProcesses?: number;
  timeoutMs?: number;
  label: string;
  /**
   * Start argv through a helper that does the chroot, working directory and
   * credentials itself (credexec.py, see noderuntime.ts) instead of
   * unshare's --root and --wd. With `idMap`, the helper makes a user
   * namespace and waits for this server to write that line to its uid_map
   * and gid_map (root in the parent namespace may map any ids).
   */
  wrapper?: { argv: string[]; idMap?: string };
  /** cgroup.procs files to enter before the container starts (cgroups.ts). */
  cgroupProcs?: readonly string[];
}

/** Writes uid_map and gid_map of pid once it is in a user namespace of its own; false while it is not yet. */
function writeIdMaps(pid: number, line: string): boolean {
  try {
    if (fs.readlinkSync(`/proc/${pid}/ns/user`) === fs.readlinkSync('/proc/self/ns/user')) return false;
    // One write(2) each: the kernel takes a map in a single write only (user_namespaces(7)).
    fs.writeFileSync(`/proc/${pid}/uid_map`, line);
    fs.writeFileSync(`/proc/${pid}/gid_map`, line);
    return true;
  } catch {
    return false;
  }
}

/**
 * The step of a container's start `pid` is at: the launcher (unshare, or
 * between two images), mounts.py, credexec.py, or (undefined) the command
 * itself.
 */
function startStep(pid: number, launcherExe: string): 'launcher' | 'mounts' | 'credexec' | undefined {
  let exe: string;
  let argv: string[];
  try {
    exe = fs.readlinkSync(`/proc/${pid}/exe`);
    argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return 'launcher'; // not readable yet, or gone (the caller sees its exit)
  }
  // Mid-execve the new image's arguments are not in place yet: undecided.
  if (argv[0] === '') return 'launcher';
  // The helpers are scripts: the interpreter's second argument names them.
  if (argv[1] === MOUNTS_PY) return 'mounts';
  if (argv[1] === CREDEXEC) return 'credexec';
  // unshare, before it has exec'd (its forked child), or as `unshare --root` chrooting the command
  return exe === launcherExe ? 'launcher' : undefined;
}

export async function startContainer(o: StartOptions): Promise<ContainerProcess> {
  const args = ['--pdeathsig', 'KILL', '--', 'unshare', ...(o.hostPID ? [] : ['--pid']), '--mount', '--fork', '--kill-child'];
  // --propagation private (unshare's default for --mount) keeps the
  // container's mounts from leaking back into the host's mount namespace.
  args.push('--propagation', 'private', '--', ...mountsArgv(o.mounts));
  const root = o.mounts.root;
  if (o.wrapper) {
    args.push(...o.wrapper.argv, ...o.argv);
  } else if (root || o.workingDir) {
    args.push('unshare', ...(root ? [`--root=${root}`] : []), ...(o.workingDir ? [`--wd=${o.workingDir}`] : []), '--', ...o.argv);
  } else {
    args.push(...o.argv);
  }
  const { child, output, exited, exitInfo } = launch(args, o.env, false, o.cgroupProcs);

  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  const fail = (why: string): never => {
    killTree(child);
    const out = output();
    throw new Error(`container ${o.label}: ${why}${out ? `; output: ${out.trim()}` : ''}`);
  };
  const launcherPid = child.pid ?? fail('spawn failed');

  // The container's PID 1 is unshare's forked child; it is ready once it has
  // gone through mounts.py (and credexec.py) and exec'd the container's argv.
  let pid1 = 0;
  let mapped = false;
  for (;;) {
    const done = exitInfo();
    if (done) fail(`exited during start-up (${JSON.stringify(done)})`);
    if (Date.now() > deadline) fail('timed out waiting for PID 1');
    if (!pid1) pid1 = childrenOf(launcherPid)[0] ?? 0;
    if (pid1) {
      let launcherExe = '';
      try {
        launcherExe = fs.readlinkSync(`/proc/${launcherPid}/exe`);
      } catch {
        // gone: exitInfo() is set soon
      }
      // Once unshare has a child, the launcher is unshare (setpriv has exec'd it).
      const step = launcherExe ? startStep(pid1, launcherExe) : 'launcher';
      if (step === 'credexec' && o.wrapper?.idMap && !mapped) mapped = writeIdMaps(pid1, o.wrapper.idMap);
      if (step === undefined) break;
    }
    await sleep(5);
  }
  if (o.cgroupProcs?.length) leaveCgroups(launcherPid);
  if (o.readyProcesses && o.readyProcesses > 1) {
    while (1 + descendants(pid1).length < o.readyProcesses) {
      const done = exitInfo();
      if (done) fail(`exited during start-up (${JSON.stringify(done)})`);
      if (Date.now() > deadline) fail(`timed out waiting for ${o.readyProcesses} processes`);
      await sleep(10);
    }
  }
  return {
    pid1,
    launcherPid,
    startedAt: new Date(),
    exited,
    output,
    kill: () => {
      tryKill(pid1);
      killTree(child);
    },
  };
}

// ---- Ephemeral containers ---------------------------------------------------
//
// An ephemeral container's process is started the way a runtime does it for
// `kubectl debug --target`: it joins the target container's PID namespace
// (nsenter --pid; without a target, unshare --pid makes a new one where it is
// PID 1), gets a mount namespace of its own (unshare --mount, private
// propagation), where mounts.py sets up its root (bind-mounted on itself,
// remounted read-only for readOnlyRootFilesystem), the procfs of the PID
// namespace it is in, /dev, /sys and the masked paths. Then capsh chroots
// into the root, sets the credentials and execs the command. setpriv
// --pdeathsig KILL ties every step to this server.

export interface EphemeralStartOptions {
  /** Host PID of a process of the PID namespace to join (the target's PID 1); undefined for a new PID namespace. */
  joinPid?: number;
  /** What the runtime mounts; `root` is the container's own copy of its image root. */
  mounts: MountConfig;
  /** capsh arguments that set the credentials (see security.ts capshCredentialArgs). */
  credArgs: string[];
  /** The command, argv[0] already resolved to an absolute path inside the root. */
  argv: string[];
  env: Record<string, string>;
  /** Hold a pipe on the process's stdin open, as a runtime does for `stdin: true`. */
  stdin: boolean;
  label: string;
  timeoutMs?: number;
  /** cgroup.procs files to enter before the container starts (cgroups.ts). */
  cgroupProcs?: readonly string[];
}

/** The container's command could not be started; `output` is what the launcher said. */
export class ContainerStartError extends Error {
  readonly output: string;
  constructor(message: string, output: string) {
    super(message);
    this.output = output;
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    const x = fs.statSync(a);
    const y = fs.statSync(b);
    return x.ino === y.ino && x.dev === y.dev;
  } catch {
    return false;
  }
}

/**
 * Starts an ephemeral container's process and resolves once it runs the
 * container's command (its /proc/<pid>/exe is the command's file in the
 * root), or once it has exited. Rejects with ContainerStartError when the
 * launcher failed before reaching the command.
 */
export async function startEphemeralContainer(o: EphemeralStartOptions): Promise<ContainerProcess> {
  const rootDir = o.mounts.root;
  const launcher = [...mountsArgv(o.mounts), 'capsh', '--quiet', `--chroot=${rootDir}`, ...o.credArgs, `--shell=${o.argv[0]}`, '--', ...o.argv.slice(1)];
  const args =
    o.joinPid === undefined
      ? ['--pdeathsig', 'KILL', '--', 'unshare', '--pid', '--mount', '--fork', '--kill-child', '--propagation', 'private', '--', ...launcher]
      : [
          '--pdeathsig', 'KILL', '--', 'nsenter', '--target', String(o.joinPid), '--pid', '--',
          'setpriv', '--pdeathsig', 'KILL', '--', 'unshare', '--mount', '--propagation', 'private', '--', ...launcher,
        ];
  const { child, output, exited, exitInfo } = launch(args, o.env, o.stdin, o.cgroupProcs);
  // Never written to and never closed: a shell on stdin waits, like one attached to an idle terminal.
  child.stdin?.on('error', () => {});
  const launcherPid = child.pid;
  if (!launcherPid) {
    killTree(child);
    throw new ContainerStartError(`container ${o.label}: spawn failed`, '');
  }
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  const command = path.join(rootDir, o.argv[0]);
  let pid = 0;
  let ran = false;
  for (;;) {
    if (!pid) pid = childrenOf(launcherPid)[0] ?? 0;
    if (pid && sameFile(`/proc/${pid}/exe`, command)) {
      ran = true;
      break;
    }
    if (exitInfo()) break;
    if (Date.now() > deadline) {
      killTree(child);
      throw new ContainerStartError(`container ${o.label}: timed out waiting for its command to start`, output());
    }
    await sleep(2);
  }
  if (ran && o.cgroupProcs?.length) leaveCgroups(launcherPid);
  if (!ran) {
    // Gone before we saw it exec: a launcher failure says something on its
    // way out; a command that ran and finished at once usually does not.
    const e = await exited;
    const out = output();
    if (out.trim() && exitStatus(e) !== 0) throw new ContainerStartError(`container ${o.label}: ${out.trim()}`, out);
  }
  return {
    pid1: pid,
    launcherPid,
    startedAt: new Date(),
    exited,
    output,
    kill: () => {
      if (pid) tryKill(pid);
      killTree(child);
    },
  };
}

/** How to run a command as an ephemeral container's process: chrooted, with its credentials. */
export interface SandboxedExec {
  rootDir: string;
  credArgs: string[];
}

export type Resolved = { ok: true; path: string } | { ok: false; detail: string };

function isExecutableFile(p: string): boolean {
  try {
    const st = fs.statSync(p);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/**
 * Resolves argv[0] inside the container's root (/proc/<pid1>/root) the way
 * runc does before exec (exec.LookPath on the container's PATH), producing
 * the same error text runc reports when it cannot.
 */
export function resolveInContainer(pid1: number, argv0: string, searchPath = CONTAINER_PATH): Resolved {
  return resolveInRoot(`/proc/${pid1}/root`, argv0, searchPath);
}

/** resolveInContainer for a root directory given by its host path. */
export function resolveInRoot(root: string, argv0: string, searchPath = CONTAINER_PATH): Resolved {
  if (argv0.includes('/')) {
    const abs = argv0.startsWith('/') ? argv0 : `/${argv0}`;
    if (isExecutableFile(root + abs)) return { ok: true, path: argv0 };
    if (fs.existsSync(root + abs)) return { ok: false, detail: `exec: "${argv0}": permission denied` };
    return { ok: false, detail: `exec: "${argv0}": stat ${argv0}: no such file or directory` };
  }
  for (const dir of searchPath.split(':')) {
    if (dir && isExecutableFile(`${root}${dir}/${argv0}`)) return { ok: true, path: `${dir}/${argv0}` };
  }
  return { ok: false, detail: `exec: "${argv0}": executable file not found in $PATH` };
}

/**
 * Runs argv inside a container: nsenter joins its PID and mount namespaces
 * and its root and working directory, then forks (a process can only enter a
 * PID namespace through its children) and execs argv. No shell is involved.
 *
 * With `sandbox` (ephemeral containers), the process gets the container's
 * credentials as well, like runc exec gives it the container's user,
 * capabilities and no_new_privs: nsenter joins the namespaces only, capsh
 * chroots into the container's root (working directory /), sets the
 * credentials and execs argv[0] as resolved (`resolved`).
 *
 * With `wrapper` (containers with run.applySecurity), nsenter joins the PID
 * and mount namespaces only and the wrapper (credexec.py) does the rest:
 * user namespace, chroot, working directory, credentials, seccomp.
 */
export function spawnInContainer(
  pid1: number,
  argv: string[],
  env: Record<string, string>,
  stdin: boolean,
  sandbox?: SandboxedExec & { resolved: string },
  wrapper?: { argv: string[] },
  cgroupProcs: readonly string[] = [],
): ChildProcess {
  const command = sandbox
    ? ['capsh', '--quiet', `--chroot=${sandbox.rootDir}`, ...sandbox.credArgs, `--shell=${sandbox.resolved}`, '--', ...argv.slice(1)]
    : wrapper
      ? [...wrapper.argv, ...argv]
      : argv;
  // A wrapper (credexec.py) chroots into the container's root itself; it has
  // to start outside it, where the interpreter is.
  const nsArgs = sandbox || wrapper ? ['--pid', '--mount'] : ['--pid', '--mount', '--root', '--wd'];
  // Exec'd processes join the container's cgroup, as runc exec puts them there.
  const [file, ...rest] = [...enterCgroupArgv(cgroupProcs), 'nsenter', '--target', String(pid1), ...nsArgs, '--', ...command];
  const child = spawn(file, rest, {
    env,
    stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  track(child);
  return child;
}

/**
 * Starts a process in a running container as an exec would (spawnInContainer,
 * no streams), for a fixture's run.execs, and resolves with its host PID
 * once it runs argv (past nsenter and credexec.py).
 */
export async function startExecProcess(
  pid1: number,
  argv: string[],
  env: Record<string, string>,
  wrapper: { argv: string[] } | undefined,
  cgroupProcs: readonly string[] = [],
  timeoutMs = 30_000,
): Promise<number> {
  const child = spawnInContainer(pid1, argv, env, false, undefined, wrapper, cgroupProcs);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = tail(out, d)));
  child.stderr?.on('data', (d: Buffer) => (out = tail(out, d)));
  let ended = false;
  child.on('exit', () => (ended = true));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const pid of child.pid ? descendants(child.pid) : []) {
      let cmdline: string[] = [];
      try {
        cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
      } catch {
        continue;
      }
      if (cmdline.length === argv.length && cmdline.every((a, i) => a === argv[i])) return pid;
    }
    if (ended || Date.now() > deadline) {
      killTree(child);
      throw new Error(`exec ${JSON.stringify(argv)} into PID ${pid1}: ${ended ? 'exited' : 'timed out'}${out ? `: ${out.trim()}` : ''}`);
    }
    await sleep(5);
  }
}

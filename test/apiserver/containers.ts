// Real process trees standing in for containers. Each container's argv runs
// as PID 1 of its own PID + mount namespace (unshare --pid --mount --fork
// --mount-proc), so /proc inside is that namespace's procfs and every
// /proc/<pid>/status a client reads is written by the kernel. Exec enters
// those namespaces with nsenter, like a runtime's `exec` enters a container.
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

export interface StartOptions {
  argv: string[];
  env: Record<string, string>;
  /** chroot into this directory (a minimal rootfs) instead of keeping the host's root. */
  rootDir?: string;
  workingDir?: string;
  /** Wait until the PID namespace has this many processes. */
  readyProcesses?: number;
  timeoutMs?: number;
  label: string;
}

export async function startContainer(o: StartOptions): Promise<ContainerProcess> {
  const args = ['--pdeathsig', 'KILL', '--', 'unshare', '--pid', '--mount', '--fork', '--kill-child'];
  // --propagation private (unshare's default for --mount) keeps the new /proc
  // mount from leaking back into the host's mount namespace.
  args.push('--propagation', 'private', '--mount-proc');
  if (o.rootDir) args.push(`--root=${o.rootDir}`);
  if (o.workingDir) args.push(`--wd=${o.workingDir}`);
  args.push('--', ...o.argv);
  const child = spawn('setpriv', args, { env: o.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
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

  const deadline = Date.now() + (o.timeoutMs ?? 15_000);
  const fail = (why: string): never => {
    killTree(child);
    throw new Error(`container ${o.label}: ${why}${out ? `; output: ${out.trim()}` : ''}`);
  };
  const launcherPid = child.pid ?? fail('spawn failed');

  // The namespaced PID 1 is unshare's forked child; it is ready once it has
  // exec'd the container's argv (its exe is no longer unshare).
  let pid1 = 0;
  for (;;) {
    if (done) fail(`exited during start-up (${JSON.stringify(done)})`);
    if (Date.now() > deadline) fail('timed out waiting for PID 1');
    if (!pid1) pid1 = childrenOf(launcherPid)[0] ?? 0;
    if (pid1) {
      // Once unshare has a child, the launcher is unshare (setpriv has exec'd it).
      let exe = '';
      let launcherExe = '';
      try {
        exe = fs.readlinkSync(`/proc/${pid1}/exe`);
        launcherExe = fs.readlinkSync(`/proc/${launcherPid}/exe`);
      } catch {
        // not readable yet, or gone (then `done` is set soon)
      }
      if (exe && launcherExe && exe !== launcherExe) break;
    }
    await sleep(5);
  }
  if (o.readyProcesses && o.readyProcesses > 1) {
    while (1 + descendants(pid1).length < o.readyProcesses) {
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
    output: () => out,
    kill: () => {
      tryKill(pid1);
      killTree(child);
    },
  };
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
  const root = `/proc/${pid1}/root`;
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
 */
export function spawnInContainer(pid1: number, argv: string[], env: Record<string, string>, stdin: boolean): ChildProcess {
  const child = spawn('nsenter', ['--target', String(pid1), '--pid', '--mount', '--root', '--wd', '--', ...argv], {
    env,
    stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  track(child);
  return child;
}

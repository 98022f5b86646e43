// A credential plugin as a process tree that never outlives its use. A
// plugin is often a script that starts helpers (a browser opener, a token
// refresher, `aws` under a wrapper); killing only the process that was
// started would leave those running. So a plugin runs as the leader of its
// own process group (spawn's `detached`, setsid(2)), and it is the group that
// is killed: at the time limit, when the run is interrupted, and when this
// process exits, whichever comes first.
// https://man7.org/linux/man-pages/man2/setsid.2.html

import type { ChildProcess } from 'node:child_process';

export interface GroupRunOptions {
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** stdout and stderr are each cut here; more ends the run (ENOBUFS). */
  maxOutput: number;
  /**
   * Hand the plugin this process's terminal (stdin, and stderr live) instead of
   * running it detached with stdin on /dev/null. A plugin that prompts needs
   * the terminal as its controlling terminal, so it stays in this process
   * group: Ctrl-C reaches it from the terminal, and it is killed alone.
   */
  terminal: boolean;
  /** Ends the run (the group is killed); it resolves with errorCode ABORT_ERR. */
  signal?: AbortSignal;
}

/** What a run of the plugin gave back. */
export interface PluginRun {
  /** A spawn failure or how the run was ended: ENOENT, EACCES, ETIMEDOUT, ENOBUFS, ABORT_ERR... */
  errorCode?: string;
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** After SIGTERM at the time limit, how long the group has before SIGKILL. */
const TERM_GRACE_MS = 1000;

export async function runInGroup(command: string, args: string[], o: GroupRunOptions): Promise<PluginRun> {
  // Loaded here: a run without a plugin never needs child_process (nor what it loads: dgram, assert).
  const { spawn } = await import('node:child_process');
  return new Promise<PluginRun>((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        env: o.env,
        stdio: o.terminal ? ['inherit', 'pipe', 'inherit'] : ['ignore', 'pipe', 'pipe'],
        detached: !o.terminal,
        windowsHide: true,
      });
    } catch (err) {
      return resolve({ errorCode: (err as NodeJS.ErrnoException).code ?? 'EINVAL', status: null, signal: null, stdout: '', stderr: '' });
    }
    const pid = child.pid;
    const group = pid !== undefined ? live.add(pid, !o.terminal) : null;
    const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], size: { stdout: 0, stderr: 0 } };
    let ended: string | undefined;
    const end = (code: string) => {
      if (ended) return;
      ended = code;
      group?.kill(code === 'ETIMEDOUT' ? TERM_GRACE_MS : 0);
    };
    const collect = (name: 'stdout' | 'stderr') => (b: Buffer) => {
      if (out.size[name] >= o.maxOutput) return;
      out[name].push(b);
      out.size[name] += b.length;
      if (out.size[name] > o.maxOutput) end('ENOBUFS');
    };
    child.stdout?.on('data', collect('stdout'));
    child.stderr?.on('data', collect('stderr'));
    const timer = o.timeoutMs > 0 ? setTimeout(() => end('ETIMEDOUT'), o.timeoutMs) : null;
    const onAbort = () => end('ABORT_ERR');
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });

    let spawnError: string | undefined;
    let done = false;
    const finish = (status: number | null, sig: string | null) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      group?.forget();
      resolve({
        errorCode: spawnError ?? ended,
        status,
        signal: sig,
        stdout: Buffer.concat(out.stdout).toString('utf8'),
        stderr: Buffer.concat(out.stderr).toString('utf8'),
      });
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnError = err.code ?? 'EINVAL';
      // Not started at all (ENOENT, EACCES): nothing else will come.
      if (pid === undefined) finish(null, null);
    });
    // The leader has exited: whatever it left in its group goes with it, and
    // so does a helper that would hold stdout open and 'close' back.
    child.on('exit', () => group?.exited());
    // 'close': exited, and stdout and stderr drained.
    child.on('close', (status, sig) => finish(status, sig));
  });
}

/** A started plugin, killable as a group (or alone, when it shares ours). */
interface LiveGroup {
  /** SIGTERM now, SIGKILL after graceMs (at once when 0). */
  kill(graceMs: number): void;
  /** The leader has exited: its group (if it has its own) is killed; a lone process is not signalled again (its PID may be reused). */
  exited(): void;
  forget(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/**
 * The plugins running now. While there is one, this process's exit and its
 * interrupts kill them first. An interrupt nobody else listens for is then
 * raised again, so the process still dies of it as it would have.
 */
const live = {
  groups: new Map<number, boolean>(),
  hooked: false,

  add(pid: number, ownGroup: boolean): LiveGroup {
    this.groups.set(pid, ownGroup);
    this.hook();
    const target = ownGroup ? -pid : pid;
    let leaderGone = false;
    const kill = (graceMs: number) => {
      if (!this.groups.has(pid) || (leaderGone && !ownGroup)) return;
      signal(target, 'SIGTERM');
      if (graceMs <= 0) signal(target, 'SIGKILL');
      else setTimeout(() => kill(0), graceMs).unref();
    };
    return {
      kill,
      exited: () => {
        if (ownGroup) kill(0);
        leaderGone = true;
        // A lone process that has exited needs no killing at this process's exit either.
        if (!ownGroup) this.groups.delete(pid);
      },
      forget: () => {
        this.groups.delete(pid);
        if (this.groups.size === 0) this.unhook();
      },
    };
  },

  killAll(): void {
    for (const [pid, ownGroup] of this.groups) {
      signal(ownGroup ? -pid : pid, 'SIGTERM');
      signal(ownGroup ? -pid : pid, 'SIGKILL');
    }
    this.groups.clear();
  },

  onExit: () => live.killAll(),
  onSignal: (sig: NodeJS.Signals) => {
    live.killAll();
    live.unhook();
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  },

  hook(): void {
    if (this.hooked) return;
    this.hooked = true;
    process.on('exit', this.onExit);
    for (const s of SIGNALS) process.on(s, this.onSignal);
  },

  unhook(): void {
    if (!this.hooked) return;
    this.hooked = false;
    process.off('exit', this.onExit);
    for (const s of SIGNALS) process.off(s, this.onSignal);
  },
};

function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch {
    // ESRCH: the group is already gone
  }
}

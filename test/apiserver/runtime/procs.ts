// Process checks for tests that make sure nothing outlives an exec, a
// container or the server.

import fs from 'node:fs';

/** Whether the PID exists (signal 0 reaches it): a zombie not yet reaped still counts. */
export function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether a process still runs: a zombie has died and only waits for its (re)parent to reap it. */
export function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Polls every 25 ms until `alive` holds for none of `pids`, or `ms` have passed; returns those it still holds for. */
export async function waitGone(pids: number[], alive: (pid: number) => boolean, ms = 5000): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = pids.filter(alive);
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    left = left.filter(alive);
  }
  return left;
}

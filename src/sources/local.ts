import { readFile, readdir } from 'node:fs/promises';
import { errorItem, itemFromRecord, type Origin, type ProcItem } from '../item.js';
import { parseStatus } from '../procfs/status.js';
import { CliError } from '../errors.js';

const LOCAL: Origin = { pod: null, namespace: null, container: null };

/**
 * The local machine's /proc, read directly: no shell, no child process.
 * https://man7.org/linux/man-pages/man5/proc_pid_status.5.html
 */
export async function readLocal(pids: number[] | 'all', procRoot = '/proc'): Promise<ProcItem[]> {
  if (pids === 'all') {
    let entries: string[];
    try {
      entries = await readdir(procRoot);
    } catch (err) {
      throw noProc(procRoot, err);
    }
    const all = entries.filter((e) => /^\d+$/.test(e)).map(Number).filter((p) => p !== process.pid);
    const items = await Promise.all(all.map((pid) => readOne(pid, procRoot)));
    // Processes that exited between readdir and read are not an error in a sweep.
    return items.filter((i) => i.error !== 'no such process').sort((a, b) => a.pid - b.pid);
  }
  if (pids.length > 0) {
    try {
      await readdir(procRoot);
    } catch (err) {
      throw noProc(procRoot, err);
    }
  }
  return Promise.all(pids.map((pid) => readOne(pid, procRoot)));
}

async function readOne(pid: number, procRoot: string): Promise<ProcItem> {
  try {
    const text = await readFile(`${procRoot}/${pid}/status`, 'utf8');
    return itemFromRecord(LOCAL, pid, parseStatus(text));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return errorItem(LOCAL, pid, 'no such process');
    if (code === 'EACCES' || code === 'EPERM') return errorItem(LOCAL, pid, `permission denied reading ${procRoot}/${pid}/status`);
    return errorItem(LOCAL, pid, `cannot read ${procRoot}/${pid}/status: ${(err as Error).message}`);
  }
}

function noProc(procRoot: string, err: unknown): CliError {
  return new CliError(
    `cannot read ${procRoot} (${(err as NodeJS.ErrnoException).code ?? 'error'}): local mode needs Linux's /proc; name a POD to read from a cluster`,
  );
}

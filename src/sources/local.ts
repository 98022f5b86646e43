import { readFileSync, readdirSync } from 'node:fs';
import { CliError } from '../errors.js';
import { errorItem, itemFromRecord, type Origin, type ProcItem } from '../item.js';
import { parseStatus } from '../procfs/status.js';

const LOCAL: Origin = { pod: null, namespace: null, container: null };

/**
 * The local machine's /proc, read directly: no shell, no child process.
 * Synchronous on purpose: procfs files are generated in memory, and hundreds
 * of small async reads through libuv's thread pool cost more time and memory
 * than reading them one after another.
 * https://man7.org/linux/man-pages/man5/proc_pid_status.5.html
 */
export function readLocal(pids: number[] | 'all', threads = false, procRoot = '/proc'): ProcItem[] {
  let list: number[];
  if (pids === 'all') {
    list = listNumeric(procRoot).filter((p) => p !== process.pid);
  } else {
    listNumeric(procRoot);
    list = pids;
  }
  const items = list.flatMap((pid) => (threads ? readThreads(pid, procRoot) : [readOne(pid, null, procRoot)]));
  // Processes that exited between readdir and read are not an error in a sweep.
  if (pids === 'all') return items.filter((i) => i.error !== 'no such process');
  return items;
}

function listNumeric(dir: string): number[] {
  try {
    return readdirSync(dir).filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => a - b);
  } catch (err) {
    throw new CliError(
      `cannot read ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'}): local mode needs Linux's /proc; name a POD to read from a cluster`,
    );
  }
}

function readThreads(pid: number, procRoot: string): ProcItem[] {
  let tids: number[];
  try {
    tids = readdirSync(`${procRoot}/${pid}/task`).filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => a - b);
  } catch (err) {
    return [failure(pid, null, err, `${procRoot}/${pid}/task`)];
  }
  return tids.map((tid) => readOne(pid, tid, procRoot));
}

function readOne(pid: number, tid: number | null, procRoot: string): ProcItem {
  const path = tid === null ? `${procRoot}/${pid}/status` : `${procRoot}/${pid}/task/${tid}/status`;
  try {
    return itemFromRecord(LOCAL, pid, parseStatus(readFileSync(path, 'utf8')), tid);
  } catch (err) {
    return failure(pid, tid, err, path);
  }
}

function failure(pid: number, tid: number | null, err: unknown, path: string): ProcItem {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ESRCH') return errorItem(LOCAL, pid, 'no such process', tid);
  if (code === 'EACCES' || code === 'EPERM') return errorItem(LOCAL, pid, `permission denied reading ${path}`, tid);
  return errorItem(LOCAL, pid, `cannot read ${path}: ${(err as Error).message}`, tid);
}

import { readFile, readdir } from 'node:fs/promises';
import { CliError } from '../errors.js';
import { errorItem, itemFromRecord, type Origin, type ProcItem } from '../item.js';
import { parseStatus } from '../procfs/status.js';

const LOCAL: Origin = { pod: null, namespace: null, container: null };

/**
 * The local machine's /proc, read directly: no shell, no child process.
 * https://man7.org/linux/man-pages/man5/proc_pid_status.5.html
 */
export async function readLocal(pids: number[] | 'all', threads = false, procRoot = '/proc'): Promise<ProcItem[]> {
  let list: number[];
  if (pids === 'all') {
    list = (await listNumeric(procRoot)).filter((p) => p !== process.pid);
  } else {
    await listNumeric(procRoot);
    list = pids;
  }
  const read = threads ? (pid: number) => readThreads(pid, procRoot) : async (pid: number) => [await readOne(pid, null, procRoot)];
  const items = (await Promise.all(list.map(read))).flat();
  // Processes that exited between readdir and read are not an error in a sweep.
  if (pids === 'all') return items.filter((i) => i.error !== 'no such process');
  return items;
}

async function listNumeric(dir: string): Promise<number[]> {
  try {
    return (await readdir(dir)).filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => a - b);
  } catch (err) {
    throw new CliError(
      `cannot read ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'}): local mode needs Linux's /proc; name a POD to read from a cluster`,
    );
  }
}

async function readThreads(pid: number, procRoot: string): Promise<ProcItem[]> {
  let tids: number[];
  try {
    tids = (await readdir(`${procRoot}/${pid}/task`)).filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => a - b);
  } catch (err) {
    return [failure(pid, null, err, `${procRoot}/${pid}/task`)];
  }
  return Promise.all(tids.map((tid) => readOne(pid, tid, procRoot)));
}

async function readOne(pid: number, tid: number | null, procRoot: string): Promise<ProcItem> {
  const path = tid === null ? `${procRoot}/${pid}/status` : `${procRoot}/${pid}/task/${tid}/status`;
  try {
    return itemFromRecord(LOCAL, pid, parseStatus(await readFile(path, 'utf8')), tid);
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

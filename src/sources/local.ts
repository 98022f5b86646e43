import { readFileSync, readdirSync } from 'node:fs';
import { CliError } from '../errors.js';
import { buildItem, errorItem, type Origin, type ProcItem } from '../record/record.js';
import { readContext } from '../read/context.js';
import { PROC_FILE_PATH, SHARED_FILE_PATH, type ProcFile, type ReadSpec, type SharedFile } from '../read/files.js';
import type { ProcFrames } from '../read/frame.js';

const LOCAL: Origin = { pod: null, namespace: null, container: null };

/**
 * The local machine's /proc, read directly: no shell, no child process, the
 * same files and sections as a pod read.
 * Synchronous on purpose: procfs files are generated in memory, and hundreds
 * of small async reads through libuv's thread pool cost more time and memory
 * than reading them one after another.
 * https://man7.org/linux/man-pages/man5/proc.5.html
 */
export function readLocal(spec: ReadSpec, procRoot = '/proc', etcRoot = ''): ProcItem[] {
  const all = listNumeric(procRoot);
  const list = spec.pids === 'all' ? all.filter((p) => p !== process.pid) : spec.pids;
  const shared: Partial<Record<SharedFile, string>> = {};
  for (const f of spec.shared) {
    const path = f === 'procstat' ? `${procRoot}/stat` : `${etcRoot}${SHARED_FILE_PATH[f]}`;
    const text = tryRead(path);
    if (typeof text === 'string') shared[f] = text;
  }
  const context = readContext(shared);
  const files = [...spec.files];
  const items = list.flatMap((pid) => {
    const tasks = spec.threads ? readTasks(pid, procRoot) : [null];
    if (!Array.isArray(tasks)) return [tasks];
    return tasks.map((tid) => {
      const read = readOne(pid, tid, files, procRoot);
      return 'files' in read ? buildItem(LOCAL, read, context) : read;
    });
  });
  // Processes that exited between readdir and read are not an error in a sweep.
  if (spec.pids === 'all') return items.filter((i) => i.error !== 'no such process');
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

function readTasks(pid: number, procRoot: string): number[] | ProcItem {
  const dir = `${procRoot}/${pid}/task`;
  try {
    return readdirSync(dir).filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => a - b);
  } catch (err) {
    return failure(pid, null, err as NodeJS.ErrnoException, dir);
  }
}

/** One process's (or thread's) files; a status that cannot be read makes it an error item. */
function readOne(pid: number, tid: number | null, files: ProcFile[], procRoot: string): ProcFrames | ProcItem {
  const base = tid === null ? `${procRoot}/${pid}` : `${procRoot}/${pid}/task/${tid}`;
  const frames: ProcFrames = { pid, tid, files: {} };
  for (const f of files.slice()) {
    const path = `${base}/${PROC_FILE_PATH[f]}`;
    const text = tryRead(path);
    if (typeof text === 'string') frames.files[f] = text;
    else if (f === 'status') return failure(pid, tid, text, path);
    // EINVAL from attr/current means the kernel has no LSM: no process will have a label.
    else if (f === 'attr' && text.code === 'EINVAL') files.splice(files.indexOf('attr'), 1);
  }
  return frames;
}

function tryRead(path: string): string | NodeJS.ErrnoException {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}

function failure(pid: number, tid: number | null, err: NodeJS.ErrnoException, path: string): ProcItem {
  const code = err.code;
  if (code === 'ENOENT' || code === 'ESRCH') return errorItem(LOCAL, pid, 'no such process', tid);
  if (code === 'EACCES' || code === 'EPERM') return errorItem(LOCAL, pid, `permission denied reading ${path}`, tid);
  return errorItem(LOCAL, pid, `cannot read ${path}: ${err.message}`, tid);
}

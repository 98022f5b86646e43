import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { CliError } from '../errors.js';
import { HOST_POLICY } from '../judge/policy.js';
import { idNames, readContext } from '../read/context.js';
import { readBounded } from '../read-file.js';
import { PROC_FILE_PATH, SHARED_FILE_PATH, type ProcFile, type ReadSpec, type SharedFile } from '../read/files.js';
import type { ProcFrames } from '../read/frame.js';
import { failure } from '../record/failure.js';
import { buildRecord, failedRecord, type ProcRecord, type ReadContext, type RecordSource } from '../record/record.js';
import { LOCAL } from '../record/where.js';
import type { Batch, Source } from './source.js';

/** Records per batch: the stages after this one see a local --all-pids in pieces, as they see a sweep. */
const BATCH = 256;

/**
 * The local machine's /proc, read directly: no shell, no child process, the
 * same files and sections as a pod read, judged as the host's processes.
 * Synchronous on purpose: procfs files are generated in memory, and hundreds
 * of small async reads through libuv's thread pool cost more time and memory
 * than reading them one after another.
 * https://man7.org/linux/man-pages/man5/proc.5.html
 */
export function localSource(spec: ReadSpec, procRoot = '/proc', etcRoot = ''): Source {
  return {
    async *read(ctx) {
      let batch: ProcRecord[] = [];
      const out = (): Batch => {
        const items = batch.map((record) => ({ record, policy: HOST_POLICY }));
        batch = [];
        return { unit: null, items, failures: [], warnings: [] };
      };
      for (const record of readLocal(spec, procRoot, etcRoot)) {
        if (ctx.signal.aborted) return;
        batch.push(record);
        if (batch.length >= BATCH) yield out();
      }
      if (batch.length) yield out();
    },
  };
}

/** The records, one process (or thread) after another, by PID. */
export function* readLocal(spec: ReadSpec, procRoot = '/proc', etcRoot = ''): Generator<ProcRecord> {
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
  const maps = new Map<string, string>();
  const accounts = spec.shared.includes('passwd') ? new Accounts(procRoot, context) : null;
  for (const pid of list) {
    const tasks = spec.threads ? readTasks(pid, procRoot) : [null];
    if (!Array.isArray(tasks)) {
      if (!(spec.pids === 'all' && tasks.failure?.kind === 'no such process')) yield tasks;
      continue;
    }
    for (const tid of tasks) {
      const read = readOne(pid, tid, files, procRoot, maps);
      // Processes that exited between readdir and read are not an error in a sweep.
      if ('files' in read) yield buildRecord(LOCAL, read, context, accounts?.of(pid) ?? {});
      else if (!(spec.pids === 'all' && read.failure?.kind === 'no such process')) yield read;
    }
  }
}

/**
 * Whose names a process's ids take: a process in this tool's own mount
 * namespace uses this machine's /etc/passwd and /etc/group; one in another
 * (a container's) uses its own root's, as the container sees itself, with
 * the host's names beside them (psgo's user and huser). Where the namespace
 * cannot be told (another user's process, as non-root), no name is given
 * rather than a wrong one.
 * https://man7.org/linux/man-pages/man5/proc_pid_root.5.html
 */
class Accounts {
  private readonly self: string | null;
  private readonly roots = new Map<string, Pick<ReadContext, 'users' | 'groups'>>();
  private static readonly NONE: Pick<ReadContext, 'users' | 'groups'> = { users: null, groups: null };

  constructor(private readonly procRoot: string, private readonly host: ReadContext) {
    this.self = tryLink(`${procRoot}/self/ns/mnt`);
  }

  of(pid: number): Pick<RecordSource, 'accounts' | 'hostAccounts'> {
    const mnt = tryLink(`${this.procRoot}/${pid}/ns/mnt`);
    if (mnt === null || this.self === null) return { accounts: Accounts.NONE };
    if (mnt === this.self) return {};
    let own = this.roots.get(mnt);
    if (!own) {
      const read = (file: string) => {
        try {
          return idNames(readBounded(`${this.procRoot}/${pid}/root/etc/${file}`, MAX_ACCOUNTS_FILE));
        } catch {
          return null;
        }
      };
      own = { users: read('passwd'), groups: read('group') };
      this.roots.set(mnt, own);
    }
    return { accounts: own, hostAccounts: this.host };
  }
}

/** An image's /etc/passwd is a few KB; a hostile one may be endless. */
const MAX_ACCOUNTS_FILE = 4 * 1024 * 1024;

function listNumeric(dir: string): number[] {
  try {
    return readdirSync(dir).filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => a - b);
  } catch (err) {
    throw new CliError(
      `cannot read ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'}): local mode needs Linux's /proc; name a POD to read from a cluster`,
    );
  }
}

function readTasks(pid: number, procRoot: string): number[] | ProcRecord {
  const dir = `${procRoot}/${pid}/task`;
  try {
    return readdirSync(dir).filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => a - b);
  } catch (err) {
    return failed(pid, null, err as NodeJS.ErrnoException, dir);
  }
}

/**
 * One process's (or thread's) files; a status that cannot be read makes it a
 * failed record. The user-namespace maps are the namespace's, not the
 * process's: read once per namespace (named by its /proc/PID/ns/user link),
 * where the link can be read.
 * https://man7.org/linux/man-pages/man7/user_namespaces.7.html
 */
function readOne(pid: number, tid: number | null, files: ProcFile[], procRoot: string, maps: Map<string, string>): ProcFrames | ProcRecord {
  const base = tid === null ? `${procRoot}/${pid}` : `${procRoot}/${pid}/task/${tid}`;
  const frames: ProcFrames = { pid, tid, files: {} };
  let userns: string | null | undefined;
  for (const f of files.slice()) {
    const path = `${base}/${PROC_FILE_PATH[f]}`;
    if (f === 'uid_map' || f === 'gid_map') {
      userns ??= tryLink(`${base}/ns/user`);
      const known = userns !== null ? maps.get(`${userns} ${f}`) : undefined;
      if (known !== undefined) {
        frames.files[f] = known;
        continue;
      }
    }
    const text = tryRead(path);
    if (typeof text === 'string' && userns && (f === 'uid_map' || f === 'gid_map')) maps.set(`${userns} ${f}`, text);
    if (typeof text === 'string') frames.files[f] = text;
    else if (f === 'status') return failed(pid, tid, text, path);
    // EINVAL from attr/current means the kernel has no LSM: no process will have a label.
    else if (f === 'attr' && text.code === 'EINVAL') files.splice(files.indexOf('attr'), 1);
  }
  return frames;
}

function tryLink(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

function tryRead(path: string): string | NodeJS.ErrnoException {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}

function failed(pid: number, tid: number | null, err: NodeJS.ErrnoException, path: string): ProcRecord {
  const code = err.code;
  const f = code === 'ENOENT' || code === 'ESRCH' ? failure('no such process', LOCAL, 'no such process')
    : code === 'EACCES' || code === 'EPERM' ? failure('permission denied', LOCAL, `permission denied reading ${path}`)
      : failure('failed', LOCAL, `cannot read ${path}: ${err.message}`);
  return failedRecord(LOCAL, pid, f, tid);
}

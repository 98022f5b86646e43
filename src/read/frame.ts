import type { FailureKind } from '../errors.js';
import { parseStatus, splitStatusTexts } from '../procfs/status.js';
import { NAMESPACE_FILES, PROC_FILE_PATH, SHARED_FILE_PATH, MAX_FRAME, type ProcFile, type ReadSpec, type SharedFile } from './files.js';

/**
 * Framing: every chunk of one exec's output is tied to the file it came from.
 *
 * cat alone has to deliver it (distroless images have cat at best, and no
 * shell), so the frame marker is a file: /proc/sys/kernel/random/boot_id,
 * whose content is the same 37 bytes ("<uuid>\n") on every read during one
 * boot. The command reads it first, then after every file:
 *
 *     cat BOOT_ID f1 BOOT_ID f2 BOOT_ID … fn BOOT_ID
 *
 * (each process's files, then the per-container ones)
 *
 * The first 37 bytes teach the marker; splitting the rest on it gives one
 * frame per file, in the order asked. A file that cannot be read (an exited
 * process, EINVAL from attr/current without an LSM) leaves an empty frame and
 * a line on stderr naming its path. A container that forges the marker into
 * a file it controls (its command line, /etc/passwd) can only add frames,
 * which the count check catches; the read then falls back to status-only
 * records matched by their own Pid field, and says so.
 * https://man7.org/linux/man-pages/man4/random.4.html (boot_id)
 */
export const BOOT_ID = '/proc/sys/kernel/random/boot_id';
const MARKER = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n/;

/**
 * The frames of one process: stat shares status's frame, since both come from
 * the kernel and stat starts with "PID (" where no status line can (every
 * status line is "Key:\tvalue", Name escaped): one marker less per process.
 * Every other file gets a frame of its own.
 */
function frameGroups(files: ProcFile[]): ProcFile[][] {
  const groups: ProcFile[][] = [];
  for (const f of files) {
    if (f === 'stat' && groups.length > 0 && groups[groups.length - 1][0] === 'status') groups[groups.length - 1].push(f);
    else groups.push([f]);
  }
  return groups;
}

/** How the exec runs: in the target container, or in a debug container sharing its PID namespace. */
export type ReadMode = 'direct' | 'debug';

/** The frames of one process's files, by kind; a file absent here could not be read. */
export type ProcFiles = Partial<Record<ProcFile, string>>;

/** One process (or thread) and the frames of its files. */
export interface ProcFrames {
  pid: number;
  tid: number | null;
  files: ProcFiles;
}

export interface Unframed {
  procs: ProcFrames[];
  shared: Partial<Record<SharedFile, string>>;
  /** Per-container files that could not be read, and why (a file that is not there says something too). */
  sharedMissing: Partial<Record<SharedFile, Missed>>;
  /** The helper's own PIDs (scripted reads), which are left out; null when none were reported. */
  helpers: Set<number> | null;
  /** Explicit PIDs whose status could not be read, with the reason stderr gave. */
  missing: Map<number, Missed>;
  warnings: string[];
  /** Set when the output cannot be trusted as a whole (forged frame markers). */
  error: string | null;
}

/** Why a process asked for did not arrive: a kind the summary and the sources branch on, and the words for it. */
export interface Missed {
  kind: FailureKind;
  message: string;
}

const NO_SUCH_PROCESS: Missed = { kind: 'no such process', message: 'no such process' };

/** Files read once per container; a debug container's /etc files are its image's, not the target's. */
function sharedFiles(spec: ReadSpec, mode: ReadMode): SharedFile[] {
  return mode === 'debug' ? spec.shared.filter((f) => NAMESPACE_FILES.includes(f)) : spec.shared;
}

/**
 * The argv of the exec. Explicit PIDs in the container itself need no shell:
 * cat with the paths as separate arguments, PIDs being integers checked
 * before this point. Everything else (a glob for --all-pids and --threads, or
 * the debug container's own-PID detection) is a fixed sh script; PIDs reach
 * it only as positional parameters, never as script text.
 */
export function readCommand(spec: ReadSpec, mode: ReadMode): string[] {
  const shared = sharedFiles(spec, mode).map((f) => SHARED_FILE_PATH[f]);
  if (mode === 'direct' && spec.pids !== 'all' && !spec.threads) {
    const groups = frameGroups(spec.files);
    const perPid = spec.pids.flatMap((pid) => groups.flatMap((g) => [...g.map((f) => `/proc/${pid}/${PROC_FILE_PATH[f]}`), BOOT_ID]));
    return ['cat', BOOT_ID, ...perPid, ...shared.flatMap((p) => [p, BOOT_ID])];
  }
  const how = spec.pids === 'all' ? (spec.threads ? 'all-threads' : 'all') : spec.threads ? 'threads' : 'pids';
  return ['sh', '-c', script(spec.files, shared, mode), 'sh', how, ...(spec.pids === 'all' ? [] : spec.pids.map(String))];
}

/**
 * Line 1: the helper's own PIDs ($$ of this shell, which becomes cat; or, in
 * a debug container, every PID in its own mount namespace). Line 2: the
 * process directories, in the order their frames follow. The per-directory
 * list is built in one command substitution, linear in the number of
 * processes (appending to "$@" in a loop is quadratic: 2 s for 2,000).
 */
function script(files: ProcFile[], shared: string[], mode: ReadMode): string {
  const self = mode === 'debug'
    ? ['s=$(readlink /proc/self/ns/mnt)',
      'for p in /proc/[0-9]*; do [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$s" ] && printf "%s " "${p#/proc/}"; done',
      'echo']
    : ['echo $$'];
  const perDir = frameGroups(files).map((g) => `${g.map((f) => `$d/${PROC_FILE_PATH[f]}`).join(' ')} $b`).join(' ');
  return [
    `b=${BOOT_ID}`,
    ...self,
    'm=$1; shift',
    'case $m in',
    '  all) set -- /proc/[0-9]*;;',
    '  all-threads) set -- /proc/[0-9]*/task/[0-9]*;;',
    '  threads) for p do set -- "$@" /proc/"$p"/task/[0-9]*; shift; done;;',
    '  *) for p do set -- "$@" /proc/"$p"; shift; done;;',
    'esac',
    'echo "$@"',
    'set -f',
    `exec cat $b $(for d do echo "${perDir}"; done) ${shared.map((p) => `${p} $b`).join(' ')}`,
  ].join('\n');
}

/**
 * The output of readCommand → frames per process. Pure; never throws on
 * garbage. `cut`: why the stream ended early (a --max-bytes cut, a dropped
 * connection), or null when it ran to its end.
 */
export function unframe(spec: ReadSpec, mode: ReadMode, stdout: string, stderr: string, cut: Missed | null): Unframed {
  const warnings: string[] = [];
  const shared = sharedFiles(spec, mode);
  let body = stdout;
  let helpers: Set<number> | null = null;
  let dirs: Dir[] | null;
  const missing = new Map<number, Missed>();
  const errors = stderrByPath(stderr);
  const scripted = !(mode === 'direct' && spec.pids !== 'all' && !spec.threads);

  if (scripted) {
    const first = /^((?:\d{1,7} ?)*)\n/.exec(body);
    if (first) {
      helpers = new Set(first[1].split(' ').filter(Boolean).map(Number));
      body = body.slice(first[0].length);
    }
    const nl = body.indexOf('\n');
    const listed = nl < 0 ? null : parseDirs(body.slice(0, nl));
    if (listed) {
      body = body.slice(nl + 1);
      dirs = listed;
      for (const d of listed) if (d.unmatched) missing.set(d.pid, NO_SUCH_PROCESS);
    } else {
      dirs = null;
    }
  } else {
    dirs = (spec.pids as number[]).map((pid) => ({ pid, tid: null }));
  }

  const marker = MARKER.exec(body)?.[0];
  const groups = frameGroups(spec.files);
  const expected = dirs ? shared.length + dirs.length * groups.length : -1;
  let pieces: string[] | null = null;
  if (marker && dirs) {
    pieces = body.slice(marker.length).split(marker);
    const complete = pieces.length - 1; // the text after the last marker is not a frame
    if (complete > expected || (cut === null && complete < expected)) {
      // Only a file the container controls can hold a copy of the marker. Nothing of
      // this read can be tied to its file any more, so none of it is shown.
      const error = `the container's output carries frame markers that do not match the files asked for ` +
        `(${complete} frames for ${expected} files): a forged marker in a file it controls; nothing of this read is trusted`;
      const missing = new Map<number, Missed>();
      const forged: Missed = { kind: 'garbled output', message: 'not shown: the read carried forged frame markers' };
      if (spec.pids !== 'all') for (const pid of spec.pids) missing.set(pid, forged);
      return { procs: [], shared: {}, sharedMissing: {}, helpers, missing, warnings, error };
    }
    pieces = pieces.slice(0, complete);
  } else if (stdout.length > 0) {
    warnings.push('the read came back without frame markers (no /proc/sys/kernel/random/boot_id?); showing status records only');
  }

  const procs: ProcFrames[] = [];
  const sharedOut: Partial<Record<SharedFile, string>> = {};
  const sharedMissing: Partial<Record<SharedFile, Missed>> = {};
  if (pieces && dirs) {
    // Per-process frames come first, so a cut stream keeps whole processes; the per-container files close the read.
    const sharedAt = dirs.length * groups.length;
    shared.forEach((f, i) => {
      const failed = errors.get(SHARED_FILE_PATH[f]);
      if (failed) sharedMissing[f] = failed;
      else if (sharedAt + i < pieces!.length) sharedOut[f] = cap(pieces![sharedAt + i]);
    });
    dirs.forEach((dir, d) => {
      if (dir.unmatched) return;
      const files: ProcFiles = {};
      const base = dir.tid === null ? `/proc/${dir.pid}` : `/proc/${dir.pid}/task/${dir.tid}`;
      groups.forEach((group, i) => {
        const at = d * groups.length + i;
        if (at >= pieces!.length) return;
        const piece = pieces![at];
        if (group.length === 1) {
          if (!errors.has(`${base}/${PROC_FILE_PATH[group[0]]}`)) files[group[0]] = cap(piece);
          return;
        }
        // status then stat: stat starts at the first "ID (" at a line start (ID: the dir's PID, or TID).
        const head = `${dir.tid ?? dir.pid} (`;
        const line = piece.indexOf(`\n${head}`);
        const split = piece.startsWith(head) ? 0 : line < 0 ? -1 : line + 1;
        const status = split < 0 ? piece : piece.slice(0, split);
        if (status !== '' && !errors.has(`${base}/status`)) files.status = cap(status);
        if (split >= 0 && piece.length > split) files.stat = cap(piece.slice(split));
      });
      if (files.status === undefined || files.status === '') {
        const why = errors.get(`${base}/status`) ?? cut;
        if (why && spec.pids !== 'all') missing.set(dir.pid, why);
        return;
      }
      procs.push({ pid: dir.pid, tid: dir.tid, files });
    });
  } else {
    // Unframed: status texts only, each matched by its own Pid (and Tgid) field.
    const text = marker ? body.split(marker).join('') : body;
    for (const chunk of splitStatusTexts(text)) {
      const record = parseStatus(chunk);
      const pid = positive(spec.threads ? record.fields.Tgid : record.fields.Pid);
      const tid = spec.threads ? positive(record.fields.Pid) : null;
      if (pid === null || (spec.threads && tid === null)) continue;
      procs.push({ pid, tid, files: { status: chunk } });
    }
  }
  if (spec.pids !== 'all') {
    for (const pid of spec.pids) {
      if (!missing.has(pid) && !procs.some((p) => p.pid === pid)) {
        missing.set(pid, errors.get(`/proc/${pid}/status`) ?? cut ?? { kind: 'failed', message: 'no status returned for this process' });
      }
    }
  }
  return { procs, shared: sharedOut, sharedMissing, helpers, missing, warnings, error: null };
}

/** One process directory of a scripted read; `unmatched`: a PID whose task glob matched nothing (it has frames, all empty). */
interface Dir {
  pid: number;
  tid: number | null;
  unmatched?: true;
}

/** "/proc/1 /proc/7/task/7 /proc/9/task/[0-9]*" → the directories, in order. */
function parseDirs(line: string): Dir[] | null {
  if (line !== '' && !line.startsWith('/proc/')) return null;
  const dirs: Dir[] = [];
  for (const word of line.split(' ').filter(Boolean)) {
    const m = /^\/proc\/(\d{1,7})(?:\/task\/(\d{1,7}))?$/.exec(word);
    const u = /^\/proc\/(\d{1,7})\/task\/\[0-9\]\*$/.exec(word);
    if (m) dirs.push({ pid: Number(m[1]), tid: m[2] === undefined ? null : Number(m[2]) });
    else if (u) dirs.push({ pid: Number(u[1]), tid: null, unmatched: true });
    else return null;
  }
  return dirs;
}

/**
 * cat's complaints → reason per path. GNU: "cat: /proc/7/status: No such file
 * or directory"; busybox: "cat: can't open '/proc/7/status': No such file or directory".
 * GNU cat names itself by its argv[0], which is "/bin/cat" when it was started by path.
 */
export function stderrByPath(stderr: string): Map<string, Missed> {
  const out = new Map<string, Missed>();
  for (const m of stderr.matchAll(/^(?:\/[^\s:]*\/)?cat: (?:can't open '([^'\n]+)'|([^\n]+?)): ([^\n:]*)$/gm)) {
    const path = m[1] ?? m[2];
    const said = m[3];
    const why: Missed = /no such file/i.test(said) ? NO_SUCH_PROCESS
      : /permission denied/i.test(said) ? { kind: 'permission denied', message: `permission denied reading ${path}` }
        : { kind: 'failed', message: said.slice(0, 200) };
    out.set(path, why);
  }
  return out;
}

function positive(raw: string | undefined): number | null {
  if (raw === undefined || !/^\s*\d{1,7}\s*$/.test(raw)) return null;
  const n = Number(raw);
  return n > 0 ? n : null;
}

function cap(text: string): string {
  return text.length > MAX_FRAME ? text.slice(0, MAX_FRAME) : text;
}

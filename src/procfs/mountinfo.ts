/**
 * /proc/PID/mountinfo: one line per mount in the process's mount namespace,
 * "ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTIONS [OPTIONAL…] - FSTYPE SOURCE SUPEROPTIONS".
 * ROOT is the path of the mount's root within its filesystem (a bind mount
 * of /var/log shows /var/log, or /log when /var is a filesystem of its own);
 * paths escape space, tab, newline and backslash as \040 \011 \012 \134.
 * The text comes from a container: a line that does not parse is counted and
 * skipped, never guessed at, and the list is bounded.
 * https://man7.org/linux/man-pages/man5/proc_pid_mountinfo.5.html
 */
export interface MountEntry {
  /** The filesystem's device, "MAJOR:MINOR": two mounts with the same one show the same filesystem. */
  device: string;
  /** Within the mount's filesystem. */
  root: string;
  /** Where it is mounted, in the process's view. */
  mountPoint: string;
  /** The per-mount options ("ro", "rw", "nosuid", …). */
  options: readonly string[];
  fsType: string;
  source: string;
}

export interface Mounts {
  entries: readonly MountEntry[];
  /** Lines that did not parse (a cut or forged text): no judgement rests on them. */
  malformed: number;
  /** More lines than are kept. */
  cut: boolean;
}

const MAX_MOUNTS = 4096;

export function parseMountinfo(text: string): Mounts {
  const entries: MountEntry[] = [];
  let malformed = 0;
  let cut = false;
  const lines = text.split('\n');
  // A text cut mid-line leaves a last line without its end: not a mount.
  if (lines.length && lines[lines.length - 1] !== '') {
    lines.pop();
    malformed++;
  }
  for (const line of lines) {
    if (line === '') continue;
    if (entries.length >= MAX_MOUNTS) {
      cut = true;
      break;
    }
    const entry = parseLine(line);
    if (entry) entries.push(entry);
    else malformed++;
  }
  return { entries, malformed, cut };
}

function parseLine(line: string): MountEntry | null {
  const words = line.split(' ');
  const dash = words.indexOf('-', 6);
  if (words.length < 10 || dash < 0 || words.length < dash + 4) return null;
  if (!/^\d+$/.test(words[0]) || !/^\d+$/.test(words[1]) || !/^\d+:\d+$/.test(words[2])) return null;
  const root = unescape(words[3]);
  const mountPoint = unescape(words[4]);
  if (root === null || mountPoint === null || !root.startsWith('/') || !mountPoint.startsWith('/')) return null;
  const source = unescape(words[dash + 2]);
  if (source === null) return null;
  return { device: words[2], root, mountPoint, options: words[5].split(','), fsType: words[dash + 1], source };
}

/** Octal escapes as the kernel writes them (show_mountinfo → seq_escape "\t\n\\ "); anything else malformed. */
function unescape(word: string): string | null {
  if (!word.includes('\\')) return word;
  let out = '';
  for (let i = 0; i < word.length; i++) {
    if (word[i] !== '\\') {
      out += word[i];
      continue;
    }
    const code = /^[0-7]{3}$/.test(word.slice(i + 1, i + 4)) ? parseInt(word.slice(i + 1, i + 4), 8) : -1;
    if (code < 0) return null;
    out += String.fromCharCode(code);
    i += 3;
  }
  return out;
}

/** The mount in effect at a path: the last one mounted there (mounts stack, the top one is seen). */
export function mountAt(mounts: Mounts, path: string): MountEntry | null {
  for (let i = mounts.entries.length - 1; i >= 0; i--) if (mounts.entries[i].mountPoint === path) return mounts.entries[i];
  return null;
}

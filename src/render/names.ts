import { CAPABILITY_NAMES, type DecodedSet } from '../decode/capabilities.js';
import { RUNTIME_DEFAULT_CAPABILITIES } from '../judge/pss.js';

/**
 * Sets as tables show them: one short, exact word per cell, so a row stays
 * one line and `grep NET_ADMIN` finds the row.
 *
 * Capabilities (without the CAP_ prefix), the shortest exact phrase of:
 * - `none`;
 * - the names, comma-joined: `CHOWN,NET_BIND_SERVICE`;
 * - `default`, the container runtimes' default set (containerd's, CRI-O's and
 *   Docker's: CapBnd 00000000a80425fb), or a set near it: `default+NET_ADMIN`,
 *   `default-NET_RAW`, `default+SYS_TIME-NET_RAW`;
 * - `ALL`, every capability this kernel table knows, or a set near it:
 *   `ALL-SYS_RESOURCE`; a bit newer than the table is `+CAP_41`, a run of
 *   them `+CAP_41..63`.
 * Signals (without the SIG prefix): `none`; the names when there are at most
 * four (`TERM,INT,CHLD`); otherwise the notable ones first and a count of
 * the rest: `TERM,INT,HUP,QUIT,+58`.
 * The detail view and -o json keep every name.
 */
const compact = new WeakMap<DecodedSet, string>();

export function setText(set: DecodedSet | undefined, kind: 'capabilities' | 'signals' | 'full' = 'full'): string {
  if (!set) return '';
  if (set.names === null) {
    // A table cell stays short: the first 16 characters of what was there (the detail view and JSON keep all of it).
    const raw = set.mask ?? 'missing';
    return kind === 'full' ? `<${set.error ?? 'unreadable'}: ${raw}>` : `<malformed: ${raw.length > 16 ? `${raw.slice(0, 16)}…` : raw}>`;
  }
  if (kind === 'full') return set.names.length ? set.names.join(', ') : 'none';
  // Decoded sets are shared between processes with the same mask (src/decode/): each is laid out once.
  let text = compact.get(set);
  if (text === undefined) compact.set(set, (text = kind === 'capabilities' ? capabilityPhrase(set.names) : signalPhrase(set.names)));
  return text;
}

const short = (name: string) => name.replace(/^CAP_(?=[A-Z])/, '');
const KNOWN = new Set(CAPABILITY_NAMES);
const DEFAULT = new Set(RUNTIME_DEFAULT_CAPABILITIES);

export function capabilityPhrase(names: readonly string[]): string {
  if (names.length === 0) return 'none';
  const held = new Set(names);
  const list = runs(names).map(short).join(',');
  const near = (base: ReadonlySet<string>, word: string) => {
    const plus = runs(names.filter((n) => !base.has(n))).map((n) => `+${KNOWN.has(n) ? short(n) : n}`);
    const minus = CAPABILITY_NAMES.filter((n) => base.has(n) && !held.has(n)).map((n) => `-${short(n)}`);
    return word + plus.join('') + minus.join('');
  };
  const candidates = [list, near(DEFAULT, 'default'), near(KNOWN, 'ALL')];
  // The shortest; on a tie the first (the names, then default, then ALL), so `default` and `ALL` win only when they are shorter.
  return candidates.reduce((best, c) => (c.length < best.length ? c : best));
}

/**
 * Bits newer than the names table, in runs: CAP_41..63 for CAP_41 through
 * CAP_63 (a mask of all ones reads ALL+CAP_41..63, not 23 words). Names keep
 * their order; a run is three bits or more.
 */
function runs(names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < names.length;) {
    const bit = (n: string | undefined) => (n !== undefined && /^CAP_\d+$/.test(n) ? Number(n.slice(4)) : null);
    let j = i;
    while (bit(names[j]) !== null && bit(names[j + 1]) === bit(names[j])! + 1) j++;
    if (j - i >= 2) out.push(`${names[i]}..${bit(names[j])}`);
    else out.push(...names.slice(i, j + 1));
    i = j + 1;
  }
  return out;
}

/** The signals people look for first: how a process stops, reloads, and hears of its children. */
const NOTABLE = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGCHLD', 'SIGUSR1', 'SIGUSR2', 'SIGPIPE'];

export function signalPhrase(names: readonly string[]): string {
  if (names.length === 0) return 'none';
  const bare = (n: string) => n.replace(/^SIG(?=[A-Z0-9])/, '');
  if (names.length <= 4) return names.map(bare).join(',');
  const notable = NOTABLE.filter((n) => names.includes(n)).slice(0, 4);
  return [...notable.map(bare), `+${names.length - notable.length}`].join(',');
}

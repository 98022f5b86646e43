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
 *   `ALL-SYS_RESOURCE`; a bit newer than the table is `+CAP_41`.
 * Signals (without the SIG prefix): `none`; the names when there are at most
 * four (`TERM,INT,CHLD`); otherwise the notable ones first and a count of
 * the rest: `TERM,INT,HUP,QUIT,+58`.
 * The detail view and -o json keep every name.
 */
const compact = new WeakMap<DecodedSet, string>();

export function setText(set: DecodedSet | undefined, kind: 'capabilities' | 'signals' | 'full' = 'full'): string {
  if (!set) return '';
  if (set.names === null) return `<${set.error ?? 'unreadable'}: ${set.mask ?? 'missing'}>`;
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
  const list = names.map(short).join(',');
  const near = (base: ReadonlySet<string>, word: string) => {
    const plus = names.filter((n) => !base.has(n)).map((n) => `+${KNOWN.has(n) ? short(n) : n}`);
    const minus = CAPABILITY_NAMES.filter((n) => base.has(n) && !held.has(n)).map((n) => `-${short(n)}`);
    return word + plus.join('') + minus.join('');
  };
  const candidates = [list, near(DEFAULT, 'default'), near(KNOWN, 'ALL')];
  // The shortest; on a tie the first (the names, then default, then ALL), so `default` and `ALL` win only when they are shorter.
  return candidates.reduce((best, c) => (c.length < best.length ? c : best));
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

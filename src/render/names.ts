import { CAPABILITY_NAMES, type DecodedSet } from '../decode/capabilities.js';

/**
 * A decoded set as table text. In narrow tables a full capability set reads
 * "ALL (41)" and a nearly full one "ALL except CAP_X", since forty names in a
 * cell hide the row (and what is missing is the news); a bit beyond the known
 * table still shows by its number. -o wide and JSON list every name.
 */
const compactText = new WeakMap<DecodedSet, string>();

export function setText(set: DecodedSet | undefined, { compact = false, capabilities = false } = {}): string {
  if (!set) return '';
  // Decoded sets are shared between processes with the same mask (src/decode/): lay each out once.
  if (compact && capabilities) {
    let text = compactText.get(set);
    if (text === undefined) compactText.set(set, (text = layoutSet(set, true)));
    return text;
  }
  return layoutSet(set, false);
}

function layoutSet(set: DecodedSet, compact: boolean): string {
  if (set.names === null) return `<${set.error ?? 'unreadable'}: ${set.mask ?? 'missing'}>`;
  if (set.names.length === 0) return 'none';
  if (compact) {
    const known = new Set(CAPABILITY_NAMES);
    const extra = set.names.filter((n) => !known.has(n));
    const absent = CAPABILITY_NAMES.filter((n) => !set.names!.includes(n));
    if (absent.length === 0) return [`ALL (${CAPABILITY_NAMES.length})`, ...extra].join(', ');
    if (absent.length <= 8) return [`ALL except ${absent.join(', ')}`, ...extra].join(', ');
  }
  return set.names.join(', ');
}

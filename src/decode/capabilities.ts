import { parseMask } from './mask.js';

/**
 * Capability numbers from include/uapi/linux/capability.h, in order, so the
 * index is the bit. CAP_CHECKPOINT_RESTORE (40) is the last one as of Linux 6.x.
 * https://github.com/torvalds/linux/blob/master/include/uapi/linux/capability.h
 */
export const CAPABILITY_NAMES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID',
  'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** Name of one capability bit; a bit newer than the table keeps its number. */
export function capabilityName(bit: number): string {
  return CAPABILITY_NAMES[bit] ?? `CAP_${bit}`;
}

/** A capability as a securityContext spells it ("NET_ADMIN", "cap_net_admin") → "CAP_NET_ADMIN". */
export function capabilityFullName(name: string): string {
  const upper = name.toUpperCase();
  return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

export interface DecodedSet {
  mask: string | null;
  names: string[] | null;
  /** Set when the field is missing or malformed; names is null then. */
  error?: string;
}

/**
 * Processes of one machine or container share a handful of masks, so each
 * distinct mask is decoded once; items are never changed after they are
 * built, so they can share the result.
 */
const decoded = new Map<string, DecodedSet>();

export function decodeCapabilities(raw: string | undefined): DecodedSet {
  const hit = raw !== undefined ? decoded.get(raw) : undefined;
  if (hit) return hit;
  const parsed = parseMask(raw);
  if (!parsed.ok) return { mask: parsed.mask, names: null, error: parsed.error };
  const set = { mask: parsed.mask, names: parsed.bits.map(capabilityName) };
  if (decoded.size < 4096) decoded.set(raw!, set);
  return set;
}

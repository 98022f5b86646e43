/**
 * Hex bitmasks as /proc/<pid>/status prints them: the capability sets are
 * 16 hex digits (`%016llx`), the signal sets are 64 bits printed as 16 hex
 * digits as well (render_sigset_t). See proc(5):
 * https://man7.org/linux/man-pages/man5/proc_pid_status.5.html
 *
 * A container's output is untrusted, so a mask that is not exactly 16 hex
 * digits is an error for that field, never decoded as something else.
 */
export type MaskResult =
  | { ok: true; mask: string; bits: number[] }
  | { ok: false; mask: string | null; error: string };

const HEX16 = /^[0-9a-fA-F]{16}$/;

export function parseMask(raw: string | undefined): MaskResult {
  if (raw === undefined) return { ok: false, mask: null, error: 'field missing' };
  const mask = raw.trim();
  if (!HEX16.test(mask)) {
    return { ok: false, mask, error: `malformed mask (want 16 hex digits)` };
  }
  return { ok: true, mask, bits: setBits(BigInt('0x' + mask)) };
}

/** Bit numbers (0-based, ascending) that are set in value. */
export function setBits(value: bigint): number[] {
  const bits: number[] = [];
  for (let bit = 0; value > 0n; bit++, value >>= 1n) {
    if (value & 1n) bits.push(bit);
  }
  return bits;
}

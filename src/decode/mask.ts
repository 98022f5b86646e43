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
  return { ok: true, mask, bits: hexBits(mask) };
}

/**
 * Bit numbers set in 16 hex digits, ascending, without BigInt: two 32-bit
 * halves. (A local --all-pids decodes ten masks per process.)
 */
function hexBits(mask: string): number[] {
  const bits: number[] = [];
  const low = parseInt(mask.slice(8), 16);
  const high = parseInt(mask.slice(0, 8), 16);
  for (let bit = 0; bit < 32; bit++) if ((low >>> bit) & 1) bits.push(bit);
  for (let bit = 0; bit < 32; bit++) if ((high >>> bit) & 1) bits.push(bit + 32);
  return bits;
}

/**
 * The image's /etc/passwd and /etc/group: "name:x:id:…" lines. They turn
 * uids and gids into names as the container itself sees them, as psgo's
 * "user" and "group" descriptors do. The files come from the image, so they
 * are untrusted: bounded, and a malformed line is skipped.
 * https://man7.org/linux/man-pages/man5/passwd.5.html
 */
const MAX_ENTRIES = 10_000;
/**
 * A name shown as it is: printable, no blanks, at most 256 characters. One
 * with controls, blanks or bidi overrides (a hostile image can write
 * anything) is not a name to show: its id stays a number.
 */
// eslint-disable-next-line no-control-regex
const TRUSTED_NAME = /^[^\u0000-\u0020\u007f-\u00a0\u200e\u200f\u202a-\u202e\u2066-\u2069]{1,256}$/;

export function parseIdNames(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (names.size >= MAX_ENTRIES) break;
    const parts = line.split(':');
    if (parts.length < 3 || !TRUSTED_NAME.test(parts[0]) || !/^\d{1,10}$/.test(parts[2])) continue;
    const id = Number(parts[2]);
    if (!names.has(id)) names.set(id, parts[0]);
  }
  return names;
}

/**
 * Text from a container is untrusted: a forged "Name:" could carry
 * `ESC ] 0 ; title BEL` or `ESC [ 2 J` and retitle or clear the user's
 * terminal. Every string bound for a terminal goes through here: C0 and C1
 * controls, DEL, and the bidi overrides that reorder what is shown
 * (Trojan Source, CVE-2021-42574) become visible escapes.
 * https://invisible-island.net/xterm/ctlseqs/ctlseqs.html
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function safe(text: string, { keepNewlines = false, keepTabs = false } = {}): string {
  const out = text.replace(UNSAFE, (ch) => (keepNewlines && ch === '\n' ? ch : escapeChar(ch)));
  return keepTabs ? out : out.replace(/\t/g, ' ');
}

function escapeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * JSON.stringify escapes U+0000..U+001F but passes DEL, C1 controls and bidi
 * overrides through raw; escape those too so `-o json` piped to a terminal is
 * as harmless as a table.
 */
export function safeJson(json: string): string {
  // eslint-disable-next-line no-control-regex
  return json.replace(/[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

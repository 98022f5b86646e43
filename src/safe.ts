/**
 * Text from a container is untrusted: a forged "Name:" could carry
 * `ESC ] 0 ; title BEL` or `ESC [ 2 J` and retitle or clear the user's
 * terminal. Every string bound for a terminal goes through here: C0 and C1
 * controls, DEL, and the bidi overrides that reorder what is shown
 * (Trojan Source, CVE-2021-42574) become visible escapes.
 * https://invisible-island.net/xterm/ctlseqs/ctlseqs.html
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** For tables and messages: tabs become a space, newlines stay when asked (a notice of several lines). */
export function safe(text: string, { keepNewlines = false, keepTabs = false } = {}): string {
  return text.replace(CONTROLS, (ch) => {
    if (ch === '\t') return keepTabs ? ch : ' ';
    return keepNewlines && ch === '\n' ? ch : escapeChar(ch);
  });
}

/**
 * Every control of `safe`, tabs and newlines too, as a visible escape: for a
 * value placed inside a layout the user's template draws (-o jsonpath,
 * custom-columns cells), where a raw newline in a value would forge a line
 * and a raw tab a column.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, escapeChar);
}

function escapeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * JSON.stringify (and Go's encoding/json) escape U+0000..U+001F but pass DEL,
 * C1 controls and bidi overrides through raw; escape those too so `-o json` piped to a terminal is
 * as harmless as a table.
 */
export function safeJson(json: string): string {
  // eslint-disable-next-line no-control-regex
  return json.replace(/[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

import { escapeControls } from '../safe.js';

/**
 * Untrusted text (a process's Name, a container's words in an error) for a
 * document a CI system or a dashboard shows: every control as a visible
 * escape, as src/safe.ts gives it (tabs and newlines too, so a value cannot
 * forge a line of a failure's text), and what XML 1.0 cannot carry even as a
 * character reference (U+FFFE, U+FFFF, a lone surrogate) the same way.
 * https://www.w3.org/TR/xml/#charsets
 */
export function visibleText(text: string): string {
  return escapeControls(text).replace(NOT_XML_CHARS, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const NOT_XML_CHARS = /[\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

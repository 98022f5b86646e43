// The quoted literals of a template (`{"\\t"}`, `{'a'}`) are Go string
// literals: client-go's parser.go unquotes them with UnquoteExtend.
// https://pkg.go.dev/strconv#Unquote

/**
 * Go's strconv.Unquote, extended (as kubectl does) to single-quoted strings of
 * any length. Returns null where Go reports a syntax error.
 */
export function unquoteExtend(s: string): string | null {
  if (s.length < 2) return null;
  const q = s[0];
  if ((q !== '"' && q !== "'") || s.at(-1) !== q) return null;
  const body = s.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; ) {
    const c = body[i];
    if (c === q) return null;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = body[i + 1];
    i += 2;
    switch (e) {
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case "'":
      case '"':
        if (e !== q) return null; // Go allows only the enclosing quote to be escaped
        out += e;
        break;
      case 'x':
      case 'u':
      case 'U': {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = body.slice(i, i + n);
        if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) return null;
        i += n;
        const cp = parseInt(hex, 16);
        if (e === 'x') {
          // A \x byte: valid as a character only below 0x80 in a JS string.
          out += cp < 0x80 ? String.fromCharCode(cp) : '\ufffd';
        } else {
          if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
          out += String.fromCodePoint(cp);
        }
        break;
      }
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        const oct = body.slice(i - 1, i + 2);
        if (!/^[0-7]{3}$/.test(oct)) return null;
        const v = parseInt(oct, 8);
        if (v > 255) return null;
        i += 2;
        out += v < 0x80 ? String.fromCharCode(v) : '\ufffd';
        break;
      }
      default:
        return null;
    }
  }
  return out;
}

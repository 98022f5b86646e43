/**
 * kubectl's JSONPath template flavour (`-o jsonpath=…`, `-o jsonpath-as-json=…`),
 * as a pure parser and evaluator over a JSON document.
 *
 * The language and its quirks are kubectl's, not RFC 9535's:
 * https://kubernetes.io/docs/reference/kubectl/jsonpath/ and client-go's
 * util/jsonpath (parser.go, jsonpath.go) and its forked text/template
 * comparison functions. What we keep from there, on purpose:
 *  - text outside `{…}` is printed as is; `{"\n"}` is a Go-unquoted literal;
 *  - several results of one action are joined by one space, nothing between actions;
 *  - maps and arrays print as Go's compact JSON (sorted keys, `<>&` escaped),
 *    strings unquoted, null as `null`, numbers as Go's `fmt` prints int64/float64;
 *  - `['a.b']` is sugar for `.a.b` (so it does NOT reach a key with dots: escape
 *    the dots, `{.a\.b}`), and `["x"]` is a syntax error, as in kubectl;
 *  - a missing key prints nothing when allowMissingKeys (kubectl get's default),
 *    but an index out of range is an error;
 *  - filters compare only same-kind scalars (int vs float is "incompatible types");
 *  - range/end is kubectl's counter machine, including what happens to text
 *    after a range without `{end}`.
 * Map iteration (`*`, `..`) is in sorted key order here; kubectl's is Go's random
 * map order, so only the order can differ. The other difference is deliberate:
 * controls in the document's strings (C0 with tab and newline, DEL, C1, bidi)
 * are printed as visible escapes where kubectl prints them raw, since the
 * document is untrusted; the template's own text is printed as written
 * (evaluator.ts, resultText).
 *
 * Nothing here evaluates user text as code, and evaluation is capped in steps and
 * output size so that a hostile template cannot hang the tool.
 */

export { compareCodePoints, goFloatV, goJson, goQuote, goSprint, goTypeName } from './go-format.js';
export { compileJsonpath, jsonpathParseErrorMessage, relaxedJsonpathExpression } from './parser.js';
export type { CompileResult, JsonpathProgram } from './parser.js';
export { unquoteExtend } from './unquote.js';
export { executeJsonpath, executeJsonpathAsJson, findJsonpathResults, jsonpathExecErrorMessage } from './evaluator.js';
export type { ExecOptions, ExecResult } from './evaluator.js';

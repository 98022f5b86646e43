import { CliError } from '../errors.js';
import { parseCustomColumns, parseCustomColumnsFile, renderCustomColumns } from './custom-columns.js';
import { compileJsonpath, executeJsonpath, executeJsonpathAsJson, jsonpathExecErrorMessage, jsonpathParseErrorMessage } from './jsonpath/index.js';
import { templateError, type DocumentRenderer, type Renderer } from './renderer.js';

/**
 * -o jsonpath=… and -o jsonpath-as-json=…, over the same document as -o json,
 * with kubectl get's missing-key rule (a missing key prints nothing).
 * https://kubernetes.io/docs/reference/kubectl/jsonpath/
 */
export function jsonpathRenderer(template: string, asJson: boolean, document: DocumentRenderer): Renderer {
  const compiled = compileJsonpath(template);
  if (!compiled.ok) throw templateError(jsonpathParseErrorMessage(template, compiled.error));
  return document((doc) => {
    const result = (asJson ? executeJsonpathAsJson : executeJsonpath)(compiled.program, doc, { allowMissingKeys: true });
    if (!result.ok) throw new CliError(jsonpathExecErrorMessage(template, result.error));
    // Already safe: the engine escapes every control in the document's values and
    // prints the template's own text (the user's) as written (jsonpath/evaluator.ts).
    return result.text;
  });
}

/**
 * -o custom-columns=HEADER:PATH,… and -o custom-columns-file=FILE, one row
 * per item of the -o json document.
 * https://kubernetes.io/docs/reference/kubectl/#custom-columns
 */
export function customColumnsRenderer(spec: string, file: boolean, document: DocumentRenderer): Renderer {
  const parsed = file ? parseCustomColumnsFile(spec) : parseCustomColumns(spec);
  if (!parsed.ok) throw templateError(parsed.error);
  return document((doc, render) => {
    const result = renderCustomColumns(doc.items, parsed.columns, { noHeaders: render.noHeaders });
    if (!result.ok) throw new CliError(result.error);
    return result.text;
  });
}

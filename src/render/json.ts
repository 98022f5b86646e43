import { safeJson } from '../safe.js';

export function renderJson(doc: object): string {
  return safeJson(JSON.stringify(doc, null, 2)) + '\n';
}

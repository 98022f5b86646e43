import type { ProcItem } from '../record/record.js';
import { podLevels, type PodLevel } from '../judge/levels.js';
import type { Show } from '../cli/options.js';

/**
 * The `-o json|yaml` document, which jsonpath and custom-columns address too.
 * With --capabilities or --signals the other section is left out, as the
 * README's contract says. Pod reads add `pods`: each pod's Pod Security
 * Standards level and its containers' (src/levels.ts).
 */
export function toDocument(items: ProcItem[], show: Show): { kind: 'ProcStatusList'; items: Record<string, unknown>[]; pods?: PodLevel[] } {
  const pods = podLevels(items);
  return {
    kind: 'ProcStatusList',
    items: items.map((item) => toDocumentItem(item, show)),
    ...(pods.length ? { pods } : {}),
  };
}

export function toDocumentItem(item: ProcItem, show: Show): Record<string, unknown> {
  const out: Record<string, unknown> = { ...item };
  if (!show.capabilities) delete out.capabilities;
  if (!show.signals) delete out.signals;
  return out;
}

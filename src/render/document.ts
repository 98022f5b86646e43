import type { ProcItem } from '../item.js';
import type { Options } from '../options.js';

/**
 * The `-o json|yaml` document. With --capabilities or --signals the other
 * section is left out, as the README's contract says.
 */
export function toDocument(items: ProcItem[], show: Options['show']): { kind: 'ProcStatusList'; items: object[] } {
  return {
    kind: 'ProcStatusList',
    items: items.map((item) => {
      const out: Record<string, unknown> = { ...item };
      if (!show.capabilities) delete out.capabilities;
      if (!show.signals) delete out.signals;
      return out;
    }),
  };
}

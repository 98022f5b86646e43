import type { ProcItem } from '../record/record.js';
import { LEVELS, levelAtLeast, lowerLevel, type Level } from './pss.js';

/**
 * The Pod Security Standards level summed up per container and per pod: a
 * container meets the lowest level of its processes read, a pod the lowest
 * of its containers. Processes that failed to read (no level) are left out;
 * a pod none of whose processes was read is not listed. Pure.
 */
export interface PodLevel {
  namespace: string;
  pod: string;
  level: Level;
  containers: { container: string; level: Level }[];
}

export function podLevels(items: ProcItem[]): PodLevel[] {
  const pods = new Map<string, PodLevel>();
  for (const item of items) {
    if (item.pod === null || item.namespace === null || item.container === null || !item.podSecurity) continue;
    const key = `${item.namespace}/${item.pod}`;
    let pod = pods.get(key);
    if (!pod) pods.set(key, (pod = { namespace: item.namespace, pod: item.pod, level: item.podSecurity.level, containers: [] }));
    pod.level = lowerLevel(pod.level, item.podSecurity.level);
    const container = pod.containers.find((c) => c.container === item.container);
    if (container) container.level = lowerLevel(container.level, item.podSecurity.level);
    else pod.containers.push({ container: item.container, level: item.podSecurity.level });
  }
  return [...pods.values()];
}

/** "levels: 1 privileged, 5 baseline, 2 restricted" over pods; null when no pod has a level. */
export function levelCounts(pods: PodLevel[]): string | null {
  if (pods.length === 0) return null;
  return `levels: ${LEVELS.map((l) => `${pods.filter((p) => p.level === l).length} ${l}`).join(', ')}`;
}

/** The processes read that meet only a lower level than `floor`. */
export function belowLevel(items: ProcItem[], floor: Level): ProcItem[] {
  return items.filter((i) => i.error === null && i.podSecurity !== null && !levelAtLeast(i.podSecurity.level, floor));
}

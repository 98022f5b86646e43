import { LEVELS, levelAtLeast, lowerLevel, type Level } from './pss.js';
import type { Judged } from './judge.js';

/**
 * The Pod Security Standards level summed up per container and per pod: a
 * container meets the lowest level of its processes read, a pod the lowest
 * of its containers. Processes that failed to read (no level) are left out;
 * a pod none of whose processes was read is not listed.
 */
export interface PodLevel {
  namespace: string;
  pod: string;
  level: Level;
  containers: { container: string; level: Level }[];
}

/**
 * Levels gathered as judged processes stream by, in the order first seen.
 * Holds one small entry per pod, never the records.
 */
export class PodLevels {
  private readonly pods = new Map<string, PodLevel>();

  add(j: Judged): void {
    const { where } = j.record;
    const level = j.judgement.podSecurity?.level;
    if (where.pod === null || where.namespace === null || where.container === null || !level) return;
    const key = `${where.namespace}/${where.pod}`;
    let pod = this.pods.get(key);
    if (!pod) this.pods.set(key, (pod = { namespace: where.namespace, pod: where.pod, level, containers: [] }));
    pod.level = lowerLevel(pod.level, level);
    const container = pod.containers.find((c) => c.container === where.container);
    if (container) container.level = lowerLevel(container.level, level);
    else pod.containers.push({ container: where.container, level });
  }

  list(): PodLevel[] {
    return [...this.pods.values()];
  }

  /** "levels: 1 privileged, 5 baseline, 2 restricted" over pods; null when no pod has a level. */
  counts(): string | null {
    if (this.pods.size === 0) return null;
    const n = (l: Level) => [...this.pods.values()].filter((p) => p.level === l).length;
    return `levels: ${LEVELS.map((l) => `${n(l)} ${l}`).join(', ')}`;
  }
}

/** All of them at once (tests, and documents built from a list). */
export function podLevels(items: Iterable<Judged>): PodLevel[] {
  const levels = new PodLevels();
  for (const j of items) levels.add(j);
  return levels.list();
}

/** A process read that meets only a lower level than `floor` (--require-level); a failed read is no such process. */
export function belowLevel(j: Judged, floor: Level): boolean {
  const level = j.judgement.podSecurity?.level;
  return level !== undefined && !levelAtLeast(level, floor);
}

// Many identical pods on a few real process trees (run.sharesProcessesOf),
// minimal or of realistic size (realistic.ts): what harness.ts
// identicalPodsFixture returns, and what a fixture's `podSets` expand to.

import type { FixturePod } from './fixture.ts';
import { realisticPod } from './realistic.ts';

export interface IdenticalPodsOptions {
  count: number;
  /** Pod names are `${prefix}-${i}`, i from 0. */
  prefix?: string;
  namespace?: string;
  labels?: Record<string, string>;
  /** Processes in each container's PID namespace (PID 1 shell + sleeps), default 3. */
  processes?: number;
  /**
   * Start only this many process trees; the other pods are served on them in
   * turn (run.sharesProcessesOf), so a sweep of thousands of pods costs a few
   * trees. Default: one tree per pod.
   */
  trees?: number;
  /**
   * Pods of the size a real cluster serves (about 12 KB of JSON each:
   * managedFields, last-applied-configuration, owner ReplicaSet, env,
   * probes, volumes, status IPs; cluster/realistic.ts) instead of minimal ones.
   */
  realistic?: boolean;
}

/** `count` identical one-container pods on `trees` process trees. */
export function identicalPods(o: IdenticalPodsOptions): FixturePod[] {
  const n = Math.max(1, o.processes ?? 3);
  const script = `trap 'exit 0' TERM; i=1; while [ $i -lt ${n} ]; do sleep infinity & i=$((i+1)); done; wait`;
  const argv = n === 1 ? ['sleep', 'infinity'] : ['sh', '-c', script];
  const pods: FixturePod[] = [];
  const trees = Math.max(1, Math.min(o.trees ?? o.count, o.count));
  for (let i = 0; i < o.count; i++) {
    const run = i < trees ? { argv, readyProcesses: n } : { sharesProcessesOf: `${o.prefix ?? 'pod'}-${i % trees}/app` };
    if (o.realistic) {
      const name = `${o.prefix ?? 'pod'}-${i}`;
      pods.push(realisticPod({ name, namespace: o.namespace ?? 'default', app: o.prefix ?? 'pod', labels: o.labels, run, index: i }));
      continue;
    }
    pods.push({
      metadata: {
        name: `${o.prefix ?? 'pod'}-${i}`,
        namespace: o.namespace ?? 'default',
        labels: { app: o.prefix ?? 'pod', ...o.labels },
      },
      spec: {
        containers: [{ name: 'app', image: 'registry.example/procstatus/app:1.0', run }],
      },
    });
  }
  return pods;
}

// Captured status texts and a container's policy, for tests that judge records as a pod read would.
import { readFileSync } from 'node:fs';
import type { FindingPolicy } from '../../src/judge/policy.js';
import { podPolicy } from '../../src/sources/policy.js';

const status = (file: string) => readFileSync(new URL(`../fixtures/status/${file}`, import.meta.url), 'utf8');

/** `cat` under setpriv: NoNewPrivs 1, root, CapBnd CHOWN and NET_BIND_SERVICE, SIGTERM ignored. */
export const NNP = status('setpriv-nnp-6.18.txt');
/** The host's PID 1 (process_api), root with the runtime's capabilities. */
export const HOST = status('pid1-host-6.18.txt');
/** A restricted pod's `sleep`: uid 1000, nothing held, no SIGTERM handler. */
export const RESTRICTED = status('restricted-pod-6.18.txt');
/** HOST with every capability in CapEff and CapBnd: Privileged Containers, a baseline control. */
export const FULL = HOST.replace(/^CapEff:.*$/m, 'CapEff:\t000001ffffffffff').replace(/^CapBnd:.*$/m, 'CapBnd:\t000001ffffffffff');

/** The policy of container `name` of a pod whose only container it is, with this securityContext. */
export function containerPolicy(name = 'app', securityContext: Record<string, unknown> = {}): FindingPolicy {
  return podPolicy({ metadata: { name: 'p', namespace: 'n' }, spec: { containers: [{ name, securityContext }] } }, { name, securityContext });
}

/** A pod's container, as statusRecord takes it. */
export function inPod(pod: string, container = 'app', namespace = 'default'): { namespace: string; pod: string; container: string } {
  return { namespace, pod, container };
}

/** A field of a /proc/<pid>/status text, whitespace-normalised. */
export function statusField(status: string, key: string): string | undefined {
  const m = new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(status);
  return m?.[1].trim().replace(/\s+/g, ' ');
}

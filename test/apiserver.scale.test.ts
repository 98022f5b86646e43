// 10,000 pods of realistic size (fixture `podSets`, cluster/realistic.ts)
// on four process trees: kubectl lists them all in its default 500-pod
// chunks, a pod reads like one of a real Deployment, and exec reaches any of
// them. No timing is asserted; the benchmark measures.

import { beforeAll, describe, expect, it } from 'vitest';
import { request } from './apiserver/client.ts';
import type { Fixture } from './apiserver/cluster/fixture.ts';
import { canMakeNamespaces, namespacesUnavailableReason } from './apiserver/harness.ts';
import type { ApiServerHandle } from './apiserver/harness.ts';
import { hasKubectl } from './apiserver/kubectl.ts';
import { ownServer } from './helpers/ownserver.ts';
import type { KubectlResult } from './apiserver/kubectl.ts';

const skipReason = !hasKubectl ? 'kubectl is not installed' : namespacesUnavailableReason();
if (skipReason) console.warn(`skipping 10,000-pod tests: ${skipReason}`);

const COUNT = 10_000;
const fixture = (): Fixture => ({ podSets: [{ count: COUNT, prefix: 'bulk', trees: 4, realistic: true }] });

describe.skipIf(!hasKubectl || !canMakeNamespaces())('10,000 realistic pods', () => {
  const own = ownServer(fixture);
  let api: ApiServerHandle;
  const kubectl = (...args: string[]): KubectlResult => own.kubectl(args);

  beforeAll(() => {
    api = own.api();
  });

  // kubectl itself takes most of ten seconds to decode and print 10,000 rows.
  it('kubectl get pods -A lists every one in 20 chunks of 500', { timeout: 180_000 }, () => {
    const r = own.kubectl(['get', 'pods', '-A', '-v=6'], 150_000);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const lists = r.stderr.split('\n').filter((l) => /"Response" verb="GET" url="[^"]+\/api\/v1\/pods\?/.test(l));
    expect(lists).toHaveLength(20);
    expect(lists.every((l) => l.includes('limit=500') && l.includes('status="200 OK"'))).toBe(true);
    const rows = r.stdout.trim().split('\n');
    expect(rows).toHaveLength(COUNT + 1);
    expect(rows[1]).toMatch(/^default\s+bulk-0\s+1\/1\s+Running/);
    expect(new Set(rows.slice(1).map((l) => l.split(/\s+/)[1])).size).toBe(COUNT);
  });

  it('a pod reads as a Deployment pod of a real cluster, about 12 KB of JSON', () => {
    // kubectl hides managedFields unless asked, as it does on a real cluster.
    expect(JSON.parse(kubectl('get', 'pod', 'bulk-7321', '-o', 'json').stdout).metadata.managedFields).toBeUndefined();
    const r = kubectl('get', 'pod', 'bulk-7321', '-o', 'json', '--show-managed-fields');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(11_000);
    const pod = JSON.parse(r.stdout);
    expect(pod.metadata.managedFields.map((m: { manager: string }) => m.manager)).toEqual(['kubectl-client-side-apply', 'kube-controller-manager', 'kubelet']);
    expect(JSON.parse(pod.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).metadata.name).toBe('bulk-7321');
    expect(pod.metadata.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: expect.stringMatching(/^bulk-[0-9a-z]{10}$/), uid: expect.any(String), controller: true, blockOwnerDeletion: true },
    ]);
    expect(pod.status).toMatchObject({ phase: 'Running', podIP: expect.stringMatching(/^10\.244\./), qosClass: 'Burstable' });
    expect(pod.status.containerStatuses[0]).toMatchObject({ name: 'app', ready: true, state: { running: {} } });
  });

  it('exec reaches the last pod, on the process tree it shares', () => {
    const r = kubectl('exec', 'bulk-9999', '--', 'cat', '/proc/1/status');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Name:\tsh$/m);
    expect(r.stdout).toMatch(/^NSpid:(\t\d+)*\t1$/m);
  });

  it('an unchunked list carries all 10,000 in one answer', { timeout: 120_000 }, async () => {
    const r = await request(api, 'GET', '/api/v1/pods');
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(COUNT);
    expect(r.body.metadata.continue).toBeUndefined();
  });
});

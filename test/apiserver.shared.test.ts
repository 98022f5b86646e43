// run.sharesProcessesOf: many pod objects served on a few process trees (the
// benchmark's 2,000-pod sweep). The borrowed container must be a running
// container whose exec lands in the owner's PID namespace, not a stand-in.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channel, exec, request } from './apiserver/client.ts';
import { canMakeNamespaces, identicalPodsFixture, namespacesUnavailableReason, startApiServer } from './apiserver/harness.ts';
import type { ApiServerHandle } from './apiserver/harness.ts';

const skipReason = namespacesUnavailableReason();
if (skipReason) console.warn(`skipping shared process tree tests: ${skipReason}`);

const pidNamespace = async (api: ApiServerHandle, pod: string): Promise<string> => {
  const r = await exec(api, pod, ['readlink', '/proc/1/ns/pid'], { protocols: ['v5.channel.k8s.io'], timeoutMs: 10_000 });
  expect(r.exitCode, channel(r, 2)).toBe(0);
  return channel(r, 1).trim();
};

describe.skipIf(!canMakeNamespaces())('pods served on shared process trees', () => {
  let api: ApiServerHandle;

  beforeAll(async () => {
    api = await startApiServer({ fixture: identicalPodsFixture({ count: 5, prefix: 'many', trees: 2 }) });
  });

  afterAll(async () => {
    await api?.stop();
  });

  it('every pod is served running, and pods share the trees in turn', async () => {
    const list = await request(api, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dmany', { token: api.token });
    const items = (list.body as { items: { metadata: { name: string }; status: { containerStatuses: { state: object }[] } }[] }).items;
    expect(items.map((p) => p.metadata.name).sort()).toEqual(['many-0', 'many-1', 'many-2', 'many-3', 'many-4']);
    for (const p of items) expect(Object.keys(p.status.containerStatuses[0].state)).toEqual(['running']);

    const [ns0, ns1, ns2, ns3, ns4] = await Promise.all(['many-0', 'many-1', 'many-2', 'many-3', 'many-4'].map((p) => pidNamespace(api, p)));
    expect(ns0).toMatch(/^pid:\[\d+\]$/);
    expect(ns1).not.toBe(ns0);
    expect([ns2, ns4]).toEqual([ns0, ns0]);
    expect(ns3).toBe(ns1);
  });
});

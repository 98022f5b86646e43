// The reader pods a node read creates (src/kube/node-pod.ts labels them), as
// the test API server lists them, for the tests that check they are deleted.
import { expect } from 'vitest';
import { request } from '../apiserver/client.ts';
import type { ApiServerHandle } from '../apiserver/harness.ts';

export const READER_LABEL = 'app.kubernetes.io/managed-by=kubectl-procstatus';

/** The reader pods there are now, as namespace/name. */
export async function readerPods(api: ApiServerHandle): Promise<string[]> {
  const r = await request(api, 'GET', `/api/v1/pods?labelSelector=${encodeURIComponent(READER_LABEL)}`);
  return (r.body.items as { metadata: { namespace: string; name: string } }[]).map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
}

/** Deletion is asynchronous, on a real cluster too: the reader pods are gone within a few seconds. */
export async function expectNoReaders(api: ApiServerHandle): Promise<void> {
  let left: string[] = [];
  for (let i = 0; i < 50; i++) {
    left = await readerPods(api);
    if (left.length === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(left).toEqual([]);
}

// One fixture cluster (test/fixtures/cluster.json) for every e2e file:
// starting its namespaced pods once keeps the suite within these machines' two cores.
import type { TestProject } from 'vitest/node';
import { CLUSTER_FIXTURE, canMakeNamespaces, startApiServer, type ApiServerHandle } from '../apiserver/harness.ts';

let api: ApiServerHandle | null = null;

export async function setup(project: TestProject): Promise<void> {
  if (!canMakeNamespaces()) {
    project.provide('cluster', null);
    return;
  }
  api = await startApiServer({ fixture: CLUSTER_FIXTURE });
  project.provide('cluster', { url: api.url, kubeconfig: api.kubeconfig, token: api.token });
}

export async function teardown(): Promise<void> {
  await api?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: { url: string; kubeconfig: string; token: string } | null;
  }
}

// A test file's own test API server, and the real kubectl against it: started
// in beforeAll, stopped (with kubectl's private HOME) in afterAll. For files
// whose faults, compaction or fixtures must not reach the shared server of
// test/setup/cluster.global.ts.

import fs from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import type { Fixture } from '../apiserver/cluster/fixture.ts';
import { startApiServer } from '../apiserver/harness.ts';
import type { ApiServerHandle, StartOptions } from '../apiserver/harness.ts';
import { kubectl, kubectlHome } from '../apiserver/kubectl.ts';
import type { KubectlResult } from '../apiserver/kubectl.ts';

export interface OwnServer {
  /** The running server (valid inside tests and hooks). */
  api(): ApiServerHandle;
  /** kubectl's HOME for this file (its discovery cache). */
  home(): string;
  /** Runs kubectl against the server, for at most `timeoutMs` (30 s). */
  kubectl(args: string[], timeoutMs?: number): KubectlResult;
}

/** Call at the top of a describe block; `options` as startApiServer takes them (e.g. `log` for its request log). */
export function ownServer(fixture: () => Fixture, options: Omit<StartOptions, 'fixture'> = {}): OwnServer {
  let api: ApiServerHandle | undefined;
  let home: string | undefined;
  beforeAll(async () => {
    home = kubectlHome();
    api = await startApiServer({ ...options, fixture: fixture() });
  });
  afterAll(async () => {
    await api?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} is used before beforeAll started it`);
    return v;
  };
  return {
    api: () => need(api, 'the test API server'),
    home: () => need(home, "kubectl's HOME"),
    kubectl: (args, timeoutMs) => kubectl(need(api, 'the test API server'), need(home, "kubectl's HOME"), args, timeoutMs),
  };
}

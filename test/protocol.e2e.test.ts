// The exec transport over each subprotocol the API server may choose: v5 on
// 1.30 and later, v4 on older servers. The framing is the same; v4 has no
// close frames, so the stream ends with the Status frame and the close.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canMakeNamespaces, startApiServer, type ApiServerHandle } from './apiserver/harness.ts';
import { runCliAsync } from './helpers/cli.js';

const fixture = {
  pods: [{
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [{ name: 'app', run: { argv: ['sh', '-c', 'trap "exit 0" TERM; sleep infinity & wait'], readyProcesses: 2 } }] },
  }],
};

describe.skipIf(!canMakeNamespaces()).each(['v5.channel.k8s.io', 'v4.channel.k8s.io'])('a server that speaks %s', (protocol) => {
  let api: ApiServerHandle;
  beforeAll(async () => {
    api = await startApiServer({ fixture, env: { PROCSTATUS_APISERVER_PROTOCOLS: protocol } });
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('explicit PIDs, --all-pids and a missing PID', async () => {
    const cli = (...args: string[]) => runCliAsync(['--kubeconfig', api.kubeconfig, '-v', 'p', '-o', 'json', ...args]);
    const one = await cli('--pid', '1,2');
    expect(one.code).toBe(0);
    expect(one.stderr).toContain(`exec connected, subprotocol ${protocol}`);
    expect(JSON.parse(one.stdout).items.map((i: { name: string }) => i.name)).toEqual(['sh', 'sleep']);
    const all = await cli('--all-pids');
    expect(JSON.parse(all.stdout).items.map((i: { name: string }) => i.name)).toEqual(['sh', 'sleep']);
    const missing = await cli('--pid', '1,3999999');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).items[1]).toMatchObject({ pid: 3999999, error: 'no such process' });
  });
});

// A server that speaks none of the exec subprotocols the tool offers (v5,
// v4): only the base64 ones, which kubectl 1.30 and later do not offer
// either. The upgrade is refused with the server's Status, and that is the
// one error line; nothing is read, nothing crashes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canMakeNamespaces, startApiServer, type ApiServerHandle } from './apiserver/harness.ts';
import { runCliAsync } from './helpers/cli.js';
import { errorLines } from './helpers/errors.js';
import { hasKubectl, kubectlAsync } from './helpers/kubectl.js';

const fixture = {
  pods: [{
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [{ name: 'app', run: { argv: ['sleep', 'infinity'] } }] },
  }],
};

describe.skipIf(!canMakeNamespaces())('a server that speaks only the base64 subprotocols', () => {
  let api: ApiServerHandle;
  beforeAll(async () => {
    api = await startApiServer({ fixture, env: { PROCSTATUS_APISERVER_PROTOCOLS: 'v4.base64.channel.k8s.io,base64.channel.k8s.io' } });
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('the refusal in the server\'s words, as one line', async () => {
    const r = await runCliAsync(['--kubeconfig', api.kubeconfig, 'p', '--pid', '1']);
    const [line] = errorLines(r);
    expect(line).toMatch(/^error: .*unable to upgrade connection: requested protocol\(s\) are not supported: \[v5\.channel\.k8s\.io v4\.channel\.k8s\.io\]/);
    expect(r.stdout).toBe('');
    if (hasKubectl) expect((await kubectlAsync(['--kubeconfig', api.kubeconfig, 'exec', 'p', '--', 'cat', '/proc/1/status'])).code).not.toBe(0);
  });
});

// Distroless images read through an ephemeral debug container, against the
// test API server's pods/ephemeralcontainers emulation. A fresh server: the
// containers these tests add can never be removed.
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_FIXTURE, REPO_ROOT, canMakeNamespaces, hasCapsh, startApiServer, type ApiServerHandle } from './apiserver/harness.ts';
import { runCliAsync } from './helpers/cli.js';

const ready = canMakeNamespaces() && hasCapsh();
if (!ready) console.warn('skipping --debug-image e2e tests: the test API server needs namespaces (root, unshare) and capsh (Debian package libcap2-bin)');

describe.skipIf(!ready)('--debug-image', () => {
  let api: ApiServerHandle;
  beforeAll(async () => {
    api = await startApiServer({ fixture: CLUSTER_FIXTURE });
  });
  afterAll(async () => {
    await api?.stop();
  });
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', api.kubeconfig, ...args]);
  const json = async (...args: string[]) => {
    const r = await cli(...args, '-o', 'json');
    return { ...r, items: r.stdout ? JSON.parse(r.stdout).items : [] };
  };
  /** The pod as the API server has it, to count ephemeral containers. */
  const getPod = (name: string) => new Promise<{ spec: { ephemeralContainers?: { name: string; image: string; targetContainerName?: string; securityContext?: Record<string, unknown> }[] } }>((resolve, reject) => {
    https.get(`${api.url}/api/v1/namespaces/default/pods/${name}`, {
      ca: readFileSync(`${REPO_ROOT}/test/apiserver/certs/ca.crt`), headers: { Authorization: `Bearer ${api.token}` },
    }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
  const ours = async (pod: string) => (await getPod(pod)).spec.ephemeralContainers?.filter((c) => c.name.startsWith('procstatus-')) ?? [];

  it('without the flag: the error says what to do and that the container stays', async () => {
    const r = await cli('distroless', '--pid', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^hint: .*--debug-image busybox:1\.36 .*cannot be removed/m);
    expect(await ours('distroless')).toEqual([]);
  });

  it('fallback: reads the target\'s PID 1 through a locked-down ephemeral container', async () => {
    const r = await json('distroless', '--pid', '1', '--debug-image', 'busybox:1.36');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [item] = r.items;
    expect(item).toMatchObject({ pod: 'distroless', container: 'app', pid: 1, error: null, debugContainer: expect.stringMatching(/^procstatus-app-/) });
    // The target's PID 1 is the app binary (a copy of sleep named server), run as root.
    expect(item.name).toBe('server');
    expect(item.uid).toEqual([0, 0, 0, 0]);
    const [added] = await ours('distroless');
    expect(added).toMatchObject({ image: 'busybox:1.36', targetContainerName: 'app' });
    expect(added.securityContext).toMatchObject({ runAsUser: 65534, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] } });
  });

  it('a second run reuses it and adds no second container', async () => {
    const first = await ours('distroless');
    const r = await json('distroless', '--pid', '1', '--debug-image', 'busybox:1.36');
    expect(r.code).toBe(0);
    expect(await ours('distroless')).toEqual(first);
    expect(r.items[0].debugContainer).toBe(first[0].name);
  });

  it('--all-pids leaves out the debug container\'s own processes', async () => {
    const r = await json('distroless', '--all-pids', '--debug-image', 'busybox:1.36');
    expect(r.code).toBe(0);
    expect(r.items.map((i: { name: string }) => i.name)).toEqual(['server']);
  });

  it('the table marks items read this way', async () => {
    const r = await cli('distroless', '--pid', '1', '--debug-image', 'busybox:1.36');
    expect(r.stdout).toMatch(/^Read via: ephemeral debug container procstatus-app-[0-9a-f]{8}/m);
  });

  it('always: uses a debug container even where exec works', async () => {
    const r = await json('single', '--pid', '1', '--debug-image', 'busybox:1.36', '--debug-when', 'always');
    expect(r.code).toBe(0);
    expect(r.items[0]).toMatchObject({ name: 'sleep', debugContainer: expect.stringMatching(/^procstatus-app-/) });
    expect(await ours('single')).toHaveLength(1);
  });

  it('always, in a sweep: said on stderr before any pod gets one', async () => {
    const r = await cli('-l', 'app=single', '--pid', '1', '--debug-image', 'busybox:1.36', '--debug-when', 'always');
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe('--debug-when always: every container read gets an ephemeral container of busybox:1.36 in its pod ' +
      '(one already there is reused); ephemeral containers stay until their pod is deleted.');
    // One pod read by name says nothing: its user named it.
    expect((await cli('single', '--pid', '1', '--debug-image', 'busybox:1.36', '--debug-when', 'always')).stderr).not.toMatch(/--debug-when always/);
  });

  it('forbidden patch: the missing permission, in the API server\'s words', async () => {
    const r = await cli('distroless', '--context', 'noephemeral', '--pid', '1', '--debug-image', 'busybox:1.37');
    expect(r.code).toBe(1);
    // The pod holds debug containers by now, so kubectl's Defaulted container notice comes first.
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('Defaulted container'));
    expect(lines[0]).toMatch(/^error: pods "distroless" is forbidden: User "noephemeral" cannot patch resource "pods\/ephemeralcontainers"/);
    expect(lines[1]).toBe('hint: check with: kubectl auth can-i patch pods/ephemeralcontainers -n default');
  });

  it('an image that never starts ends at the timeout with the pull error', async () => {
    const r = await cli('distroless', '--pid', '1', '--debug-image', 'registry.example/does-not-exist:1', '--request-timeout', '3s');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: the debug container procstatus-app-[0-9a-f]{8} in default\/distroless did not start within 3s: (ErrImagePull|ImagePullBackOff)/m);
    expect(r.stderr).toMatch(/^hint: the image "registry\.example\/does-not-exist:1" cannot be pulled/m);
  });

  it('a runtime without process-namespace targeting is detected, not mistaken for the target', async () => {
    const r = await cli('distroless-notarget', '--pid', '1', '--debug-image', 'busybox:1.36', '-o', 'json');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/sees only its own processes, not those of container "app".*does not support targetContainerName/);
  });
});

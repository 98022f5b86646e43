// The built CLI against the test API server: HTTPS with a bearer token, the
// pod GET, and the exec websocket into real PID/mount-namespaced process trees.
import { describe, expect, inject, it } from 'vitest';
import { namespacesUnavailableReason } from './apiserver/harness.ts';
import { runCliAsync } from './helpers/cli.js';

const cluster = inject('cluster');
if (!cluster) console.warn(`skipping pod e2e tests: ${namespacesUnavailableReason()}`);

describe.skipIf(!cluster)('one pod', () => {
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', cluster!.kubeconfig, ...args]);
  const json = async (...args: string[]) => {
    const r = await cli(...args, '-o', 'json');
    return { ...r, items: r.stdout ? JSON.parse(r.stdout).items : [] };
  };

  it('POD --pid 1 reads PID 1 of the default container (annotation), decoded', async () => {
    const r = await json('web', '--pid', '1');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.items).toHaveLength(1);
    const [item] = r.items;
    expect(item).toMatchObject({ pod: 'web', namespace: 'default', container: 'app', pid: 1, error: null, name: 'sh', ppid: 0 });
    // The app container's PID 1 is a shell that traps TERM.
    expect(item.signals.caught.names).toContain('SIGTERM');
    expect(item.nspid.at(-1)).toBe(1);
    expect(item.capabilities.effective.mask).toMatch(/^[0-9a-f]{16}$/);
    // The raw status keys only when asked for: they double the document.
    expect(item).not.toHaveProperty('fields');
    const raw = await json('web', '--pid', '1', '--raw-fields');
    expect(raw.items[0].fields.NSpid.split(/\s+/).at(-1)).toBe('1');
    expect(raw.items[0].fields.CapEff).toBe(item.capabilities.effective.mask);
  });

  it('-c INDEX picks spec.containers[INDEX]; -c NAME works too; the two agree', async () => {
    const byIndex = await json('web', '-c', '1', '--pid', '1');
    const byName = await json('web', '-c', 'sidecar', '--pid', '1');
    expect(byIndex.items[0].container).toBe('sidecar');
    expect(byIndex.items[0].capabilities).toEqual(byName.items[0].capabilities);
    // The sidecar was started with a bounding set of CAP_NET_BIND_SERVICE only.
    expect(byIndex.items[0].capabilities.bounding.names).toEqual(['CAP_NET_BIND_SERVICE']);
  });

  it('several PIDs in one exec, in the order asked; a missing one is its own error', async () => {
    const r = await json('web', '--pid', '2,1', '--pid', '4000000');
    expect(r.code).toBe(1);
    expect(r.items.map((i: { pid: number }) => i.pid)).toEqual([2, 1, 4000000]);
    expect(r.items[0]).toMatchObject({ error: null, name: 'sleep' });
    expect(r.items[1]).toMatchObject({ error: null, name: 'sh' });
    expect(r.items[2]).toMatchObject({ error: 'no such process', capabilities: null });
    expect(r.stderr.trim()).toBe('error: pid 4000000 in default/web (container app): no such process');
  });

  it('--all-pids lists the container\'s processes and leaves out its own helper', async () => {
    const r = await json('web', '--all-pids');
    expect(r.code).toBe(0);
    const names = r.items.map((i: { name: string }) => i.name);
    expect(names[0]).toBe('sh');
    expect(names.filter((n: string) => n === 'sleep').length).toBeGreaterThanOrEqual(2);
    expect(names).not.toContain('cat');
    expect(r.items.map((i: { pid: number }) => i.pid)).toEqual([...r.items.map((i: { pid: number }) => i.pid)].sort((a, b) => a - b));
  });

  it('the default table view of one PID', async () => {
    const r = await cli('single', '--pid', '1');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Process: 1 \(sleep\)\s+pod default\/single, container app/);
    expect(r.stdout).toMatch(/SigCgt\s+caught\s+0{16}\s+none/);
    expect(r.stdout).toMatch(/pid1-ignores-sigterm/);
  });

  it('-n and --context choose the namespace', async () => {
    expect((await json('web2', '-n', 'other', '--pid', '1')).items[0]).toMatchObject({ namespace: 'other', error: null });
    expect((await json('web2', '--context', 'other-ns', '--pid', '1')).items[0]).toMatchObject({ namespace: 'other', error: null });
  });

  it('the annotation picks the container silently, and -c needs no notice', async () => {
    expect((await cli('web', '--pid', '1')).stderr).toBe('');
    expect((await cli('web', '-c', 'sidecar', '--pid', '1')).stderr).toBe('');
  });
});

describe.skipIf(!cluster)('failures: one clear line, non-zero exit', () => {
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', cluster!.kubeconfig, ...args]);
  const oneError = (r: { code: number | null; stdout: string; stderr: string }, code = 1) => {
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    return r.stderr.split('\n').filter(Boolean);
  };

  it('pod not found names the pod and namespace', async () => {
    expect(oneError(await cli('nope', '--pid', '1'))).toEqual(['error: pod "nope" not found in namespace "default"']);
  });

  it('forbidden exec: the API server\'s own message and a can-i hint', async () => {
    const lines = oneError(await cli('web', '--context', 'readonly', '--pid', '1'));
    expect(lines[0]).toMatch(/^error: pods "web" is forbidden: User "readonly" cannot create resource "pods\/exec"/);
    expect(lines[1]).toBe('hint: check with: kubectl auth can-i create pods/exec -n default');
  });

  it('forbidden get', async () => {
    const lines = oneError(await cli('web', '--context', 'nopods', '--pid', '1'));
    expect(lines[0]).toMatch(/^error: pods "web" is forbidden: .*cannot get resource "pods"/);
    expect(lines[1]).toBe('hint: check with: kubectl auth can-i get pods -n default');
  });

  it('unauthorized names the server and context', async () => {
    const lines = oneError(await cli('web', '--context', 'bad-token', '--pid', '1'));
    expect(lines[0]).toBe(`error: the API server ${cluster!.url} rejected the credentials of context "bad-token" (Unauthorized)`);
  });

  it('connection refused names the server', async () => {
    const lines = oneError(await cli('web', '--context', 'refused', '--pid', '1'));
    expect(lines[0]).toMatch(/^error: cannot connect to the API server https:\/\/127\.0\.0\.1:\d+: connection refused$/);
  });

  it('an untrusted certificate is a TLS error naming the server', async () => {
    const lines = oneError(await cli('web', '--context', 'wrong-ca', '--pid', '1'));
    expect(lines[0]).toMatch(new RegExp(`^error: TLS verification of the API server ${cluster!.url} failed: `));
  });

  it('unknown container name and index out of range list the containers', async () => {
    expect(oneError(await cli('web', '-c', 'nope', '--pid', '1'))[0])
      .toBe('error: container "nope" not found in pod default/web: containers: [0] app, [1] sidecar; init: init');
    expect(oneError(await cli('web', '-c', '5', '--pid', '1'))[0])
      .toBe('error: container index 5 is out of range for pod default/web: containers: [0] app, [1] sidecar; init: init');
  });

  it('a pod that is not running gives its phase; a waiting container its reason', async () => {
    expect(oneError(await cli('done', '--pid', '1'))[0]).toMatch(/^error: pod default\/done is not running \(phase Succeeded/);
    expect(oneError(await cli('crashy', '--pid', '1'))[0]).toMatch(/^error: container "app" of pod default\/crashy is not running: waiting \(CrashLoopBackOff\)/);
    expect(oneError(await cli('web', '-c', 'init', '--pid', '1'))[0]).toMatch(/is not running: terminated \(Completed, exit code 0\)/);
  });

  it('an image without cat says so and what to do', async () => {
    const lines = oneError(await cli('distroless', '--pid', '1'));
    expect(lines[0]).toMatch(/^error: container "app" of pod default\/distroless has no "cat" to run \(a distroless or scratch image\?\): .*executable file not found/);
    expect(lines[1]).toMatch(/^hint: .*--debug-image/);
  });

  it('an exec that never answers ends at --request-timeout', async () => {
    const started = Date.now();
    const lines = oneError(await cli('hang-exec', '--pid', '1', '--request-timeout', '1s'));
    expect(lines[0]).toMatch(/did not finish within 1s \(--request-timeout\)|did not answer within 1s/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('an upgrade that is never answered ends at --request-timeout', async () => {
    const lines = oneError(await cli('hang-upgrade', '--pid', '1', '--request-timeout', '1s'));
    expect(lines[0]).toMatch(/did not answer within 1s \(--request-timeout\)/);
  });
});

// The test API server's wire behaviour beyond what kubectl exercises:
// exec channel framing and subprotocols, stdin and its v5 close signal, every
// fault mode, RBAC on lists, workloads, discovery, and that no process
// outlives an exec, a client that goes away, or the server itself.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channel, exec, request, tokenOf } from './apiserver/client.ts';
import type { ExecOptions, ExecResult, Frame, Response } from './apiserver/client.ts';
import { descendants } from './apiserver/runtime/containers.ts';
import { exists, waitGone } from './apiserver/runtime/procs.ts';
import {
  canMakeNamespaces,
  CLUSTER_FIXTURE,
  identicalPodsFixture,
  namespacesUnavailableReason,
  startApiServer,
} from './apiserver/harness.ts';
import type { ApiServerHandle } from './apiserver/harness.ts';

const skipReason = namespacesUnavailableReason();
if (skipReason) console.warn(`skipping test API server wire tests: ${skipReason}`);

/** Exec as the wire tests do it: v5 offered, then v4; give up after 10 s unless told otherwise. */
const wsExec = (api: ApiServerHandle, pod: string, argv: string[], o: ExecOptions = {}): Promise<ExecResult> =>
  exec(api, pod, argv, { protocols: ['v5.channel.k8s.io', 'v4.channel.k8s.io'], timeoutMs: 10_000, ...o });

/** GET with the full-access token, another token, or none (''). */
const get = (api: ApiServerHandle, path: string, token: string = api.token, accept?: string): Promise<Response> =>
  request(api, 'GET', path, { token, accept });

describe.skipIf(!canMakeNamespaces())('test API server on the wire', () => {
  let api: ApiServerHandle;

  beforeAll(async () => {
    api = await startApiServer({ fixture: CLUSTER_FIXTURE });
  });

  afterAll(async () => {
    if (!api) return;
    const tree = descendants(api.pid);
    expect(tree.length).toBeGreaterThan(400);
    await api.stop();
    expect(await waitGone(tree, exists)).toEqual([]);
  });

  describe('exec framing', () => {
    it('v5: empty stdout frame first, output, then a Success status, then a normal close', async () => {
      const r = await wsExec(api, 'single', ['cat', '/proc/1/status']);
      expect(r.protocol).toBe('v5.channel.k8s.io');
      expect(r.frames[0]).toEqual({ channel: 1, data: Buffer.alloc(0) });
      expect(channel(r, 1)).toMatch(/^Name:\tsleep\n/);
      const last = r.frames.at(-1) as Frame;
      expect(last.channel).toBe(3);
      expect(JSON.parse(last.data.toString())).toEqual({ metadata: {}, status: 'Success' });
      expect(r.frames.filter((f) => f.channel === 3)).toHaveLength(1);
      expect(r.closeCode).toBe(1000);
    });

    it('v4 when v5 is not offered; non-zero exit status with the exit code cause', async () => {
      const r = await wsExec(api, 'single', ['sh', '-c', 'echo oops >&2; exit 7'], { protocols: ['v4.channel.k8s.io'] });
      expect(r.protocol).toBe('v4.channel.k8s.io');
      expect(channel(r, 2)).toBe('oops\n');
      expect(JSON.parse(channel(r, 3))).toEqual({
        metadata: {},
        status: 'Failure',
        message: 'command terminated with non-zero exit code: error executing command [sh -c echo oops >&2; exit 7], exit code 7',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '7' }] },
      });
    });

    it('accepts the upgrade on POST too', async () => {
      const r = await wsExec(api, 'single', ['true'], { method: 'POST' });
      expect(r.protocol).toBe('v5.channel.k8s.io');
      expect(JSON.parse(channel(r, 3)).status).toBe('Success');
    });

    it('stdin reaches the process, and the v5 close signal ends it', async () => {
      const r = await wsExec(api, 'single', ['cat'], { stdin: 'hello from stdin\n', closeStdin: true });
      expect(channel(r, 1)).toBe('hello from stdin\n');
      expect(JSON.parse(channel(r, 3)).status).toBe('Success');
    });

    it('reports a missing executable on channel 3 after the upgrade', async () => {
      const r = await wsExec(api, 'distroless', ['cat', '/proc/1/status']);
      expect(r.protocol).toBe('v5.channel.k8s.io');
      const s = JSON.parse(channel(r, 3));
      expect(s).toMatchObject({ status: 'Failure', reason: 'InternalError', code: 500 });
      expect(s.message).toMatch(
        /^Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "cat": executable file not found in \$PATH: unknown$/,
      );
      expect(s.details.causes[0].message).toBe(s.message.replace('Internal error occurred: ', ''));
    });

    it('refuses the upgrade with Status bodies', async () => {
      const web = await wsExec(api, 'web', ['true']);
      expect(web.httpStatus).toBe(400);
      expect(web.httpBody.message).toMatch(
        /^a container name must be specified for pod web, choose one of: \[app sidecar\]/,
      );
      const crashy = await wsExec(api, 'crashy', ['true']);
      expect(crashy.httpStatus).toBe(400);
      expect(crashy.httpBody.message).toBe('unable to upgrade connection: container not found ("app")');
      const missing = await wsExec(api, 'nope', ['true']);
      expect(missing.httpStatus).toBe(404);
    });

    it('kills the exec\'d process when the client goes away', async () => {
      const r = await wsExec(api, 'web', ['sh', '-c', 'echo started; exec sleep 4242'], { container: 'app', closeAfterBytes: 9 });
      expect(channel(r, 1)).toContain('started');
      let left = '';
      for (let i = 0; i < 50; i++) {
        const ps = await wsExec(api, 'web', ['sh', '-c', 'cat /proc/[0-9]*/cmdline | tr "\\000" " "'], { container: 'app' });
        left = channel(ps, 1);
        if (!left.includes('4242')) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      expect(left).toContain('sleep infinity');
      expect(left).not.toContain('4242');
    });

    it('keeps up with a flood and stops it when the client closes', async () => {
      const r = await wsExec(api, 'flood', ['cat', '/proc/1/status'], { closeAfterBytes: 8 << 20 });
      const out = channel(r, 1);
      expect(out.length).toBeGreaterThanOrEqual(4 << 20);
      expect(out.startsWith('/proc/1/status\n/proc/1/status\n')).toBe(true);
    });
  });

  describe('hostile container', () => {
    it('its cat forges a status with terminal escapes in Name', async () => {
      const r = await wsExec(api, 'hostile', ['cat', '/proc/1/status']);
      expect(channel(r, 1)).toContain('Name:\t\u001b]0;pwned\u0007\u001b[2Jevil\n');
      expect(JSON.parse(channel(r, 3)).status).toBe('Success');
    });

    it('asked for several files, it streams 64 MiB', async () => {
      const r = await wsExec(api, 'hostile', ['cat', '/proc/1/status', '/proc/2/status'], { timeoutMs: 30_000 });
      const n = r.frames.filter((f) => f.channel === 1).reduce((a, f) => a + f.data.length, 0);
      expect(n).toBeGreaterThan(64 << 20);
    });

    it('has a shell but the rest of its root is empty (besides the mount points a runtime fills)', async () => {
      const r = await wsExec(api, 'hostile', ['sh', '-c', 'echo /*; echo /bin/*']);
      expect(channel(r, 1)).toBe('/bin /dev /lib /lib64 /proc /sys /tmp\n/bin/cat /bin/sh /bin/sleep\n');
    });
  });

  describe('faults', () => {
    it('close-midstream: the first 3000 bytes, then the connection drops without a status', async () => {
      const r = await wsExec(api, 'flaky-midstream', ['cat', '/proc/1/status', '/proc/1/status', '/proc/1/status']);
      expect(channel(r, 1)).toHaveLength(3000);
      expect(channel(r, 1)).toMatch(/^Name:\t/);
      expect(r.frames.some((f) => f.channel === 3)).toBe(false);
      expect(r.closeCode).toBe(1006);
    });

    it('no-status: all output, a normal close, no status', async () => {
      const r = await wsExec(api, 'flaky-nostatus', ['cat', '/proc/1/status']);
      expect(channel(r, 1)).toMatch(/^Name:\tsh\n[\s\S]*\nnonvoluntary_ctxt_switches:\t\d+\n$/);
      expect(r.frames.some((f) => f.channel === 3)).toBe(false);
      expect(r.closeCode).toBe(1000);
    });

    it('hang-exec: upgraded, then silence', async () => {
      const r = await wsExec(api, 'hang-exec', ['cat', '/proc/1/status'], { timeoutMs: 700 });
      expect(r.protocol).toBe('v5.channel.k8s.io');
      expect(r.frames).toEqual([]);
      expect(r.error).toBe('timeout');
    });

    it('hang-upgrade: no answer at all', async () => {
      const r = await wsExec(api, 'hang-upgrade', ['true'], { timeoutMs: 700 });
      expect(r.protocol).toBeUndefined();
      expect(r.httpStatus).toBeUndefined();
      expect(r.error).toBeDefined();
    });

    it('status-500: the upgrade is refused with an InternalError', async () => {
      const r = await wsExec(api, 'broken-500', ['true']);
      expect(r.httpStatus).toBe(500);
      expect(r.httpBody).toMatchObject({ kind: 'Status', reason: 'InternalError', code: 500 });
    });

    it('getFault: GET of the pod answers 500, the list still works', async () => {
      const r = await get(api, '/api/v1/namespaces/default/pods/broken-get');
      expect(r.status).toBe(500);
      expect(r.body).toMatchObject({ reason: 'InternalError', code: 500 });
      const list = await get(api, '/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dbroken-get');
      expect(list.body.items).toHaveLength(1);
    });
  });

  describe('REST', () => {
    it('401 for a missing or unknown token, on every path', async () => {
      for (const token of ['', 'nope']) {
        for (const path of ['/api/v1/namespaces/default/pods/web', '/version', '/api']) {
          const r = await get(api, path, token);
          expect(r.status).toBe(401);
          expect(r.text).toBe(
            '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}',
          );
        }
      }
    });

    it('403 for lists the user may not make', async () => {
      const r = await get(api, '/api/v1/pods', tokenOf(api, 'nopods'));
      expect(r.status).toBe(403);
      expect(r.body.message).toBe('pods is forbidden: User "nopods" cannot list resource "pods" in API group "" at the cluster scope');
      const ro = await get(api, '/api/v1/pods', tokenOf(api, 'readonly'));
      expect(ro.status).toBe(200);
    });

    it('lists with label and field selectors, across namespaces', async () => {
      const r = await get(api, `/api/v1/pods?labelSelector=${encodeURIComponent('app=web,tier notin (frontend)')}`);
      expect(r.body.kind).toBe('PodList');
      expect(r.body.items.map((p: any) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(['other/web2']);
      const f = await get(api, '/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dsingle');
      expect(f.body.items.map((p: any) => p.metadata.name)).toEqual(['single']);
      const bad = await get(api, '/api/v1/pods?labelSelector=a%20in%20b');
      expect(bad.status).toBe(400);
      expect(bad.body.reason).toBe('BadRequest');
      const badField = await get(api, '/api/v1/pods?fieldSelector=spec.foo%3Dx');
      expect(badField.status).toBe(400);
    });

    it('serves workloads with their selectors and owner chains', async () => {
      const d = await get(api, '/apis/apps/v1/namespaces/default/deployments/web');
      expect(d.body).toMatchObject({ kind: 'Deployment', apiVersion: 'apps/v1', spec: { selector: { matchLabels: { app: 'web' } } } });
      const rs = await get(api, '/apis/apps/v1/namespaces/default/replicasets/web-5d8f7c9b6');
      expect(rs.body.metadata.ownerReferences[0]).toMatchObject({ kind: 'Deployment', name: 'web', uid: d.body.metadata.uid });
      const pod = await get(api, '/api/v1/namespaces/default/pods/web');
      expect(pod.body.metadata.ownerReferences[0].uid).toBe(rs.body.metadata.uid);
      const sts = await get(api, '/apis/apps/v1/namespaces/default/statefulsets/db');
      expect(sts.body.spec.selector.matchExpressions[0]).toEqual({ key: 'app', operator: 'In', values: ['db'] });
      const job = await get(api, '/apis/batch/v1/namespaces/default/jobs/migrate');
      expect(job.body.kind).toBe('Job');
      const ds = await get(api, '/apis/apps/v1/namespaces/default/daemonsets/node-agent');
      expect(ds.body.status.numberReady).toBe(0);
      const missing = await get(api, '/apis/apps/v1/namespaces/default/deployments/nope');
      expect(missing.status).toBe(404);
      expect(missing.body.message).toBe('deployments.apps "nope" not found');
      expect(missing.body.details).toEqual({ name: 'nope', group: 'apps', kind: 'deployments' });
    });

    it('serves discovery that client-go accepts in place of aggregated discovery', async () => {
      const aggregated = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
      const apis = await get(api, '/apis', api.token, aggregated);
      expect(apis.body.kind).toBe('APIGroupList');
      expect(apis.body.groups.map((g: any) => g.name)).toEqual(['apps', 'batch']);
      const v1 = await get(api, '/api/v1');
      expect(v1.body.resources.map((r: any) => r.name)).toEqual(expect.arrayContaining(['pods', 'pods/exec']));
      expect((await get(api, '/version')).body.gitVersion).toMatch(/^v1\.33\./);
      const unknown = await get(api, '/api/v1/namespaces/default/secrets');
      expect(unknown.status).toBe(404);
    });

    it('reports a container whose PID 1 died as terminated', async () => {
      // A separate small cluster, so the shared one is left alone.
      const small = await startApiServer({ fixture: identicalPodsFixture({ count: 1, prefix: 'mortal', processes: 1 }) });
      try {
        const res = await get(small, '/api/v1/namespaces/default/pods/mortal-0');
        expect(res.body.status.containerStatuses[0].state.running).toBeDefined();
        const pid1 = descendants(small.pid).find((p) => {
          try {
            return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'sleep\0infinity\0';
          } catch {
            return false;
          }
        }) as number;
        process.kill(pid1, 'SIGKILL');
        await waitGone([pid1], exists);
        await new Promise((r) => setTimeout(r, 100));
        const after = await get(small, '/api/v1/namespaces/default/pods/mortal-0');
        expect(after.body.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 137, signal: 9, reason: 'Error' });
      } finally {
        await small.stop();
      }
    });
  });
});

describe.skipIf(!canMakeNamespaces())('test API server lifecycle', () => {
  it('starts 50 identical pods quickly and leaves nothing behind when SIGKILLed', async () => {
    const t0 = Date.now();
    const api = await startApiServer({ fixture: identicalPodsFixture({ count: 50, prefix: 'bench', processes: 3 }) });
    const startMs = Date.now() - t0;
    expect(startMs).toBeLessThan(10_000);
    const tree = descendants(api.pid);
    // setpriv/unshare + PID 1 + 2 sleeps per pod
    expect(tree.length).toBeGreaterThanOrEqual(50 * 4);
    const list = await get(api, '/api/v1/namespaces/default/pods?labelSelector=app%3Dbench');
    expect(list.body.items).toHaveLength(50);
    process.kill(api.pid, 'SIGKILL');
    expect(await waitGone(tree, exists)).toEqual([]);
    await api.stop();
    // SIGKILL leaves no chance to remove the work directory.
    fs.rmSync(path.dirname(api.kubeconfig), { recursive: true, force: true });
  });
});

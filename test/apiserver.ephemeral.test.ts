// Ephemeral (debug) containers on the test API server: the
// pods/ephemeralcontainers subresource (PATCH shapes, validation, RBAC), the
// kubelet's status timeline, and what a debug container sees from inside:
// the target's PID namespace, its own mount namespace and procfs, and the
// credentials of its securityContext. Then the real kubectl debug against it.
// Every describe starts its own server, so what is added here stays here.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, request, tokenOf } from './apiserver/client.ts';
import type { Response } from './apiserver/client.ts';
import { descendants } from './apiserver/runtime/containers.ts';
import type { Fixture } from './apiserver/cluster/fixture.ts';
import { running, waitGone } from './apiserver/runtime/procs.ts';
import {
  canRunEphemeralContainers,
  CLUSTER_FIXTURE,
  ephemeralUnavailableReason,
  startApiServer,
} from './apiserver/harness.ts';
import type { ApiServerHandle } from './apiserver/harness.ts';
import { hasKubectl, kubectl as runKubectl, kubectlHome } from './apiserver/kubectl.ts';
import type { KubectlResult } from './apiserver/kubectl.ts';

const skipReason = ephemeralUnavailableReason();
if (skipReason) console.warn(`skipping ephemeral container tests: ${skipReason}`);

const SMP = 'application/strategic-merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const MERGE = 'application/merge-patch+json';
const PODS = '/api/v1/namespaces/default/pods';

/** The pods of the standard fixture these tests use (a small, fresh cluster per describe). */
function fixture(names: string[]): Fixture {
  const full = JSON.parse(fs.readFileSync(CLUSTER_FIXTURE, 'utf8')) as Fixture;
  return { pods: (full.pods ?? []).filter((p) => names.includes(p.metadata.name)) };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type State = Record<string, { reason?: string; message?: string; startedAt?: string; exitCode?: number }>;

/** A compact label for a container state: "absent", "running", "waiting:Reason", "terminated:Reason:code". */
function label(s: { state: State } | undefined): string {
  if (!s) return 'absent';
  const [kind, v] = Object.entries(s.state)[0];
  if (kind === 'running') return 'running';
  return kind === 'waiting' ? `waiting:${v.reason}` : `terminated:${v.reason}:${v.exitCode}`;
}

/**
 * Polls the pod until the ephemeral container's status satisfies `until`;
 * returns every distinct state seen, in order, and the last status.
 */
async function watchStatus(
  api: ApiServerHandle,
  pod: string,
  name: string,
  until: (labelNow: string) => boolean,
  ms = 5000,
): Promise<{ seen: string[]; status: any; pod: any }> {
  const deadline = Date.now() + ms;
  const seen: string[] = [];
  for (;;) {
    const r = await request(api, 'GET', `${PODS}/${pod}`);
    const s = (r.body.status.ephemeralContainerStatuses ?? []).find((x: { name: string }) => x.name === name);
    const l = label(s);
    if (seen.at(-1) !== l) seen.push(l);
    if (until(l) || Date.now() > deadline) return { seen, status: s, pod: r.body };
    await sleep(10);
  }
}

function patch(api: ApiServerHandle, pod: string, type: string, body: unknown, token?: string): Promise<Response> {
  return request(api, 'PATCH', `${PODS}/${pod}/ephemeralcontainers`, { body, contentType: type, token });
}

/** The debug container the brief of this feature describes: busybox, targeting app, restricted credentials. */
function restricted(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    image: 'busybox:1.36',
    targetContainerName: 'app',
    command: ['sleep', 'infinity'],
    securityContext: {
      runAsUser: 65534,
      capabilities: { drop: ['ALL'] },
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    },
    ...extra,
  };
}

const field = (status: string, key: string): string | undefined => new RegExp(`^${key}:\\t(.*)$`, 'm').exec(status)?.[1];

/** Host PID of a pod's PID 1 running /app/server (the distroless app), told apart by HOSTNAME. */
function distrolessPid1(api: ApiServerHandle, pod: string): number {
  for (const pid of descendants(api.pid)) {
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') !== '/app/server\0infinity\0') continue;
      if (fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`HOSTNAME=${pod}`)) return pid;
    } catch {
      // gone
    }
  }
  throw new Error(`no /app/server process for ${pod}`);
}

describe.skipIf(!canRunEphemeralContainers())('ephemeral containers on the wire', () => {
  let api: ApiServerHandle;

  beforeAll(async () => {
    api = await startApiServer({
      fixture: fixture(['distroless', 'distroless-notarget', 'db-0', 'crashy', 'single', 'web', 'pending']),
    });
  });

  afterAll(async () => {
    if (!api) return;
    const tree = descendants(api.pid);
    await api.stop();
    // Ephemeral containers, their launchers and exec'd processes die with the server.
    expect(await waitGone(tree, running)).toEqual([]);
  });

  describe('adding one', () => {
    it('strategic merge patch: 200 with the Pod, then waiting ContainerCreating, then running', async () => {
      const before = await exec(api, 'distroless', ['true'], { container: 'smp' });
      expect(before.httpStatus).toBe(400);
      expect(before.httpBody.message).toBe('container smp is not valid for pod distroless');

      const t0 = Date.now();
      const r = await patch(api, 'distroless', SMP, { spec: { ephemeralContainers: [restricted('smp')] } });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'distroless' } });
      // As stored, with the API's defaults.
      expect(r.body.spec.ephemeralContainers).toEqual([
        {
          ...restricted('smp'),
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ]);
      // The kubelet has not seen it yet.
      expect(r.body.status.ephemeralContainerStatuses).toBeUndefined();
      // Exec while it is not running yet.
      const early = await exec(api, 'distroless', ['true'], { container: 'smp' });
      expect(early.httpStatus).toBe(400);
      expect(early.httpBody.message).toBe('unable to upgrade connection: container not found ("smp")');

      const { seen, status } = await watchStatus(api, 'distroless', 'smp', (l) => l === 'running');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
      // ContainerCreating lasts about 25 ms: a poll on a loaded machine may step over it, never past running.
      const states = seen.filter((s) => s !== 'absent');
      expect(states.at(-1)).toBe('running');
      expect(states.slice(0, -1).every((s) => s === 'waiting:ContainerCreating'), states.join(' ')).toBe(true);
      expect(status).toMatchObject({
        name: 'smp',
        ready: false,
        started: true,
        restartCount: 0,
        image: 'docker.io/library/busybox:1.36',
        imageID: expect.stringMatching(/^docker\.io\/library\/busybox@sha256:[0-9a-f]{64}$/),
        containerID: expect.stringMatching(/^containerd:\/\/[0-9a-f]{64}$/),
      });
      expect(status.state.running.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    });

    it('JSON patch: "add /spec/ephemeralContainers/-" fails while the pod has none, as on a real server', async () => {
      const value = { name: 'jp', image: 'busybox:1.36', targetContainerName: 'app' };
      const dash = await patch(api, 'single', JSON_PATCH, [{ op: 'add', path: '/spec/ephemeralContainers/-', value }]);
      expect(dash.status).toBe(422);
      expect(dash.body).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'the server rejected our request due to an error in our request',
        reason: 'Invalid',
        details: {},
        code: 422,
      });
      const whole = await patch(api, 'single', JSON_PATCH, [{ op: 'add', path: '/spec/ephemeralContainers', value: [value] }]);
      expect(whole.status).toBe(200);
      expect(whole.body.spec.ephemeralContainers.map((c: { name: string }) => c.name)).toEqual(['jp']);
      const next = await patch(api, 'single', JSON_PATCH, [
        { op: 'add', path: '/spec/ephemeralContainers/-', value: { ...value, name: 'jp2', targetContainerName: undefined } },
      ]);
      expect(next.status).toBe(200);
      expect(next.body.spec.ephemeralContainers.map((c: { name: string }) => c.name)).toEqual(['jp', 'jp2']);
      for (const name of ['jp', 'jp2']) expect((await watchStatus(api, 'single', name, (l) => l === 'running')).seen.at(-1)).toBe('running');
      // jp targets app: the app's PID 1 (sleep infinity, started by the fixture) is its PID 1; jp2 has its own.
      const e = await exec(api, 'single', ['cat', '/proc/1/cmdline'], { container: 'jp' });
      expect(e.exitCode).toBe(0);
      expect(e.stdout).toBe('sleep\u0000infinity\u0000');
      const own = await exec(api, 'single', ['cat', '/proc/1/cmdline'], { container: 'jp2' });
      expect(own.stdout).toBe('/bin/sleep\u0000infinity\u0000');
    });

    it('strategic merge patch as kubectl debug sends it once there are some: $setElementOrder and only the new entry', async () => {
      const r = await patch(api, 'db-0', SMP, {
        spec: {
          '$setElementOrder/ephemeralContainers': [{ name: 'debugger' }, { name: 'general' }],
          ephemeralContainers: [
            {
              name: 'general',
              image: 'busybox:1.36',
              targetContainerName: 'db',
              resources: {},
              terminationMessagePolicy: 'File',
              securityContext: { capabilities: { add: ['SYS_PTRACE'] } },
            },
          ],
        },
      });
      expect(r.status).toBe(200);
      expect(r.body.spec.ephemeralContainers.map((c: { name: string }) => c.name)).toEqual(['debugger', 'general']);
      expect((await watchStatus(api, 'db-0', 'general', (l) => l === 'running')).seen.at(-1)).toBe('running');
      // Root with the runtime's default capabilities plus SYS_PTRACE (kubectl debug --profile=general).
      const e = await exec(api, 'db-0', ['sh', '-c', 'cat /proc/self/status; readlink /proc/1/ns/mnt /proc/self/ns/mnt'], {
        container: 'general',
      });
      expect(e.exitCode).toBe(0);
      expect(field(e.stdout, 'Uid')).toBe('0\t0\t0\t0');
      expect(field(e.stdout, 'CapEff')).toBe('00000000a80c25fb');
      expect(field(e.stdout, 'CapBnd')).toBe('00000000a80c25fb');
      // With CAP_SYS_PTRACE, root may read the target's namespace links: a mount namespace other than its own.
      const [target, own] = e.stdout.trim().split('\n').slice(-2);
      expect(target).toMatch(/^mnt:\[\d+\]$/);
      expect(own).toMatch(/^mnt:\[\d+\]$/);
      expect(target).not.toBe(own);
      // The fixture's own debugger still runs (its own PID namespace, from run.argv).
      const d = await exec(api, 'db-0', ['cat', '/proc/1/status'], { container: 'debugger' });
      expect(field(d.stdout, 'Name')).toBe('sleep');
    });

    it('merge patch replaces the list: a list without the existing containers is refused', async () => {
      const r = await patch(api, 'db-0', MERGE, { spec: { ephemeralContainers: [{ name: 'mp', image: 'busybox:1.36' }] } });
      expect(r.status).toBe(422);
      expect(r.body.reason).toBe('Invalid');
      expect(r.body.details.causes).toEqual([
        { reason: 'FieldValueForbidden', message: 'Forbidden: existing ephemeral containers "debugger" may not be removed\n', field: 'spec.ephemeralContainers' },
        { reason: 'FieldValueForbidden', message: 'Forbidden: existing ephemeral containers "general" may not be removed\n', field: 'spec.ephemeralContainers' },
      ]);
      // The full list as served plus a new one is fine.
      const pod = (await request(api, 'GET', `${PODS}/db-0`)).body;
      const ok = await patch(api, 'db-0', MERGE, {
        spec: { ephemeralContainers: [...pod.spec.ephemeralContainers, { name: 'mp', image: 'busybox:1.36', targetContainerName: 'db' }] },
      });
      expect(ok.status).toBe(200);
      expect(ok.body.spec.ephemeralContainers.map((c: { name: string }) => c.name)).toEqual(['debugger', 'general', 'mp']);
    });
  });

  describe('validation and access', () => {
    it('changing an existing ephemeral container is 422 Forbidden', async () => {
      const r = await patch(api, 'distroless', SMP, { spec: { ephemeralContainers: [{ name: 'smp', image: 'busybox:1.37' }] } });
      expect(r.status).toBe(422);
      expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422, details: { name: 'distroless', kind: 'Pod' } });
      expect(r.body.message).toMatch(
        /^Pod "distroless" is invalid: spec\.ephemeralContainers: Forbidden: existing ephemeral containers "smp" may not be changed\n/,
      );
      expect(r.body.details.causes).toHaveLength(1);
      expect(r.body.details.causes[0]).toMatchObject({ reason: 'FieldValueForbidden', field: 'spec.ephemeralContainers' });
      expect(r.body.details.causes[0].message).toContain('- image: "busybox:1.36"\n+ image: "busybox:1.37"');
      // Re-sending it unchanged (even without its defaults) is no change at all.
      const same = await patch(api, 'distroless', SMP, { spec: { ephemeralContainers: [restricted('smp')] } });
      expect(same.status).toBe(200);
    });

    it('a duplicate name of any container is 422 Duplicate value', async () => {
      for (const name of ['app', 'smp']) {
        const r = await patch(api, 'distroless', MERGE, {
          spec: { ephemeralContainers: [...(await request(api, 'GET', `${PODS}/distroless`)).body.spec.ephemeralContainers, { name, image: 'busybox' }] },
        });
        expect(r.status).toBe(422);
        expect(r.body.message).toBe(`Pod "distroless" is invalid: spec.ephemeralContainers[1].name: Duplicate value: "${name}"`);
        expect(r.body.details.causes).toEqual([
          { reason: 'FieldValueDuplicate', message: `Duplicate value: "${name}"`, field: 'spec.ephemeralContainers[1].name' },
        ]);
      }
      // The strategic merge patch of a new container named like a regular one.
      const smp = await patch(api, 'distroless', SMP, { spec: { ephemeralContainers: [{ name: 'app', image: 'busybox' }] } });
      expect(smp.status).toBe(422);
      expect(smp.body.details.causes[0]).toMatchObject({ reason: 'FieldValueDuplicate', field: 'spec.ephemeralContainers[1].name' });
    });

    it('a missing name or image is 422 Required value; an unknown target is 422 Not found', async () => {
      const r = await patch(api, 'web', JSON_PATCH, [{ op: 'add', path: '/spec/ephemeralContainers', value: [{ targetContainerName: 'nope' }] }]);
      expect(r.status).toBe(422);
      expect(r.body.message).toBe(
        'Pod "web" is invalid: [spec.ephemeralContainers[0].name: Required value, spec.ephemeralContainers[0].image: Required value, ' +
          'spec.ephemeralContainers[0].targetContainerName: Not found: "nope"]',
      );
      expect(r.body.details.causes).toEqual([
        { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.ephemeralContainers[0].name' },
        { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.ephemeralContainers[0].image' },
        { reason: 'FieldValueNotFound', message: 'Not found: "nope"', field: 'spec.ephemeralContainers[0].targetContainerName' },
      ]);
      // Fields an ephemeral container may not have.
      const ports = await patch(api, 'web', SMP, {
        spec: { ephemeralContainers: [{ name: 'p', image: 'busybox', ports: [{ containerPort: 80 }] }] },
      });
      expect(ports.status).toBe(422);
      expect(ports.body.message).toBe('Pod "web" is invalid: spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container');
      // A strategic merge patch entry without its merge key fails in the merge code: a 500 without a reason.
      const nokey = await patch(api, 'web', SMP, { spec: { ephemeralContainers: [{ image: 'busybox' }] } });
      expect(nokey.status).toBe(500);
      expect(nokey.body).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'map: map[image:busybox] does not contain declared merge key: name',
        code: 500,
      });
      // Nothing was stored.
      expect((await request(api, 'GET', `${PODS}/web`)).body.spec.ephemeralContainers).toBeUndefined();
    });

    it('404 for a missing pod, 415 for another content type, 400 for a body that is not JSON', async () => {
      const missing = await patch(api, 'nope', SMP, { spec: { ephemeralContainers: [{ name: 'x', image: 'busybox' }] } });
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ reason: 'NotFound', message: 'pods "nope" not found', details: { name: 'nope', kind: 'pods' } });
      const plain = await patch(api, 'web', 'application/json', { spec: {} });
      expect(plain.status).toBe(415);
      expect(plain.body).toMatchObject({ reason: 'UnsupportedMediaType', code: 415 });
      expect(plain.body.message).toMatch(/^the body of the request was in an unknown format - accepted media types include: /);
      const garbage = await patch(api, 'web', SMP, '{not json');
      expect(garbage.status).toBe(400);
      expect(garbage.body.reason).toBe('BadRequest');
    });

    it('noephemeral may read and exec, but not add an ephemeral container: 403 with the RBAC message', async () => {
      const token = tokenOf(api, 'noephemeral');
      const r = await patch(api, 'distroless', SMP, { spec: { ephemeralContainers: [{ name: 'x', image: 'busybox' }] } }, token);
      expect(r.status).toBe(403);
      expect(r.body).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'pods "distroless" is forbidden: User "noephemeral" cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "default"',
        reason: 'Forbidden',
        details: { name: 'distroless', kind: 'pods' },
        code: 403,
      });
      expect((await request(api, 'GET', `${PODS}/distroless`, { token })).status).toBe(200);
      const e = await exec(api, 'single', ['true'], { token, container: 'app' });
      expect(e.exitCode).toBe(0);
      // And the other users are refused too, by verb.
      const ro = await patch(api, 'distroless', SMP, { spec: { ephemeralContainers: [] } }, tokenOf(api, 'readonly'));
      expect(ro.status).toBe(403);
    });

    it('GET on the subresource returns the pod; discovery lists it', async () => {
      const r = await request(api, 'GET', `${PODS}/distroless/ephemeralcontainers`);
      expect(r.status).toBe(200);
      expect(r.body.kind).toBe('Pod');
      expect(r.body.spec.ephemeralContainers[0].name).toBe('smp');
      const v1 = await request(api, 'GET', '/api/v1');
      expect(v1.body.resources).toContainEqual(
        expect.objectContaining({ name: 'pods/ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] }),
      );
      // The list shows them too.
      const list = await request(api, 'GET', `${PODS}?fieldSelector=metadata.name%3Ddistroless`);
      expect(list.body.items[0].spec.ephemeralContainers.map((c: { name: string }) => c.name)).toEqual(['smp']);
      expect(list.body.items[0].status.ephemeralContainerStatuses.map((c: { name: string }) => c.name)).toEqual(['smp']);
    });
  });

  describe('inside a debug container', () => {
    it('sees the target\'s PID 1, with its own credentials: uid 65534, no capabilities, no_new_privs', async () => {
      const e = await exec(api, 'distroless', ['sh', '-c', 'cat /proc/1/status; echo ===; cat /proc/self/status; echo ===; cd /proc && echo [0-9]*'], {
        container: 'smp',
      });
      expect(e.stderr).toBe('');
      expect(e.exitCode).toBe(0);
      const [pid1, self, pids] = e.stdout.split('===\n');
      // The distroless app: its binary's name, root, PID 1 of the namespace the debug container joined.
      expect(field(pid1, 'Name')).toBe('server');
      expect(field(pid1, 'Uid')).toBe('0\t0\t0\t0');
      expect(field(pid1, 'NSpid')).toBe('1');
      expect(field(self, 'Name')).toBe('cat');
      expect(field(self, 'Uid')).toBe('65534\t65534\t65534\t65534');
      expect(field(self, 'Gid')).toBe('65534\t65534\t65534\t65534');
      expect(field(self, 'CapEff')).toBe('0000000000000000');
      expect(field(self, 'CapPrm')).toBe('0000000000000000');
      expect(field(self, 'CapBnd')).toBe('0000000000000000');
      expect(field(self, 'NoNewPrivs')).toBe('1');
      expect(Number(field(self, 'NSpid'))).toBeGreaterThan(1);
      // The app, the debug container's sleep, and this shell: nothing of the host.
      const list = pids.trim().split(' ').map(Number);
      expect(list).toContain(1);
      expect(list.length).toBeGreaterThanOrEqual(3);
      expect(list.length).toBeLessThan(10);
      // The debug container's own process is the sleep from its command.
      const sleeper = await exec(api, 'distroless', ['sh', '-c', 'for p in /proc/[0-9]*; do cat $p/cmdline | tr "\\000" " "; echo; done'], {
        container: 'smp',
      });
      expect(sleeper.stdout).toContain('/app/server infinity');
      expect(sleeper.stdout).toContain('/bin/sleep infinity');
    });

    it('has a mount namespace of its own; as uid 65534 it may not read the root-owned target\'s namespace links', async () => {
      const e = await exec(api, 'distroless', ['sh', '-c', 'readlink /proc/self/ns/mnt; readlink -v /proc/1/ns/mnt; echo "rc=$?"'], {
        container: 'smp',
      });
      const [own, ...rest] = e.stdout.trim().split('\n');
      expect(own).toMatch(/^mnt:\[\d+\]$/);
      // ptrace access mode READ is needed for /proc/<pid>/ns/*: another uid (and no CAP_SYS_PTRACE) is refused.
      expect(rest).toEqual(['rc=1']);
      expect(e.stderr).toBe('readlink: /proc/1/ns/mnt: Permission denied\n');
      // Root on the host sees the app's mount namespace: a different one.
      const app = distrolessPid1(api, 'distroless');
      const appMnt = fs.readlinkSync(`/proc/${app}/ns/mnt`);
      expect(appMnt).toMatch(/^mnt:\[\d+\]$/);
      expect(appMnt).not.toBe(own);
      expect(fs.readlinkSync(`/proc/${app}/ns/mnt`)).not.toBe(fs.readlinkSync('/proc/self/ns/mnt'));
      // ...but its PID namespace is the app's.
      const pidns = await exec(api, 'distroless', ['readlink', '/proc/self/ns/pid'], { container: 'smp' });
      expect(pidns.stdout.trim()).toBe(fs.readlinkSync(`/proc/${app}/ns/pid`));
    });

    it('has the busybox tools in /bin, a read-only root, and writable /dev', async () => {
      const e = await exec(api, 'distroless', ['sh', '-c', 'ls /bin; echo x > /probe; echo "root=$?"; echo x > /tmp/probe; echo "tmp=$?"; echo x > /dev/null; echo "null=$?"; id'], {
        container: 'smp',
      });
      const bins = e.stdout.split('\n');
      for (const b of ['sh', 'cat', 'readlink', 'sleep', 'printf', 'echo', 'tr', 'ls']) expect(bins).toContain(b);
      expect(e.stdout).toContain('root=2');
      expect(e.stdout).toContain('tmp=2');
      expect(e.stdout).toContain('null=0');
      expect(e.stdout).toContain('uid=65534(nobody) gid=65534(nogroup)');
      expect(e.stderr).toContain('/probe: Read-only file system');
      // The app's own root is untouched: it still has only its binary.
      const app = await exec(api, 'distroless', ['cat', '/proc/1/status'], { container: 'app' });
      expect(app.status?.message).toContain('exec: "cat": executable file not found in $PATH');
    });

    it('without targetContainerName it gets its own PID namespace: its command is PID 1', async () => {
      const r = await patch(api, 'distroless', SMP, {
        spec: { ephemeralContainers: [{ name: 'solo', image: 'busybox:1.36', command: ['sleep', '3600'] }] },
      });
      expect(r.status).toBe(200);
      expect((await watchStatus(api, 'distroless', 'solo', (l) => l === 'running')).seen.at(-1)).toBe('running');
      const e = await exec(api, 'distroless', ['cat', '/proc/1/cmdline'], { container: 'solo' });
      expect(e.stdout).toBe('/bin/sleep\u00003600\u0000');
      // Root with the runtime's default capabilities.
      const s = await exec(api, 'distroless', ['cat', '/proc/self/status'], { container: 'solo' });
      expect(field(s.stdout, 'CapEff')).toBe('00000000a80425fb');
      expect(field(s.stdout, 'NoNewPrivs')).toBe('0');
    });

    it('with the no-targeting annotation, targetContainerName is ignored: PID 1 is its own command', async () => {
      const r = await patch(api, 'distroless-notarget', SMP, { spec: { ephemeralContainers: [restricted('dbg')] } });
      expect(r.status).toBe(200);
      expect(r.body.metadata.annotations['procstatus.test/no-ephemeral-targeting']).toBe('true');
      expect((await watchStatus(api, 'distroless-notarget', 'dbg', (l) => l === 'running')).seen.at(-1)).toBe('running');
      const e = await exec(api, 'distroless-notarget', ['sh', '-c', 'cat /proc/1/status; cd /proc && echo [0-9]*'], { container: 'dbg' });
      expect(field(e.stdout, 'Name')).toBe('sleep');
      expect(field(e.stdout, 'Uid')).toBe('65534\t65534\t65534\t65534');
      expect(e.stdout).not.toContain('server');
      // Only its own processes: sleep (1), this shell, cat's successor.
      const pids = e.stdout.trim().split('\n').at(-1)!.split(' ').map(Number);
      expect(pids[0]).toBe(1);
      expect(pids.length).toBeLessThanOrEqual(3);
    });
  });

  describe('containers that do not start', () => {
    it('an image that cannot be pulled: waiting ErrImagePull, then ImagePullBackOff, and no exec', async () => {
      const image = 'registry.example/does-not-exist:1.0';
      const r = await patch(api, 'web', SMP, { spec: { ephemeralContainers: [{ name: 'pull', image, targetContainerName: 'app' }] } });
      expect(r.status).toBe(200);
      const { seen, status } = await watchStatus(api, 'web', 'pull', (l) => l === 'waiting:ImagePullBackOff');
      expect(seen.filter((s) => s !== 'absent')).toEqual(['waiting:ContainerCreating', 'waiting:ErrImagePull', 'waiting:ImagePullBackOff']);
      expect(status.state.waiting.message).toBe(`Back-off pulling image "${image}"`);
      expect(status).toMatchObject({ image, imageID: '', started: false, ready: false });
      expect(status.containerID).toBeUndefined();
      const e = await exec(api, 'web', ['true'], { container: 'pull' });
      expect(e.httpStatus).toBe(400);
      expect(e.httpBody.message).toBe('unable to upgrade connection: container not found ("pull")');
      // The pull error, on docker.io.
      await patch(api, 'web', SMP, { spec: { ephemeralContainers: [{ name: 'pull2', image: 'nonexistent:1' }] } });
      const again = await watchStatus(api, 'web', 'pull2', (l) => l === 'waiting:ErrImagePull');
      expect(again.status.state.waiting.message).toBe(
        'rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/nonexistent:1": failed to resolve reference ' +
          '"docker.io/library/nonexistent:1": pull access denied, repository does not exist or may require authorization: server message: ' +
          'insufficient_scope: authorization failed',
      );
    });

    it('runAsNonRoot with an image that runs as root: CreateContainerConfigError', async () => {
      const r = await patch(api, 'web', SMP, {
        spec: { ephemeralContainers: [{ name: 'nonroot', image: 'busybox:1.36', securityContext: { runAsNonRoot: true } }] },
      });
      expect(r.status).toBe(200);
      const { status, pod } = await watchStatus(api, 'web', 'nonroot', (l) => l === 'waiting:CreateContainerConfigError');
      expect(status.state.waiting.message).toBe(
        `container has runAsNonRoot and image will run as root (pod: "web_default(${pod.metadata.uid})", container: nonroot)`,
      );
    });

    it('a command the image does not have: terminated StartError 128; a command that ends: terminated with its code', async () => {
      await patch(api, 'web', SMP, { spec: { ephemeralContainers: [{ name: 'nocmd', image: 'busybox', command: ['strace'] }] } });
      const { status } = await watchStatus(api, 'web', 'nocmd', (l) => l.startsWith('terminated'));
      expect(status.state.terminated).toMatchObject({ reason: 'StartError', exitCode: 128, startedAt: '1970-01-01T00:00:00Z' });
      expect(status.state.terminated.message).toContain('exec: "strace": executable file not found in $PATH: unknown');
      await patch(api, 'web', SMP, { spec: { ephemeralContainers: [{ name: 'short', image: 'busybox', command: ['sh', '-c', 'exit 3'] }] } });
      const short = await watchStatus(api, 'web', 'short', (l) => l.startsWith('terminated'));
      expect(short.seen.at(-1)).toBe('terminated:Error:3');
    });

    it('a target that is not running: CreateContainerError; a pod without a node keeps ContainerCreating', async () => {
      await patch(api, 'crashy', SMP, { spec: { ephemeralContainers: [{ name: 'dbg', image: 'busybox', targetContainerName: 'app' }] } });
      const { status } = await watchStatus(api, 'crashy', 'dbg', (l) => l === 'waiting:CreateContainerError');
      expect(status.state.waiting.message).toMatch(/target container "app".*not running/);
      await patch(api, 'pending', SMP, { spec: { ephemeralContainers: [{ name: 'dbg', image: 'busybox' }] } });
      await sleep(400);
      const p = await watchStatus(api, 'pending', 'dbg', () => true);
      expect(p.seen).toEqual(['waiting:ContainerCreating']);
    });
  });
});

describe.skipIf(!canRunEphemeralContainers())('ephemeral containers and the server\'s end', () => {
  it('leaves nothing behind when the server is SIGKILLed, targeted non-root ones included', async () => {
    const api = await startApiServer({ fixture: fixture(['distroless', 'single']) });
    try {
      await patch(api, 'distroless', SMP, { spec: { ephemeralContainers: [restricted('a')] } });
      await patch(api, 'single', SMP, { spec: { ephemeralContainers: [{ name: 'b', image: 'busybox', stdin: true }] } });
      expect((await watchStatus(api, 'distroless', 'a', (l) => l === 'running')).seen.at(-1)).toBe('running');
      expect((await watchStatus(api, 'single', 'b', (l) => l === 'running')).seen.at(-1)).toBe('running');
      // b runs the image's shell, waiting on a stdin that stays open.
      const b = await exec(api, 'single', ['cat', '/proc/1/cmdline'], { container: 'b' });
      expect(b.stdout).toBe('/bin/sh\u0000');
      const tree = descendants(api.pid);
      const users = tree.map((p) => {
        try {
          return fs.statSync(`/proc/${p}`).uid;
        } catch {
          return -1;
        }
      });
      expect(users).toContain(65534);
      process.kill(api.pid, 'SIGKILL');
      expect(await waitGone(tree, running)).toEqual([]);
    } finally {
      await api.stop();
      // SIGKILL leaves no chance to remove the work directory.
      fs.rmSync(path.dirname(api.kubeconfig), { recursive: true, force: true });
    }
  });
});

if (!hasKubectl) console.warn('skipping kubectl debug against the test API server: kubectl is not installed');

describe.skipIf(!hasKubectl || !canRunEphemeralContainers())('kubectl debug against the test API server', () => {
  let api: ApiServerHandle;
  let home: string;

  const kubectl = (...args: string[]): KubectlResult => runKubectl(api, home, args);

  beforeAll(async () => {
    home = kubectlHome();
    api = await startApiServer({ fixture: fixture(['distroless', 'db-0']) });
  });

  afterAll(async () => {
    await api?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('adds a debug container targeting app with the strategic merge patch kubectl sends, and it runs', async () => {
    const r = kubectl('debug', 'distroless', '--image=busybox:1.36', '--target=app', '--container=dbg', '--', 'sleep', 'infinity');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Targeting container "app"');
    const { seen } = await watchStatus(api, 'distroless', 'dbg', (l) => l === 'running');
    expect(seen.at(-1)).toBe('running');
    const pod = JSON.parse(kubectl('get', 'pod', 'distroless', '-o', 'json').stdout);
    expect(pod.spec.ephemeralContainers).toEqual([
      expect.objectContaining({ name: 'dbg', image: 'busybox:1.36', targetContainerName: 'app', command: ['sleep', 'infinity'] }),
    ]);
    expect(pod.status.ephemeralContainerStatuses[0].state.running).toBeDefined();
    const e = kubectl('exec', 'distroless', '-c', 'dbg', '--', 'cat', '/proc/1/status');
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/^Name:\tserver$/m);
  });

  it('a second one ($setElementOrder in the patch) with --profile=restricted: accepted, then refused by the kubelet as root', async () => {
    const r = kubectl('debug', 'distroless', '--image=busybox:1.36', '--target=app', '--profile=restricted', '--container=strict', '--', 'sleep', 'infinity');
    expect(r.code, r.stderr).toBe(0);
    const { status } = await watchStatus(api, 'distroless', 'strict', (l) => l.startsWith('waiting:Create'));
    expect(status.state.waiting.reason).toBe('CreateContainerConfigError');
    const pod = JSON.parse(kubectl('get', 'pod', 'distroless', '-o', 'json').stdout);
    expect(pod.spec.ephemeralContainers.map((c: { name: string }) => c.name)).toEqual(['dbg', 'strict']);
    expect(pod.spec.ephemeralContainers[1].securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('kubectl debug as noephemeral is refused with the RBAC message', () => {
    const r = kubectl('--context', 'noephemeral', 'debug', 'distroless', '--image=busybox:1.36', '--target=app', '--', 'sleep', 'infinity');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'pods "distroless" is forbidden: User "noephemeral" cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "default"',
    );
  });
});

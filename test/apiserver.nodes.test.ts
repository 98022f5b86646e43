// Nodes, pod create/delete (hostPID included) and the kubelet-style cgroups
// of the test API server. The cgroup paths are checked from the kernel:
// /proc/<pid>/cgroup read through exec in a hostPID pod, and cgroup.procs
// read from the host, against the pod UIDs and containerIDs the API serves.
// The describe starts its own server: pods created here stay here.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, request, tokenOf } from './apiserver/client.ts';
import type { Response } from './apiserver/client.ts';
import { cgroupMounts, containerCgroupPath, podCgroupPath, qosClassOf, serverCgroupRoot } from './apiserver/runtime/cgroups.ts';
import type { Fixture } from './apiserver/cluster/fixture.ts';
import { exists, waitGone } from './apiserver/runtime/procs.ts';
import { cgroupsUnavailableReason, CLUSTER_FIXTURE, startApiServer } from './apiserver/harness.ts';
import type { ApiServerHandle } from './apiserver/harness.ts';
import { hasKubectl, kubectl as runKubectl, kubectlHome } from './apiserver/kubectl.ts';

const skipReason = cgroupsUnavailableReason();
if (skipReason) console.warn(`skipping node, pod create and cgroup tests: ${skipReason}`);

const PODS = '/api/v1/namespaces/default/pods';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function fixture(): Fixture {
  const full = JSON.parse(fs.readFileSync(CLUSTER_FIXTURE, 'utf8')) as Fixture;
  const keep = ['web', 'single', 'distroless', 'web2', 'pending'];
  return { nodes: full.nodes, pause: true, pods: (full.pods ?? []).filter((p) => keep.includes(p.metadata.name)) };
}

type Pod = { metadata: Record<string, any>; spec: Record<string, any>; status: Record<string, any> };

/**
 * GET that retries a reset connection: building the first image root blocks
 * the server for a while on a loaded machine, after which it drops the idle
 * keep-alive socket the next request may already be on.
 */
async function get(api: ApiServerHandle, p: string): Promise<Response> {
  for (let i = 0; ; i++) {
    try {
      return await request(api, 'GET', p);
    } catch (e) {
      if (i >= 3 || (e as NodeJS.ErrnoException).code !== 'ECONNRESET') throw e;
    }
  }
}

async function waitPod(api: ApiServerHandle, name: string, ok: (p: Pod) => boolean, ms = 30_000): Promise<Pod> {
  const deadline = Date.now() + ms;
  let last: Pod | undefined;
  while (Date.now() < deadline) {
    const r = await get(api, `${PODS}/${name}`);
    if (r.status === 200) {
      last = r.body as Pod;
      if (ok(last)) return last;
    }
    await sleep(50);
  }
  throw new Error(`pod ${name} did not get there: ${JSON.stringify(last?.status)}`);
}

async function waitNotFound(api: ApiServerHandle, name: string, ms = 20_000): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await get(api, `${PODS}/${name}`);
    if (r.status === 404 || Date.now() > deadline) return r.status;
    await sleep(50);
  }
}

function debugPod(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'kubectl-procstatus' } },
    spec: {
      nodeName: 'node-1',
      hostPID: true,
      restartPolicy: 'Never',
      containers: [{ name: 'procstatus', image: 'busybox:1.36', command: ['sleep', 'infinity'] }],
      ...extra,
    },
  };
}

/** The per-server cgroup root directory under the v2 mount. */
function serverRoot(api: ApiServerHandle): string {
  const root = serverCgroupRoot(api.pid);
  if (!root) throw new Error(`no cgroup root for server ${api.pid}`);
  return root;
}

/** Every PID in the cgroup tree under dir, from the kernel's cgroup.procs files. */
function pidsUnder(dir: string): number[] {
  const out: number[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
    out.push(...fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
  };
  walk(dir);
  return out;
}

describe.skipIf(!!skipReason)('test API server: nodes, pod create/delete, cgroups', () => {
  let api: ApiServerHandle;
  beforeAll(async () => {
    // A grace period long enough to see a pod Terminating however slow the machine is.
    api = await startApiServer({ fixture: fixture(), env: { PROCSTATUS_APISERVER_MAX_GRACE_MS: '15000' } });
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
  });

  describe('nodes', () => {
    it('lists and gets nodes, with labels a kubelet sets', async () => {
      const list = await request(api, 'GET', '/api/v1/nodes');
      expect(list.status).toBe(200);
      expect(list.body.kind).toBe('NodeList');
      expect(list.body.items.map((n: Pod) => n.metadata.name)).toEqual(['node-1', 'node-2']);
      const one = await request(api, 'GET', '/api/v1/nodes/node-1');
      expect(one.status).toBe(200);
      expect(one.body.kind).toBe('Node');
      expect(one.body.metadata.labels['kubernetes.io/hostname']).toBe('node-1');
      expect(one.body.metadata.labels['kubernetes.io/os']).toBe('linux');
      expect(one.body.status.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('True');
    });

    it('answers 404 for an unknown node, worded as kube-apiserver does', async () => {
      const r = await request(api, 'GET', '/api/v1/nodes/nope');
      expect(r.status).toBe(404);
      expect(r.body.message).toBe('nodes "nope" not found');
      expect(r.body.reason).toBe('NotFound');
      expect(r.body.details).toEqual({ name: 'nope', kind: 'nodes' });
    });

    it('filters nodes by label selector', async () => {
      const r = await request(api, 'GET', `/api/v1/nodes?labelSelector=${encodeURIComponent('node-role.kubernetes.io/worker')}`);
      expect(r.body.items.map((n: Pod) => n.metadata.name)).toEqual(['node-1']);
      const h = await request(api, 'GET', `/api/v1/nodes?labelSelector=${encodeURIComponent('kubernetes.io/hostname=node-2')}`);
      expect(h.body.items.map((n: Pod) => n.metadata.name)).toEqual(['node-2']);
    });

    it('needs RBAC on nodes', async () => {
      const r = await request(api, 'GET', '/api/v1/nodes', { token: tokenOf(api, 'nopods') });
      expect(r.status).toBe(403);
      expect(r.body.message).toBe('nodes is forbidden: User "nopods" cannot list resource "nodes" in API group "" at the cluster scope');
      expect((await request(api, 'GET', '/api/v1/nodes/node-1', { token: tokenOf(api, 'nocreate') })).status).toBe(200);
    });

    it('is in discovery', async () => {
      const r = await request(api, 'GET', '/api/v1');
      const nodes = r.body.resources.find((x: { name: string }) => x.name === 'nodes');
      expect(nodes).toMatchObject({ namespaced: false, kind: 'Node' });
      const pods = r.body.resources.find((x: { name: string }) => x.name === 'pods');
      expect(pods.verbs).toEqual(expect.arrayContaining(['create', 'delete']));
    });
  });

  describe('pod field selectors', () => {
    it('spec.nodeName picks the pods of a node; every running fixture pod is on node-1', async () => {
      const all = await request(api, 'GET', '/api/v1/pods');
      const running = all.body.items.filter((p: Pod) => p.status.phase === 'Running').map((p: Pod) => p.metadata.name);
      expect(running.length).toBeGreaterThan(2);
      const on1 = await request(api, 'GET', `/api/v1/pods?fieldSelector=${encodeURIComponent('spec.nodeName=node-1')}`);
      expect(on1.body.items.map((p: Pod) => p.metadata.name).sort()).toEqual(expect.arrayContaining(running));
      const on2 = await request(api, 'GET', `/api/v1/pods?fieldSelector=${encodeURIComponent('spec.nodeName=node-2')}`);
      expect(on2.body.items).toEqual([]);
      const both = await request(api, 'GET', `${PODS}?fieldSelector=${encodeURIComponent('spec.nodeName=node-1,status.phase=Running,metadata.name=single')}`);
      expect(both.body.items.map((p: Pod) => p.metadata.name)).toEqual(['single']);
    });

    it('refuses a field the server does not index', async () => {
      const r = await request(api, 'GET', `${PODS}?fieldSelector=${encodeURIComponent('spec.hostPID=true')}`);
      expect(r.status).toBe(400);
      expect(r.body.message).toBe('field label not supported: spec.hostPID');
    });
  });

  describe('create and delete', () => {
    it('refuses a user without create (and delete) on pods, as the API server does', async () => {
      const token = tokenOf(api, 'nocreate');
      const r = await request(api, 'POST', PODS, { token, body: debugPod('denied') });
      expect(r.status).toBe(403);
      expect(r.body.message).toBe('pods is forbidden: User "nocreate" cannot create resource "pods" in API group "" in the namespace "default"');
      const d = await request(api, 'DELETE', `${PODS}/single`, { token });
      expect(d.status).toBe(403);
      expect(d.body.message).toBe('pods "single" is forbidden: User "nocreate" cannot delete resource "pods" in API group "" in the namespace "default"');
      expect((await request(api, 'GET', `${PODS}/denied`)).status).toBe(404);
    });

    it('validates: containers need a name and an image; a name is required; duplicates conflict', async () => {
      const r = await request(api, 'POST', PODS, {
        body: { metadata: { name: 'bad' }, spec: { containers: [{ name: 'a' }, { image: 'busybox' }] } },
      });
      expect(r.status).toBe(422);
      expect(r.body.reason).toBe('Invalid');
      expect(r.body.details.causes).toEqual([
        { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' },
        { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[1].name' },
      ]);
      const noName = await request(api, 'POST', PODS, { body: { spec: { containers: [{ name: 'a', image: 'busybox' }] } } });
      expect(noName.status).toBe(422);
      expect(noName.body.message).toContain('metadata.name: Required value: name or generateName is required');
      const dup = await request(api, 'POST', PODS, { body: debugPod('single') });
      expect(dup.status).toBe(409);
      expect(dup.body).toMatchObject({ reason: 'AlreadyExists', message: 'pods "single" already exists' });
      const ns = await request(api, 'POST', '/api/v1/namespaces/nowhere/pods', { body: debugPod('x') });
      expect(ns.status).toBe(404);
      expect(ns.body.message).toBe('namespaces "nowhere" not found');
    });

    it('a hostPID pod runs from its image, sees every process of the machine, and each container process is in its kubelet-style cgroup', async () => {
      const body = debugPod('');
      (body.metadata as Record<string, unknown>) = { generateName: 'procstatus-node-1-' };
      const c = await request(api, 'POST', PODS, { body });
      expect(c.status).toBe(201);
      const name = c.body.metadata.name as string;
      expect(name).toMatch(/^procstatus-node-1-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(c.body.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(c.body.status.phase).toBe('Pending');
      const pod = await waitPod(api, name, (p) => p.status.phase === 'Running');
      const status = pod.status.containerStatuses[0];
      expect(status.state.running).toBeDefined();
      expect(status.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
      expect(status.image).toBe('docker.io/library/busybox:1.36');

      // From inside: every process's cgroup v2 line and comm, two greps over the host's procfs.
      const e = await exec(api, name, ['sh', '-c', 'grep -sH "^0::" /proc/[0-9]*/cgroup; grep -sH "" /proc/[0-9]*/comm; true'], {
        timeoutMs: 30_000,
      });
      expect(e.exitCode, e.error ?? e.stderr).toBe(0);
      const comms = new Map<number, string>();
      const cgroups = new Map<number, string>();
      for (const line of e.stdout.split('\n')) {
        const m = /^\/proc\/(\d+)\/(cgroup|comm):(?:0::)?(.*)$/.exec(line);
        if (m) (m[2] === 'comm' ? comms : cgroups).set(Number(m[1]), m[3]);
      }
      const procs = [...cgroups].map(([pid, cgroup]) => ({ pid, cgroup, comm: comms.get(pid) ?? '' }));
      // The host's PID namespace: the server itself is in the list, under its host PID.
      expect(procs.some((p) => p.pid === api.pid)).toBe(true);

      // Every running fixture container has processes in exactly the cgroup its pod UID and containerID say.
      const root = `/${path.basename(serverRoot(api))}`;
      const pods = (await request(api, 'GET', '/api/v1/pods')).body.items as Pod[];
      let checked = 0;
      for (const p of pods) {
        const driver = p.metadata.annotations?.['procstatus.test/cgroup-driver'] === 'cgroupfs' ? 'cgroupfs' : 'systemd';
        for (const s of p.status.containerStatuses ?? []) {
          if (!s.state.running) continue;
          const id = (s.containerID as string).replace('containerd://', '');
          const expected =
            driver === 'systemd'
              ? `${root}/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${p.metadata.uid.replace(/-/g, '_')}.slice/cri-containerd-${id}.scope`
              : `${root}/kubepods/besteffort/pod${p.metadata.uid}/${id}`;
          const inIt = procs.filter((x) => x.cgroup === expected);
          expect(inIt.length, `${p.metadata.name}/${s.name} in ${expected}`).toBeGreaterThan(0);
          checked++;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(6);
      // Each running pod also has its sandbox: one `pause` process in the pod's cgroup, in a scope that is no container's.
      for (const p of pods.filter((x) => x.status.phase === 'Running')) {
        const podDir = path.dirname(
          containerCgroupPath(
            podCgroupPath(p.metadata.uid, 'BestEffort', p.metadata.annotations?.['procstatus.test/cgroup-driver'] === 'cgroupfs' ? 'cgroupfs' : 'systemd'),
            'x',
            'systemd',
          ),
        );
        const ids = (p.status.containerStatuses ?? []).map((s: { containerID?: string }) => s.containerID?.replace('containerd://', ''));
        const inPod = procs.filter((x) => x.cgroup.startsWith(`${root}/${podDir}/`));
        const pause = inPod.filter((x) => x.comm === 'pause');
        expect(pause.length, `pause of ${p.metadata.name}`).toBe(1);
        const scope = pause[0].cgroup.split('/').at(-1) as string;
        expect(scope).toMatch(/^(cri-containerd-)?[0-9a-f]{64}(\.scope)?$/);
        expect(ids.some((id: string) => scope.includes(id))).toBe(false);
      }
      // Independent of the served objects: web's app container runs sh + 2 sleeps, all in one cgroup.
      const web = pods.find((p) => p.metadata.name === 'web') as Pod;
      const appId = web.status.containerStatuses.find((s: { name: string }) => s.name === 'app').containerID.slice('containerd://'.length);
      const app = procs.filter((x) => x.cgroup.endsWith(`/cri-containerd-${appId}.scope`)).map((x) => x.comm).sort();
      expect(app).toEqual(['sh', 'sleep', 'sleep']);
      // The debug pod's own sleep is in its own pod's cgroup.
      const ownId = status.containerID.slice('containerd://'.length);
      const own = procs.filter((x) => x.cgroup.endsWith(`/cri-containerd-${ownId}.scope`));
      expect(own.map((x) => x.comm)).toContain('sleep');
      expect(own[0].cgroup).toContain(`kubepods-besteffort-pod${pod.metadata.uid.replace(/-/g, '_')}.slice`);

      // The same from the host: the cgroup directory's cgroup.procs.
      const ownDir = path.join(serverRoot(api), own[0].cgroup.slice(root.length));
      const hostPids = fs.readFileSync(path.join(ownDir, 'cgroup.procs'), 'utf8').trim().split('\n').map(Number);
      const sleeper = own.find((x) => x.comm === 'sleep') as { pid: number };
      expect(hostPids).toContain(sleeper.pid);

      // DELETE: answered with deletionTimestamp, processes gone, pod gone, cgroup gone.
      const d = await request(api, 'DELETE', `${PODS}/${name}`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 1 } });
      expect(d.status, d.text).toBe(200);
      expect(d.body.metadata.deletionTimestamp).toBeDefined();
      expect(d.body.metadata.deletionGracePeriodSeconds).toBe(1);
      expect(await waitNotFound(api, name)).toBe(404);
      expect(await waitGone([sleeper.pid], exists)).toEqual([]);
      expect(fs.existsSync(ownDir)).toBe(false);
    }, 60_000);

    it('without hostPID the container has a PID namespace of its own, in its cgroup', async () => {
      const c = await request(api, 'POST', PODS, { body: debugPod('own-pidns', { hostPID: false }) });
      expect(c.status).toBe(201);
      await waitPod(api, 'own-pidns', (p) => p.status.phase === 'Running');
      const e = await exec(api, 'own-pidns', ['sh', '-c', 'ls -d /proc/[0-9]*; cat /proc/1/comm; grep ^0:: /proc/1/cgroup']);
      expect(e.exitCode).toBe(0);
      const lines = e.stdout.trim().split('\n');
      // PID 1 (sleep), the exec'd sh, ls: nothing of the host.
      expect(lines.filter((l) => l.startsWith('/proc/')).length).toBeLessThanOrEqual(4);
      expect(lines).toContain('sleep');
      expect(lines.at(-1)).toMatch(/\/cri-containerd-[0-9a-f]{64}\.scope$/);
      const d = await request(api, 'DELETE', `${PODS}/own-pidns?gracePeriodSeconds=0`);
      expect(d.status).toBe(200);
      expect(await waitNotFound(api, 'own-pidns')).toBe(404);
    }, 20_000);

    it('an image that cannot be pulled: ErrImagePull, then ImagePullBackOff; the pod stays Pending', async () => {
      const body = debugPod('nopull');
      (body.spec as { containers: { image: string }[] }).containers[0].image = 'registry.example/nonexistent:1';
      expect((await request(api, 'POST', PODS, { body })).status).toBe(201);
      const p = await waitPod(api, 'nopull', (x) => x.status.containerStatuses?.[0]?.state.waiting?.reason === 'ImagePullBackOff');
      expect(p.status.phase).toBe('Pending');
      expect((await request(api, 'DELETE', `${PODS}/nopull`)).status).toBe(200);
      expect(await waitNotFound(api, 'nopull')).toBe(404);
    }, 20_000);

    it('a pod for a node the cluster does not have stays Pending', async () => {
      const body = debugPod('elsewhere');
      (body.spec as Record<string, unknown>).nodeName = 'node-9';
      expect((await request(api, 'POST', PODS, { body })).status).toBe(201);
      await sleep(600);
      const p = (await request(api, 'GET', `${PODS}/elsewhere`)).body as Pod;
      expect(p.status.phase).toBe('Pending');
      expect(p.status.containerStatuses).toEqual([]);
      const x = await exec(api, 'elsewhere', ['true']);
      expect(x.httpStatus).toBe(400);
      expect(x.httpBody.message).toBe('unable to upgrade connection: pod does not exist');
      expect((await request(api, 'DELETE', `${PODS}/elsewhere`)).status).toBe(200);
      expect(await waitNotFound(api, 'elsewhere')).toBe(404);
    }, 20_000);
  });

  describe.skipIf(!hasKubectl)('the real kubectl', () => {
    let home: string;
    beforeAll(() => {
      home = kubectlHome();
    });
    afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
    const kubectl = (...args: string[]) => runKubectl(api, home, args);

    it('get nodes', () => {
      const r = kubectl('get', 'nodes');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines[0].split(/\s+/)).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
      expect(lines[1]).toMatch(/^node-1\s+Ready\s+worker\s+\S+\s+v1\.33\.1$/);
      expect(lines[2]).toMatch(/^node-2\s+Ready\s+<none>\s+/);
    });

    it('get pods --field-selector spec.nodeName=node-1', () => {
      const r = kubectl('get', 'pods', '--field-selector', 'spec.nodeName=node-1', '-o', 'name');
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')).toEqual(expect.arrayContaining(['pod/single', 'pod/web', 'pod/distroless']));
      expect(r.stdout).not.toContain('pod/pending');
    });

    it('delete of a fixture pod: Terminating through the grace period (its PID 1 ignores SIGTERM), then gone with its processes', async () => {
      const cgroupDir = path.join(
        serverRoot(api),
        path.dirname(
          containerCgroupPath(
            podCgroupPath((await get(api, `${PODS}/single`)).body.metadata.uid, 'BestEffort', 'systemd'),
            'x',
            'systemd',
          ),
        ),
      );
      const pids = pidsUnder(cgroupDir);
      expect(pids.length).toBeGreaterThan(0);
      const d = kubectl('delete', 'pod', 'single', '--wait=false');
      expect(d.code, d.stderr).toBe(0);
      // sleep as PID 1 of its namespace has no TERM handler: the kernel drops the signal, so the pod waits for SIGKILL.
      const g = kubectl('get', 'pod', 'single', '--no-headers');
      expect(g.stdout).toMatch(/^single\s+\S+\s+Terminating\s/);
      expect(pids.every((pid) => exists(pid))).toBe(true);
      expect(await waitNotFound(api, 'single', 40_000)).toBe(404);
      expect(await waitGone(pids, exists)).toEqual([]);
    }, 60_000);

    it('debug node/node-1, exec into the pod it made, delete it', async () => {
      const r = kubectl('debug', 'node/node-1', '--image=busybox:1.36', '--', 'sleep', '100');
      expect(r.code, r.stderr).toBe(0);
      const m = /Creating debugging pod (node-debugger-node-1-\w+) with container debugger on node node-1/.exec(r.stdout + r.stderr);
      expect(m, r.stdout + r.stderr).not.toBeNull();
      const name = (m as RegExpExecArray)[1];
      const pod = await waitPod(api, name, (p) => p.status.phase === 'Running');
      expect(pod.spec.hostPID).toBe(true);
      expect(pod.spec.nodeName).toBe('node-1');
      const x = kubectl('exec', name, '--', 'sh', '-c', 'cat /proc/1/comm; test -r /proc/1/status && echo readable');
      expect(x.code, x.stderr).toBe(0);
      // PID 1 of the host's PID namespace, not the container's sleep.
      expect(x.stdout).not.toMatch(/^sleep$/m);
      expect(x.stdout).toContain('readable');
      const d = kubectl('delete', 'pod', name);
      expect(d.code, d.stderr).toBe(0);
      expect(d.stdout).toContain(`pod "${name}" deleted`);
      expect(await waitNotFound(api, name)).toBe(404);
    }, 60_000);
  });

  it('removes its cgroups when it stops', async () => {
    const root = serverRoot(api);
    expect(fs.existsSync(root)).toBe(true);
    await api.stop();
    expect(fs.existsSync(root)).toBe(false);
    const sys = cgroupMounts().systemdV1;
    if (sys) expect(fs.existsSync(path.join(sys, path.basename(root)))).toBe(false);
  }, 20_000);
});

describe.skipIf(!!skipReason)('test API server SIGKILLed with created pods', () => {
  it('takes the created pods (hostPID or not) with it; the next server clears the stale cgroups', async () => {
    const api = await startApiServer({ fixture: { pods: [] } });
    let next: ApiServerHandle | undefined;
    try {
      // One at a time: the first builds the image root, which holds the server up for a while.
      expect((await request(api, 'POST', PODS, { body: debugPod('host') })).status).toBe(201);
      await waitPod(api, 'host', (p) => p.status.phase === 'Running');
      expect((await request(api, 'POST', PODS, { body: debugPod('own', { hostPID: false }) })).status).toBe(201);
      await waitPod(api, 'own', (p) => p.status.phase === 'Running');
      const root = serverRoot(api);
      const pids = pidsUnder(root);
      // Two containers: the hostPID sleep, and the other's sleep (PID 1 of its namespace).
      expect(pids.length).toBe(2);
      process.kill(api.pid, 'SIGKILL');
      expect(await waitGone(pids, exists)).toEqual([]);
      // Nothing could remove the root but the next server to start: this one, or one
      // that another test file started meanwhile (the suite runs files in parallel).
      next = await startApiServer({ fixture: { pods: [] } });
      expect(fs.existsSync(root)).toBe(false);
    } finally {
      await api.stop();
      await next?.stop();
      fs.rmSync(path.dirname(api.kubeconfig), { recursive: true, force: true });
    }
  }, 60_000);
});

describe('cgroup paths (pure)', () => {
  const uid = '1f4b02fc-5c02-4a6a-8c1e-6dba81f0ac4a';
  const id = `containerd://${'ab'.repeat(32)}`;
  it('systemd driver', () => {
    const pod = podCgroupPath(uid, 'BestEffort', 'systemd');
    expect(containerCgroupPath(pod, id, 'systemd')).toBe(
      `kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1f4b02fc_5c02_4a6a_8c1e_6dba81f0ac4a.slice/cri-containerd-${'ab'.repeat(32)}.scope`,
    );
    expect(podCgroupPath(uid, 'Guaranteed', 'systemd')).toBe('kubepods.slice/kubepods-pod1f4b02fc_5c02_4a6a_8c1e_6dba81f0ac4a.slice');
    expect(podCgroupPath(uid, 'Burstable', 'systemd')).toBe(
      'kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1f4b02fc_5c02_4a6a_8c1e_6dba81f0ac4a.slice',
    );
  });
  it('cgroupfs driver', () => {
    expect(containerCgroupPath(podCgroupPath(uid, 'Burstable', 'cgroupfs'), id, 'cgroupfs')).toBe(
      `kubepods/burstable/pod${uid}/${'ab'.repeat(32)}`,
    );
    expect(podCgroupPath(uid, 'Guaranteed', 'cgroupfs')).toBe(`kubepods/pod${uid}`);
  });
  it('finds the v2 and v1 name=systemd mounts in mountinfo, hybrid or pure v2', () => {
    // This machine's layout: v1 controllers, name=systemd, and v2 at /sys/fs/cgroup/unified.
    const hybrid = [
      '30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
      '31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
      '39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
      '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    ].join('\n');
    expect(cgroupMounts(hybrid)).toEqual({ v2: '/sys/fs/cgroup/unified', systemdV1: '/sys/fs/cgroup/systemd' });
    // A systemd host with the unified hierarchy only (optional fields before the separator).
    const pure = '35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot';
    expect(cgroupMounts(pure)).toEqual({ v2: '/sys/fs/cgroup' });
    // A bind mount of a sub-tree is not the hierarchy's root.
    expect(cgroupMounts('50 40 0:37 /some/sub /mnt/cg rw - cgroup2 cgroup2 rw')).toEqual({});
  });

  it('QoS class from resources', () => {
    expect(qosClassOf([{ resources: {} }])).toBe('BestEffort');
    expect(qosClassOf([{ resources: { limits: { cpu: '1', memory: '1Gi' } } }])).toBe('Guaranteed');
    expect(qosClassOf([{ resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }])).toBe('Guaranteed');
    expect(qosClassOf([{ resources: { requests: { cpu: '100m' } } }])).toBe('Burstable');
    expect(qosClassOf([{ resources: { limits: { cpu: '1', memory: '1Gi' } } }, { resources: {} }])).toBe('Burstable');
  });
});

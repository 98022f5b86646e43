// kubectl procstatus node/NAME against the test API server: the built tool
// creates a hostPID pod on the node, reads every process of the machine in
// one exec, ties each to its pod and container through its cgroup, and
// deletes the pod, on failure and on SIGINT too. The server here is this
// file's own: the tool creates and deletes pods on it.
// The expected attribution comes from elsewhere: each container's own
// processes as a pod read (an exec into that container) lists them, and the
// host processes this test knows (the server, the test runner).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from './apiserver/client.ts';
import type { Fixture } from './apiserver/cluster/fixture.ts';
import { cgroupsUnavailableReason, CLUSTER_FIXTURE, startApiServer } from './apiserver/harness.ts';
import type { ApiServerHandle } from './apiserver/harness.ts';
import { BUNDLE, cliEnv, runCliAsync } from './helpers/cli.js';
import { expectNoReaders as expectNoReadersOf, readerPods } from './helpers/readers.js';

const skipReason = cgroupsUnavailableReason();
if (skipReason) console.warn(`skipping node read tests: ${skipReason}`);

const IMAGE = 'busybox:1.36';

interface Item {
  node: string | null;
  pod: string | null;
  namespace: string | null;
  container: string | null;
  pid: number;
  nspid: number[] | null;
  name: string;
  error: string | null;
  cgroupPodUid: string | null;
  findings: { id: string }[];
  podSecurity: { level: string; assumed: boolean; controls: { control: string; judged: string; unverified?: string }[] } | null;
}

/** A few pods of the standard fixture, with a pause process per pod as on a real node. */
function fixture(): Fixture {
  const full = JSON.parse(fs.readFileSync(CLUSTER_FIXTURE, 'utf8')) as Fixture;
  const keep = ['web', 'single', 'web2', 'restricted'];
  return { ...full, workloads: undefined, pause: true, pods: (full.pods ?? []).filter((p) => keep.includes(p.metadata.name)) } as Fixture;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!!skipReason)('node/NAME: a node\'s processes', () => {
  let api: ApiServerHandle;
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', api.kubeconfig, ...args]);
  const items = (stdout: string): Item[] => JSON.parse(stdout).items;
  const readers = () => readerPods(api);
  const expectNoReaders = () => expectNoReadersOf(api);
  const podRead = async (pod: string, container: string, ns = 'default') => {
    const r = await cli(pod, '-n', ns, '-c', container, '--all-pids', '-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    return items(r.stdout);
  };

  let node1: Item[];
  let node1Stderr: string;

  beforeAll(async () => {
    api = await startApiServer({ fixture: fixture() });
    const r = await cli('node/node-1', '--all-pids', '--debug-image', IMAGE, '-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    node1 = items(r.stdout);
    node1Stderr = r.stderr;
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
  });

  it('lists every process once, by host PID, and leaves out its own pod', async () => {
    const pids = node1.map((i) => i.pid);
    expect(new Set(pids).size).toBe(pids.length);
    expect(node1.every((i) => i.node === 'node-1' && i.error === null)).toBe(true);
    // Its pod's processes (sleep, and the read's sh and cat) are in no listed pod; nothing names it.
    expect(node1.some((i) => i.pod?.startsWith('procstatus-node-'))).toBe(false);
    expect(node1Stderr).not.toMatch(/^error:/m);
    await expectNoReaders();
  });

  it('host processes carry no pod: the API server, the test runner', () => {
    for (const pid of [api.pid, process.pid]) {
      const item = node1.find((i) => i.pid === pid);
      expect(item, `pid ${pid}`).toBeDefined();
      expect([item!.pod, item!.namespace, item!.container, item!.cgroupPodUid]).toEqual([null, null, null, null]);
    }
  });

  it('default/web\'s app container: sh and two sleeps, the same processes an exec into it reads', async () => {
    const app = node1.filter((i) => i.namespace === 'default' && i.pod === 'web' && i.container === 'app');
    expect(app.map((i) => i.name).sort()).toEqual(['sh', 'sleep', 'sleep']);
    const inside = await podRead('web', 'app');
    // The PID inside the container is nspid's last level; pid is the host's.
    const key = (name: string, pid: number) => `${name}:${pid}`;
    expect(app.map((i) => key(i.name, i.nspid!.at(-1)!)).sort()).toEqual(inside.map((i) => key(i.name, i.pid)).sort());
    for (const i of app) {
      expect(i.nspid!.length).toBeGreaterThan(1);
      expect(i.nspid![0]).toBe(i.pid);
    }
  }, 60_000);

  it('every container of the node is attributed as the exec into it sees it, with the findings of its spec', async () => {
    for (const [ns, pod, container] of [['default', 'web', 'sidecar'], ['default', 'single', 'app'], ['other', 'web2', 'app'], ['default', 'restricted', 'app']]) {
      const inside = await podRead(pod, container, ns);
      const fromNode = node1.filter((i) => i.namespace === ns && i.pod === pod && i.container === container);
      const byInner = new Map(fromNode.map((i) => [i.nspid!.at(-1)!, i]));
      expect(fromNode.length, `${ns}/${pod}/${container}`).toBe(inside.length);
      for (const p of inside) {
        const n = byInner.get(p.pid);
        expect(n?.name, `${ns}/${pod}/${container} pid ${p.pid}`).toBe(p.name);
        // Same spec, same kernel state, the same PID 1 rule: the same findings.
        expect(n!.findings.map((f) => f.id).sort(), `${ns}/${pod}/${container} pid ${p.pid}`).toEqual(p.findings.map((f) => f.id).sort());
      }
    }
    // single runs sleep as PID 1, which has no SIGTERM handler.
    const single = node1.find((i) => i.pod === 'single' && i.nspid!.at(-1) === 1)!;
    expect(single.pid).not.toBe(1);
    expect(single.findings.map((f) => f.id)).toContain('pid1-ignores-sigterm');
  }, 60_000);

  it('a pod\'s process read from its node rests its mounts on the spec (its mountinfo is not read there): the level is starred, and says why', () => {
    const app = node1.find((i) => i.pod === 'restricted' && i.container === 'app' && i.nspid!.at(-1) === 1)!;
    expect(app.podSecurity!.assumed).toBe(true);
    const proc = app.podSecurity!.controls.find((c) => c.control === '/proc Mount Type')!;
    expect(proc.judged).toBe('spec');
    expect(proc.unverified).toBeTruthy();
  });

  it('each pod\'s sandbox (pause) belongs to the pod and to no container', async () => {
    for (const pod of ['web', 'single', 'web2', 'restricted']) {
      const sandbox = node1.filter((i) => i.pod === pod && i.container === null);
      expect(sandbox.map((i) => i.name), pod).toEqual(['pause']);
      expect(sandbox[0].cgroupPodUid).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('nodes: one node after another, each with its own pod; node-1\'s pods are no pods of node-2', async () => {
    const r = await cli('nodes', '--all-pids', '--debug-image', IMAGE, '-o', 'json', '--max-concurrency', '1');
    expect(r.code, r.stderr).toBe(0);
    const all = items(r.stdout);
    expect([...new Set(all.map((i) => i.node))]).toEqual(['node-1', 'node-2']);
    const node2 = all.filter((i) => i.node === 'node-2');
    // The same machine: node-2's reader sees web's processes too, but the API lists web on node-1 only.
    expect(node2.filter((i) => i.pod !== null)).toEqual([]);
    expect(all.filter((i) => i.node === 'node-1' && i.pod === 'web').length).toBeGreaterThan(0);
    const webUid = node1.find((i) => i.pod === 'web')!.cgroupPodUid;
    expect(node2.some((i) => i.cgroupPodUid === webUid)).toBe(true);
    expect(r.stderr).toMatch(/^warning: node node-2: \d+ process(es are| is) in the cgroups of \d+ pods? the API server does not list on this node/m);
    await expectNoReaders();
  }, 120_000);

  it('nodes -l selects nodes by label, as kubectl get nodes -l does', async () => {
    const r = await cli('nodes', '-l', 'kubernetes.io/hostname=no-such-node', '--all-pids', '--debug-image', IMAGE);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('No nodes found matching kubernetes.io/hostname=no-such-node.\n');
    expect(await readers()).toEqual([]);
  });

  it('the node\'s table: one line per process, kthreadd included, whatever the width', async () => {
    const r = await runCliAsync(['--kubeconfig', api.kubeconfig, 'node/node-1', '--all-pids', '--debug-image', IMAGE], { COLUMNS: '50' });
    expect(r.code, r.stderr).toBe(0);
    const [head, ...body] = r.stdout.trimEnd().split('\n');
    const pidAt = head.split(/\s+/).indexOf('PID');
    expect(body.length).toBeGreaterThan(10);
    for (const line of body) {
      expect(line, line).toMatch(/^\S/);
      expect(line.split(/\s+/)[pidAt], line).toMatch(/^\d+$/);
    }
    expect(body.some((l) => /\skthreadd\s/.test(l))).toBe(true);
    await expectNoReaders();
  }, 60_000);

  it('explicit host PIDs, as a table with the pod columns; a host process shows <host>; a PID that is gone says so', async () => {
    const sh = node1.find((i) => i.pod === 'web' && i.container === 'app' && i.name === 'sh')!;
    const gone = 4_194_303; // one below the kernel's PID limit: never handed out here
    const r = await cli('node/node-1', '--pid', `${sh.pid},${api.pid},${gone}`, '--debug-image', IMAGE);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe(`error: pid ${gone} in node node-1: no such process\n`);
    const [head, ...rows] = r.stdout.trimEnd().split('\n').filter((l) => /^\S/.test(l));
    expect(head.split(/\s+/).slice(0, 4)).toEqual(['NAMESPACE', 'POD', 'CONTAINER', 'PID']);
    // In the order asked, as with a pod's PIDs.
    expect(rows.map((l) => l.split(/\s+/).slice(0, 4))).toEqual([
      ['default', 'web', 'app', String(sh.pid)],
      ['<none>', '<host>', '<none>', String(api.pid)],
    ]);
    await expectNoReaders();
  }, 60_000);
});

describe.skipIf(!!skipReason)('node/NAME: what it creates, and that it cleans up', () => {
  let api: ApiServerHandle;
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', api.kubeconfig, ...args]);
  const pods = async (): Promise<string[]> => {
    const r = await request(api, 'GET', '/api/v1/pods');
    return (r.body.items as { metadata: { namespace: string; name: string } }[]).map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort();
  };
  let before: string[];
  const expectPodsAsBefore = async () => {
    let now: string[] = [];
    for (let i = 0; i < 50; i++) {
      now = await pods();
      if (now.join() === before.join()) return;
      await sleep(200);
    }
    expect(now).toEqual(before);
  };

  beforeAll(async () => {
    const full = JSON.parse(fs.readFileSync(CLUSTER_FIXTURE, 'utf8')) as Fixture;
    api = await startApiServer({ fixture: { ...full, workloads: undefined, pods: (full.pods ?? []).filter((p) => p.metadata.name === 'single') } as Fixture });
    before = await pods();
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
  });

  it('without --debug-image: one error saying what would be created and the RBAC it needs, exit 2, nothing created', async () => {
    const r = await cli('node/node-1', '--all-pids');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^error: reading node\/node-1 creates a pod on the node, in namespace "default", that shares the host's PID namespace \(hostPID: true\).*add --debug-image IMAGE/);
    expect(lines[1]).toMatch(/^hint: .*create and delete pods/);
    await expectPodsAsBefore();
  });

  it('an unknown node is one error line, and nothing is created', async () => {
    const r = await cli('node/nope', '--all-pids', '--debug-image', IMAGE);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: nodes "nope" not found\n');
    await expectPodsAsBefore();
  });

  it('a user who may not create pods gets the API server\'s refusal in one line', async () => {
    const r = await cli('node/node-1', '--all-pids', '--debug-image', IMAGE, '--context', 'nocreate');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: pods is forbidden: User "nocreate" cannot create resource "pods" in API group "" in the namespace "default"\n' +
      'hint: check with: kubectl auth can-i create pods -n default\n');
    await expectPodsAsBefore();
  });

  it('a namespace whose Pod Security level refuses hostPID: the admission plugin\'s refusal and a hint, nothing created', async () => {
    const r = await cli('node/node-1', '--all-pids', '--debug-image', IMAGE, '-n', 'baseline-ns');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: pods "procstatus-node-node-1-\w{5}" is forbidden: violates PodSecurity "baseline:latest": host namespaces \(hostPID=true\)\nhint: the namespace "baseline-ns" does not allow hostPID pods; use -n with a namespace whose pod-security.kubernetes.io\/enforce level is privileged\n$/,
    );
    await expectPodsAsBefore();
    // Where the level allows it, the same read works.
    const ok = await cli('node/node-1', '--pid', '1', '--debug-image', IMAGE, '-n', 'privileged-ns', '-o', 'json');
    expect(ok.code, ok.stderr).toBe(0);
    await expectPodsAsBefore();
  }, 60_000);

  it('an image that cannot be pulled fails within --request-timeout, and the pod is deleted', async () => {
    const r = await cli('node/node-1', '--all-pids', '--debug-image', 'registry.example/nonexistent:1', '--request-timeout', '3s');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: the reader pod default\/procstatus-node-node-1-\w{5} on node node-1 did not start within 3s: (ErrImagePull|ImagePullBackOff)/);
    expect(r.stderr).toMatch(/^hint: the image "registry.example\/nonexistent:1" cannot be pulled/m);
    await expectPodsAsBefore();
  }, 60_000);

  it('SIGINT while it waits for its pod: the pod is deleted, then it exits 130', async () => {
    const child = spawn(BUNDLE, ['--kubeconfig', api.kubeconfig, 'node/node-1', '--all-pids', '--debug-image', 'nonexistent', '--request-timeout', '60s'],
      { env: cliEnv() });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    let created: string[] = [];
    for (let i = 0; i < 100 && created.length === 0; i++) {
      await sleep(100);
      created = (await pods()).filter((p) => !before.includes(p));
    }
    expect(created).toHaveLength(1);
    expect(created[0]).toMatch(/^default\/procstatus-node-node-1-/);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    // Deleted before the exit, not by the server's own clean-up: the DELETE was answered.
    const r = await request(api, 'GET', `/api/v1/namespaces/default/pods/${created[0].split('/')[1]}`);
    expect(r.status === 404 || r.body?.metadata?.deletionTimestamp !== undefined, r.text).toBe(true);
    expect(stderr).not.toMatch(/could not be deleted/);
    await expectPodsAsBefore();
  }, 60_000);
});

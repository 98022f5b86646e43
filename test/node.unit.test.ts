// The pure parts of a node read: the reader pod it creates, the join of
// processes to pods through their cgroups, findings judged with the PID a
// process has in its own namespace, and the command line it takes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli/args.js';
import { judge } from '../src/judge/judge.js';
import type { ContainerRead } from '../src/read/container.js';
import { NO_CONTEXT } from '../src/record/record.js';
import { bare, statusRecord } from './helpers/records.js';
import { readerLifetime, readerPod, readerPodName, MANAGED_BY, MANAGED_BY_LABEL } from '../src/kube/node-pod.js';
import { podPolicy } from '../src/sources/policy.js';
import { attribute } from '../src/sources/node-attribution.js';
import { indexPods, place, type NodePod } from '../src/sources/node-attribution.js';
import { parseStatus } from '../src/procfs/status.js';
import { renderTable } from '../src/render/table.js';
import { stderrByPath } from '../src/read/frame.js';

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');
// Captured on this project's test machine: a container process of the test API
// server (cgroup v1 name=systemd + v2, under the server's own root), and a host process.
const CAPTURED = fixture('cgroup/hybrid-container.txt');
const CAPTURED_HOST = fixture('cgroup/hybrid-host.txt');
const CAPTURED_UID = '991a8df8-0b44-4785-872e-17234d70c8ad';
const CAPTURED_ID = 'f72dc39486478b4777208149b95170f4f587e5b6fd31cbd5888ad50675804d9d';

const UID_A = '11111111-2222-4333-8444-555555555555';
const UID_B = '66666666-7777-4888-9999-aaaaaaaaaaaa';
const READER = '99999999-0000-4000-8000-000000000000';
const id = (c: string) => c.repeat(64);
const systemd = (uid: string, container: string | null) =>
  `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid.replace(/-/g, '_')}.slice` +
  (container ? `/cri-containerd-${container}.scope` : '') + '\n';

const pod = (name: string, uid: string, statuses: Record<string, string>, extra: Partial<NodePod['spec']> = {}): NodePod => ({
  metadata: { name, namespace: 'default', uid },
  spec: {
    containers: [{ name: 'app', securityContext: { capabilities: { drop: ['ALL'] } } }, { name: 'side' }],
    initContainers: [{ name: 'init' }],
    ephemeralContainers: [{ name: 'dbg' }],
    ...extra,
  },
  status: {
    phase: 'Running',
    containerStatuses: Object.entries(statuses).filter(([n]) => n === 'app' || n === 'side').map(([name, containerID]) => ({ name, containerID })),
    initContainerStatuses: statuses.init ? [{ name: 'init', containerID: statuses.init }] : [],
    ephemeralContainerStatuses: statuses.dbg ? [{ name: 'dbg', containerID: statuses.dbg }] : [],
  },
});

describe('the reader pod', () => {
  const spec = readerPod({ name: 'procstatus-node-n1-abcde', node: 'n1', image: 'busybox:1.36', lifetimeSeconds: 600 });
  const s = spec.spec as Record<string, any>;
  const c = s.containers[0];

  it('runs on the named node, in the host PID namespace, on any taint, once', () => {
    expect(s.nodeName).toBe('n1');
    expect(s.hostPID).toBe(true);
    expect(s.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(s.restartPolicy).toBe('Never');
    expect(c.image).toBe('busybox:1.36');
  });

  it('asks for nothing else: no host network or IPC, no volumes, no token, no capabilities, not root', () => {
    expect(s.hostNetwork).toBeUndefined();
    expect(s.hostIPC).toBeUndefined();
    expect(s.volumes).toBeUndefined();
    expect(s.automountServiceAccountToken).toBe(false);
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(c.securityContext.runAsUser).toBeGreaterThan(0);
    expect(c.securityContext.privileged).toBeUndefined();
  });

  it('is labelled as this tool\'s and ends by itself if left behind', () => {
    expect((spec.metadata as any).labels).toEqual({ [MANAGED_BY_LABEL]: MANAGED_BY });
    expect(c.command).toEqual(['sleep', '600']);
    expect(s.activeDeadlineSeconds).toBe(600);
    expect(readerLifetime(0)).toBe(3600);
    expect(readerLifetime(30_000)).toBe(600);
    expect(readerLifetime(1_000_000)).toBe(3000);
  });

  it('has a valid name that says which node, with a random suffix', () => {
    const dns1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
    expect(readerPodName('node-1', () => 0)).toBe('procstatus-node-node-1-bbbbb');
    const long = readerPodName(`ip-10-0-1-2.eu-west-1.compute.internal.${'x'.repeat(200)}`);
    expect(long).toMatch(dns1123);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(readerPodName('a.b-.c')).toMatch(dns1123);
    expect(readerPodName('n')).not.toBe(readerPodName('n'));
  });
});

describe('placing a process by its cgroup', () => {
  const pods = [pod('a', UID_A, { app: `containerd://${id('a')}`, side: `containerd://${id('b')}`, init: `containerd://${id('c')}`, dbg: `containerd://${id('d')}` })];
  const index = indexPods(pods);

  it('a container of a listed pod: regular, init or ephemeral, with its spec', () => {
    const app = place(systemd(UID_A, id('a')), index, READER);
    expect(app).toMatchObject({ kind: 'container', container: 'app', podUid: UID_A });
    expect(app.kind === 'container' && app.spec?.securityContext).toEqual({ capabilities: { drop: ['ALL'] } });
    expect(place(systemd(UID_A, id('c')), index, READER)).toMatchObject({ kind: 'container', container: 'init' });
    expect(place(systemd(UID_A, id('d')), index, READER)).toMatchObject({ kind: 'container', container: 'dbg' });
  });

  it('the pod\'s cgroup with an ID no container has: the sandbox, pod without container', () => {
    expect(place(systemd(UID_A, id('e')), index, READER)).toMatchObject({ kind: 'sandbox', podUid: UID_A });
    expect(place(`0::/kubepods/burstable/pod${UID_A}\n`, index, READER)).toMatchObject({ kind: 'sandbox' });
  });

  it('a container ID only counts within its own pod', () => {
    const other = indexPods([...pods, pod('b', UID_B, {})]);
    expect(place(systemd(UID_B, id('a')), other, READER)).toMatchObject({ kind: 'sandbox', podUid: UID_B });
  });

  it('a pod UID the API does not list, the reader, the host', () => {
    expect(place(systemd(UID_B, id('a')), index, READER)).toEqual({ kind: 'unknown-pod', podUid: UID_B });
    expect(place(systemd(READER, id('f')), index, READER)).toEqual({ kind: 'reader' });
    expect(place('0::/system.slice/kubelet.service\n', index, READER)).toEqual({ kind: 'host' });
    expect(place(undefined, index, READER)).toEqual({ kind: 'host' });
    expect(place('', index, READER)).toEqual({ kind: 'host' });
  });

  it('captured texts: a container under the test server\'s root, and a host process', () => {
    const captured = indexPods([pod('web', CAPTURED_UID, { app: `containerd://${CAPTURED_ID}` })]);
    expect(place(CAPTURED, captured, READER)).toMatchObject({ kind: 'container', container: 'app' });
    expect(place(CAPTURED_HOST, captured, READER)).toEqual({ kind: 'host' });
  });

  it('a status with a containerID of another form matches nothing', () => {
    const odd = indexPods([pod('a', UID_A, { app: 'containerd://short' })]);
    expect(place(systemd(UID_A, id('a')), odd, READER).kind).toBe('sandbox');
  });
});

// "trap '' TERM" as PID 1: SigIgn has SIGTERM, so PID 1 of a PID namespace ignores it.
const ignoring = fixture('status/setpriv-nnp-6.18.txt');
const inContainer = (hostPid: number, nsPid: number) =>
  ignoring.replace(/^Pid:.*$/m, `Pid:\t${hostPid}`).replace(/^NSpid:.*$/m, `NSpid:\t${hostPid}\t${nsPid}`);
const HOST = { pod: null, namespace: null, container: null };

/** A node read's exec, as the container read hands it on: each process's status and cgroup. */
function nodeRead(procs: [number, string, string][]): ContainerRead {
  return {
    procs: procs.map(([pid, status, cgroup]) => ({ frames: { pid, tid: null, files: { status, cgroup } }, status: parseStatus(status) })),
    context: NO_CONTEXT, missing: [], warnings: [], failure: null,
  };
}

describe('findings with the PID inside the container', () => {
  const p = pod('a', UID_A, { app: `containerd://${id('a')}` });
  const policy = podPolicy(p, p.spec.containers[0]);

  it('the container\'s init at host PID 4242 (NSpid 4242 1) is judged as PID 1, and keeps its host PID', () => {
    const out = judge(statusRecord(HOST, 4242, inContainer(4242, 1)), policy);
    expect(out.record.pid).toBe(4242);
    expect(out.judgement.findings.map((f) => f.id)).toContain('pid1-ignores-sigterm');
  });

  it('any other process of the container is not', () => {
    expect(judge(statusRecord(HOST, 4243, inContainer(4243, 7)), policy).judgement.findings.map((f) => f.id)).not.toContain('pid1-ignores-sigterm');
  });
});

describe('attribute', () => {
  const pods = [pod('a', UID_A, { app: `containerd://${id('a')}` })];
  const read = nodeRead([
    [100, inContainer(100, 1), systemd(UID_A, id('a'))],
    [101, inContainer(101, 1), systemd(UID_A, id('9'))],
    [102, inContainer(102, 1), systemd(UID_B, id('b'))],
    [103, inContainer(103, 1), systemd(READER, id('f'))],
    [104, inContainer(104, 104), '0::/init.scope\n'],
  ]);
  const judgedAll = (items: ReturnType<typeof attribute>['items']) => items.map((u) => judge(u.record, u.policy));

  it('each process once, with its pod, container, node and findings; the reader left out', () => {
    const out = attribute(read, pods, READER, 'n1');
    const items = judgedAll(out.items);
    expect(items.map(({ record: r }) => [r.pid, r.where.pod, r.where.container, r.cgroupPodUid])).toEqual([
      [100, 'a', 'app', UID_A],
      [101, 'a', null, UID_A],
      [102, null, null, UID_B],
      [104, null, null, null],
    ]);
    expect(items.every((i) => i.record.where.node === 'n1')).toBe(true);
    expect(out.unknownPods).toBe(1);
    // Pod scope for the container's and the sandbox's PID 1; host scope knows no PID 1 rule.
    const ids = (pid: number) => items.find((i) => i.record.pid === pid)!.judgement.findings.map((f) => f.id);
    expect(ids(100)).toContain('pid1-ignores-sigterm');
    expect(ids(101)).toContain('pid1-ignores-sigterm');
    expect(ids(102)).not.toContain('pid1-ignores-sigterm');
    expect(ids(104)).not.toContain('runs-as-root');
    // Only the container is compared with a spec (drop ALL, yet the bounding set is full).
    expect(ids(100)).toContain('exceeds-spec');
    expect(ids(101)).not.toContain('exceeds-spec');
  });

  it('a PID asked by number that is the reader\'s says so', () => {
    const out = attribute(read, pods, READER, 'n1', [100, 101, 102, 103, 104]);
    expect(out.items.find((i) => i.record.pid === 103)!.record.failure?.message).toMatch(/reader pod/);
  });
});

describe('node targets on the command line', () => {
  const parse = async (argv: string) => parseArgs(argv.split(' '));
  const options = async (argv: string) => {
    const p = await parse(argv);
    if (p.kind !== 'run') throw new Error(JSON.stringify(p));
    return p.options;
  };

  it('node/NAME, no/NAME, nodes/NAME name one node; nodes, node, no alone every node', async () => {
    for (const t of ['node/node-1', 'no/node-1', 'nodes/node-1', 'Node/node-1']) {
      expect(await options(`${t} --all-pids --debug-image busybox`)).toMatchObject({ nodes: { name: 'node-1' }, target: null });
    }
    for (const t of ['nodes', 'node', 'no']) expect((await options(`${t} --pid 1`)).nodes).toEqual({ name: null });
    expect(await options('nodes -l kubernetes.io/hostname=node-1 --all-pids')).toMatchObject({ nodes: { name: null }, selector: 'kubernetes.io/hostname=node-1' });
    expect(await options('node/node-1 --all-pids -n kube-system')).toMatchObject({ namespace: 'kube-system' });
  });

  it('a pod called "nodes" is still reachable as pod/nodes; pods are unchanged', async () => {
    expect(await options('pod/nodes --pid 1')).toMatchObject({ target: { kind: 'pod', name: 'nodes' }, nodes: null });
    expect(await options('web --pid 1')).toMatchObject({ target: { kind: 'pod', name: 'web' }, nodes: null });
    expect(await options('--pid 1')).toMatchObject({ target: null, nodes: null });
  });

  it('what does not apply to a node is a usage error', async () => {
    for (const [argv, said] of [
      ['node/n1 --all-pids -A', /-A does not apply/],
      ['node/n1 --all-pids -c app', /-c and --all-containers do not apply/],
      ['nodes --all-pids --all-containers', /do not apply/],
      ['node/n1 --all-pids -l a=b', /either a node name or -l/],
      ['node/n1 --all-pids --debug-image busybox --debug-when always', /--debug-when does not apply/],
      ['node/Bad_Name --all-pids', /invalid node name/],
      ['node/ --all-pids', /invalid node name/],
      ['node/n1', /--pid is required/],
    ] as const) {
      const p = await parse(argv);
      expect(p.kind, argv).toBe('usage-error');
      expect(p.kind === 'usage-error' && p.message, argv).toMatch(said);
    }
  });
});

describe('cat\'s complaints', () => {
  it('GNU cat started by path names itself by it', () => {
    expect(stderrByPath('/bin/cat: /proc/7/status: No such file or directory\n').get('/proc/7/status')?.message).toBe('no such process');
    expect(stderrByPath('/usr/bin/cat: /proc/7/stat: Permission denied\n').get('/proc/7/stat')?.message).toBe('permission denied reading /proc/7/stat');
    expect(stderrByPath('evil/cat: /proc/7/status: No such file or directory\n').size).toBe(0);
  });
});

describe('tables of a node read', () => {
  const at = (node: string, pid: number, origin: { pod: string | null; namespace: string | null; container: string | null }) =>
    bare(statusRecord({ node, ...origin }, pid, inContainer(pid, 1)));
  const opts = { show: { capabilities: true, signals: false }, wide: false, noHeaders: false };
  const style = { width: 200, color: false };
  const cells = (text: string) => text.split('\n').filter((l) => /^\S/.test(l)).map((l) => l.split(/\s+/).slice(0, 5));

  it('host processes show <host>, a sandbox <none>, and a NODE column appears with several nodes', () => {
    const rows = cells(renderTable([
      at('n1', 1, HOST),
      at('n1', 4242, { pod: 'web', namespace: 'default', container: 'app' }),
      at('n2', 4243, { pod: 'web', namespace: 'default', container: null }),
    ], opts, style));
    expect(rows).toEqual([
      ['NODE', 'NAMESPACE', 'POD', 'CONTAINER', 'PID'],
      ['n1', '<none>', '<host>', '<none>', '1'],
      ['n1', 'default', 'web', 'app', '4242'],
      ['n2', 'default', 'web', '<none>', '4243'],
    ]);
  });

  it('one node, one container: the pod columns stay, as the node is what was asked', () => {
    const rows = cells(renderTable([at('n1', 4242, { pod: 'web', namespace: 'default', container: 'app' }), at('n1', 4244, { pod: 'web', namespace: 'default', container: 'app' })], opts, style));
    expect(rows[0]).toEqual(['POD', 'CONTAINER', 'PID', 'NAME', 'STATE']);
  });

  it('the detail view says which node, and whether the process is the host\'s', () => {
    expect(renderTable([at('n1', 1, HOST)], opts, style).split('\n')[0]).toMatch(/^Process: 1 \(\S+\)\s+node n1, host process$/);
    expect(renderTable([at('n1', 4242, { pod: 'web', namespace: 'default', container: 'app' })], opts, style).split('\n')[0])
      .toMatch(/node n1, pod default\/web, container app$/);
  });
});

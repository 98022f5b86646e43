// The runtime's mounts, as the kernel shows them inside the test API
// server's containers: /proc masked and partly read-only as the kubelet asks
// containerd and runc to (runtime/mounts.ts), a tmpfs /dev with device
// nodes, sysfs, and none of the masking for privileged containers. Read
// through exec (the real kubectl's and the websocket client's) from
// /proc/<pid>/mountinfo, which the kernel writes, and by using the paths.
// The first describe uses the suite's shared fixture cluster; the second
// starts its own server, as it creates pods and an ephemeral container.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { exec } from './apiserver/client.ts';
import type { ExecResult } from './apiserver/client.ts';
import type { Fixture } from './apiserver/cluster/fixture.ts';
import { CLUSTER_FIXTURE, ephemeralUnavailableReason } from './apiserver/harness.ts';
import { hasKubectl, kubectl as runKubectl, kubectlHome } from './apiserver/kubectl.ts';
import { MASKED_PATHS, READONLY_PATHS } from './apiserver/runtime/mounts.ts';
import { ownServer } from './helpers/ownserver.ts';

const cluster = inject('cluster');
if (!cluster) console.warn('skipping runtime mount tests: the test API server cannot make namespaces here');

interface Mount {
  root: string;
  mountPoint: string;
  options: string[];
  fsType: string;
  source: string;
  superOptions: string[];
}

/** /proc/<pid>/mountinfo lines (proc(5)): id, parent, dev, root, mount point, options, optional fields, -, type, source, super options. */
function parseMountinfo(text: string): Mount[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const f = line.split(' ');
      const dash = f.indexOf('-', 6);
      return {
        root: f[3],
        mountPoint: f[4],
        options: f[5].split(','),
        fsType: f[dash + 1],
        source: f[dash + 2],
        superOptions: (f[dash + 3] ?? '').split(','),
      };
    });
}

/** The topmost mount on a path (the last one listed there). */
function mountAt(mounts: Mount[], p: string): Mount | undefined {
  return mounts.filter((m) => m.mountPoint === p).at(-1);
}

// The kernel here decides which of the kubelet's paths exist (runc skips the
// others); the host's /proc and /sys are the same kernel's.
const maskedHere = MASKED_PATHS.filter((p) => fs.existsSync(p));
const readonlyHere = READONLY_PATHS.filter((p) => fs.existsSync(p));

/** Every masked and read-only path this kernel has is masked or read-only in these mounts. */
function expectRuntimeMasks(mounts: Mount[], what: string): void {
  for (const p of maskedHere) {
    const m = mountAt(mounts, p);
    expect(m, `${what}: ${p} masked`).toBeDefined();
    if (fs.statSync(p).isDirectory()) {
      // A read-only tmpfs over a directory.
      expect([m!.fsType, m!.options[0]], `${what}: ${p}`).toEqual(['tmpfs', 'ro']);
    } else {
      // The container's /dev/null (a node on its /dev tmpfs) bound over a file.
      expect([m!.fsType, m!.root], `${what}: ${p}`).toEqual(['tmpfs', '/null']);
    }
  }
  for (const p of readonlyHere) {
    const m = mountAt(mounts, p);
    expect(m, `${what}: ${p} read-only`).toBeDefined();
    // Bound on itself from the container's procfs, read-only, keeping its nosuid,nodev,noexec.
    expect([m!.fsType, m!.root], `${what}: ${p}`).toEqual(['proc', p.slice('/proc'.length)]);
    expect(m!.options.slice(0, 4), `${what}: ${p}`).toEqual(['ro', 'nosuid', 'nodev', 'noexec']);
  }
}

function expectNoMasks(mounts: Mount[], what: string): void {
  for (const p of [...MASKED_PATHS, ...READONLY_PATHS]) expect(mountAt(mounts, p), `${what}: ${p}`).toBeUndefined();
}

/** The mounts every container gets: its own procfs and a tmpfs /dev as containerd asks runc for them. */
function expectProcAndDev(mounts: Mount[], what: string): void {
  const proc = mountAt(mounts, '/proc');
  expect([proc?.fsType, ...(proc?.options.slice(0, 4) ?? [])], what).toEqual(['proc', 'rw', 'nosuid', 'nodev', 'noexec']);
  const dev = mountAt(mounts, '/dev');
  expect(dev?.fsType, what).toBe('tmpfs');
  expect(dev?.superOptions, what).toEqual(expect.arrayContaining(['size=65536k', 'mode=755']));
  expect(mountAt(mounts, '/dev/pts')?.superOptions, what).toEqual(expect.arrayContaining(['gid=5', 'mode=620', 'ptmxmode=666']));
  expect(mountAt(mounts, '/dev/shm')?.fsType, what).toBe('tmpfs');
  expect(mountAt(mounts, '/dev/mqueue')?.fsType, what).toBe('mqueue');
}

describe.skipIf(!cluster)("a runtime's mounts, in the shared fixture's containers", () => {
  const api = cluster!;
  const run = (pod: string, argv: string[]): Promise<ExecResult> => exec(api, pod, argv, { timeoutMs: 15_000 });
  const mountinfo = async (pod: string, pid = '1'): Promise<Mount[]> => {
    const r = await run(pod, ['cat', `/proc/${pid}/mountinfo`]);
    expect(r.status?.status, r.stderr).toBe('Success');
    return parseMountinfo(r.stdout);
  };

  it('this kernel has some of the paths the kubelet masks and makes read-only', () => {
    // Otherwise the tests below would check nothing.
    expect(maskedHere.length).toBeGreaterThan(0);
    expect(readonlyHere).toContain('/proc/sys');
  });

  it('PID 1 and an exec see the masks in the container, on the host root, in a root of its own, and through credexec', async () => {
    for (const pod of ['single', 'catonly', 'restricted', 'userns']) {
      for (const pid of ['1', 'self']) {
        const mounts = await mountinfo(pod, pid);
        expectRuntimeMasks(mounts, `${pod} /proc/${pid}`);
        expectProcAndDev(mounts, `${pod} /proc/${pid}`);
      }
    }
  });

  it('with kubectl exec: the same mountinfo, and a sysfs read-only in a root of its own', async () => {
    const home = kubectlHome();
    try {
      const r = runKubectl(api, home, ['exec', 'catonly', '--', 'cat', '/proc/1/mountinfo']);
      expect(r.code, r.stderr).toBe(0);
      const mounts = parseMountinfo(r.stdout);
      expectRuntimeMasks(mounts, 'catonly');
      const sys = mountAt(mounts, '/sys');
      expect([sys?.fsType, sys?.options[0]]).toEqual(['sysfs', 'ro']);
      // The root is the container's directory, seen from inside as /.
      expect(mountAt(mounts, '/')?.root).toMatch(/\/rootfs\/default_catonly_app$/);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);

  it('a masked file reads as /dev/null; the host still reads the real one', async () => {
    const files = maskedHere.filter((p) => fs.statSync(p).isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const p of files) {
      const r = await run('single', ['cat', p]);
      expect(r.exitCode, `${p}: ${r.stderr}`).toBe(0);
      expect(r.stdout, p).toBe('');
    }
    // /proc/timer_list, where this kernel has it, is never empty on the host.
    if (files.includes('/proc/timer_list')) expect(fs.readFileSync('/proc/timer_list', 'utf8').length).toBeGreaterThan(0);
  });

  it('a masked directory is an empty read-only tmpfs', async () => {
    const dirs = maskedHere.filter((p) => fs.statSync(p).isDirectory());
    for (const p of dirs) {
      const r = await run('single', ['sh', '-c', 'ls -A "$1"; : > "$1/x"', 'sh', p]);
      expect(r.stdout, p).toBe('');
      expect(r.stderr, p).toMatch(/Read-only file system/);
    }
  });

  it('writing to a read-only /proc path fails with EROFS (rewriting the value it has, so nothing changes if it did not)', async () => {
    const r = await run('single', ['sh', '-c', 'v=$(cat /proc/sys/kernel/printk_ratelimit) && echo "$v" > /proc/sys/kernel/printk_ratelimit']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/printk_ratelimit: Read-only file system/);
    if (readonlyHere.includes('/proc/sysrq-trigger')) {
      // Opened for writing, nothing written: harmless where it would not fail.
      const t = await run('single', ['sh', '-c', 'exec 3> /proc/sysrq-trigger']);
      expect(t.stderr).toMatch(/Read-only file system/);
    }
  });

  it("the host's /proc is left alone", () => {
    const host = parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
    for (const p of [...MASKED_PATHS, ...READONLY_PATHS]) expect(mountAt(host, p), p).toBeUndefined();
  });

  it('/dev has the device nodes a runtime makes, on its tmpfs', async () => {
    const ls = await run('single', ['ls', '-l', '/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty']);
    expect(ls.exitCode, ls.stderr).toBe(0);
    const nodes = ls.stdout.trim().split('\n').map((l) => l.replace(/\s+/g, ' ').split(' '));
    expect(nodes.map((f) => [f[0], `${f[4]}${f[5]}`, f.at(-1)])).toEqual([
      ['crw-rw-rw-', '1,7', '/dev/full'],
      ['crw-rw-rw-', '1,3', '/dev/null'],
      ['crw-rw-rw-', '1,8', '/dev/random'],
      ['crw-rw-rw-', '5,0', '/dev/tty'],
      ['crw-rw-rw-', '1,9', '/dev/urandom'],
      ['crw-rw-rw-', '1,5', '/dev/zero'],
    ]);
    const links = await run('single', ['readlink', '/dev/fd', '/dev/stdin', '/dev/stdout', '/dev/stderr', '/dev/ptmx']);
    expect(links.stdout.trim().split('\n')).toEqual(['/proc/self/fd', '/proc/self/fd/0', '/proc/self/fd/1', '/proc/self/fd/2', 'pts/ptmx']);
  });

  it("/proc/1/ns links are readable and name the container's own pid and mount namespaces", async () => {
    const r = await run('single', ['readlink', '/proc/1/ns/pid', '/proc/1/ns/mnt', '/proc/1/ns/net', '/proc/1/ns/ipc', '/proc/1/ns/user']);
    expect(r.exitCode, r.stderr).toBe(0);
    const [pid, mnt, net, ipc, user] = r.stdout.trim().split('\n');
    expect([pid, mnt, net, ipc, user].map((l) => l.replace(/:\[\d+\]$/, ''))).toEqual(['pid', 'mnt', 'net', 'ipc', 'user']);
    expect(pid).not.toBe(fs.readlinkSync('/proc/self/ns/pid'));
    expect(mnt).not.toBe(fs.readlinkSync('/proc/self/ns/mnt'));
    // No network, IPC or user namespace of its own here (see the README).
    expect(net).toBe(fs.readlinkSync('/proc/self/ns/net'));
  });
});

const ownSkip = !hasKubectl ? 'kubectl is not installed' : ephemeralUnavailableReason();

describe.skipIf(!!ownSkip)('created pods and ephemeral containers get the same mounts; privileged ones none of the masks', () => {
  const s = ownServer(() => {
    const full = JSON.parse(fs.readFileSync(CLUSTER_FIXTURE, 'utf8')) as Fixture;
    return { nodes: full.nodes, pods: (full.pods ?? []).filter((p) => p.metadata.name === 'single') };
  });
  const kubectl = (...args: string[]) => s.kubectl(args);
  const mountsOf = (pod: string, container?: string): Mount[] => {
    const r = kubectl('exec', pod, ...(container ? ['-c', container] : []), '--', 'cat', '/proc/self/mountinfo');
    expect(r.code, r.stderr).toBe(0);
    return parseMountinfo(r.stdout);
  };
  /** Polls a jsonpath of the pod until it reads `want` (or anything, without one). */
  const waitFor = async (pod: string, jsonpath: string, want?: string): Promise<void> => {
    let last = '';
    for (let i = 0; i < 150; i++) {
      last = kubectl('get', 'pod', pod, '-o', `jsonpath=${jsonpath}`).stdout;
      if (want === undefined ? last !== '' : last === want) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${pod} ${jsonpath}: ${last}`);
  };
  const waitRunning = (pod: string): Promise<void> => waitFor(pod, '{.status.phase}', 'Running');
  const run = (name: string, ...flags: string[]): void => {
    const r = kubectl('run', name, '--image=busybox:1.36', '--restart=Never', ...flags, '--command', '--', 'sleep', 'infinity');
    expect(r.code, r.stderr).toBe(0);
  };

  it('a created pod: masked, read-only paths, sysfs read-only, the six device nodes', async () => {
    run('plain');
    await waitRunning('plain');
    const mounts = mountsOf('plain');
    expectRuntimeMasks(mounts, 'plain');
    expectProcAndDev(mounts, 'plain');
    expect(mountAt(mounts, '/sys')?.options[0]).toBe('ro');
    const ls = kubectl('exec', 'plain', '--', 'ls', '/dev');
    expect(ls.stdout.trim().split('\n').sort()).toEqual(
      ['fd', 'full', 'mqueue', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero', ...(fs.existsSync('/proc/kcore') ? ['core'] : [])].sort(),
    );
  }, 60_000);

  it('a privileged pod: no masked or read-only paths, sysfs read-write, the host devices', async () => {
    run('priv', '--privileged');
    await waitRunning('priv');
    const mounts = mountsOf('priv');
    expectNoMasks(mounts, 'priv');
    expectProcAndDev(mounts, 'priv');
    expect(mountAt(mounts, '/sys')?.options[0]).toBe('rw');
    const ls = kubectl('exec', 'priv', '--', 'ls', '/dev');
    const hostDevices = fs.readdirSync('/dev').filter((n) => {
      const st = fs.lstatSync(path.join('/dev', n));
      return (st.isCharacterDevice() || st.isBlockDevice()) && n !== 'console' && n !== 'ptmx';
    });
    expect(ls.stdout.trim().split('\n')).toEqual(expect.arrayContaining(hostDevices));
    // /proc/sys is writable here: the value it has, written back, goes through.
    const write = kubectl('exec', 'priv', '--', 'sh', '-c', 'v=$(cat /proc/sys/kernel/printk_ratelimit) && echo "$v" > /proc/sys/kernel/printk_ratelimit');
    expect(write.code, write.stderr).toBe(0);
  }, 60_000);

  it('an ephemeral container added by kubectl debug, and an exec into it', async () => {
    const r = kubectl('debug', 'single', '--image=busybox:1.36', '--container=dbg', '--', 'sleep', 'infinity');
    expect(r.code, r.stderr).toBe(0);
    await waitFor('single', '{.status.ephemeralContainerStatuses[0].state.running.startedAt}');
    const mounts = mountsOf('single', 'dbg');
    expectRuntimeMasks(mounts, 'dbg');
    expectProcAndDev(mounts, 'dbg');
  }, 60_000);
});

// The test API server's node applies security fields for real: what each
// fixture pod's spec asks for (or, with a runtime-lie annotation, what the
// node pretends to honour) is checked in /proc text the kernel wrote, read
// through exec. Also: the exec failure wording of CRI-O (runc, crun) and of
// a Windows node, and ids shaped as on a real cluster. Uses the suite's
// shared fixture cluster (test/setup/cluster.global.ts).

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { exec, request } from './apiserver/client.ts';
import type { ExecResult } from './apiserver/client.ts';
import { hasKubectl, kubectl as runKubectl, kubectlHome } from './apiserver/kubectl.ts';
import { ANNOTATION, launchConfig, USERNS_SIZE } from './apiserver/runtime/noderuntime.ts';
import { CAP_NAMES } from './apiserver/runtime/security.ts';
import { statusField as field } from './helpers/captured.ts';

const cluster = inject('cluster');
if (!cluster) console.warn('skipping node security tests: the test API server cannot make namespaces here');

describe.skipIf(!cluster)('node security, as the kernel shows it', () => {
  const api = cluster!;
  const run = (pod: string, argv: string[]): Promise<ExecResult> => exec(api, pod, argv, { timeoutMs: 15_000 });
  const status = async (pod: string, pid = '1'): Promise<string> => {
    const r = await run(pod, ['cat', `/proc/${pid}/status`]);
    expect(r.status?.status, r.stderr).toBe('Success');
    return r.stdout;
  };
  const getPod = async (name: string): Promise<any> => {
    const r = await request(api, 'GET', `/api/v1/namespaces/default/pods/${name}`);
    expect(r.status).toBe(200);
    return r.body;
  };

  it('restricted: container runAsUser over the pod one, groups, no capabilities, no_new_privs, a seccomp filter', async () => {
    const pod = await getPod('restricted');
    expect(pod.spec.securityContext).toMatchObject({ runAsUser: 2000, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.spec.containers[0].securityContext).toMatchObject({ runAsUser: 1000, allowPrivilegeEscalation: false });
    const s = await status('restricted');
    expect(field(s, 'Name')).toBe('sleep');
    expect(field(s, 'Uid')).toBe('1000 1000 1000 1000');
    expect(field(s, 'Gid')).toBe('3000 3000 3000 3000');
    expect(field(s, 'Groups')).toBe('4000');
    for (const k of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) expect(field(s, k)).toBe('0000000000000000');
    expect(field(s, 'NoNewPrivs')).toBe('1');
    expect(field(s, 'Seccomp')).toBe('2');
    expect(field(s, 'Seccomp_filters')).toBe('1');
    // An exec'd process gets the container's credentials too, as runc exec gives them.
    const self = await status('restricted', 'self');
    expect(field(self, 'Uid')).toBe('1000 1000 1000 1000');
    expect(field(self, 'NoNewPrivs')).toBe('1');
    expect(field(self, 'Seccomp')).toBe('2');
  });

  it("baseline: root with containerd's default capabilities, no seccomp, no no_new_privs, the host's user namespace", async () => {
    const s = await status('baseline');
    expect(field(s, 'Uid')).toBe('0 0 0 0');
    // chown dac_override fowner fsetid kill setgid setuid setpcap net_bind_service net_raw sys_chroot mknod audit_write setfcap
    expect(field(s, 'CapBnd')).toBe('00000000a80425fb');
    expect(field(s, 'CapEff')).toBe('00000000a80425fb');
    expect(field(s, 'NoNewPrivs')).toBe('0');
    expect(field(s, 'Seccomp')).toBe('0');
    const map = await run('baseline', ['cat', '/proc/1/uid_map']);
    expect(map.stdout.trim().split(/\s+/)).toEqual(['0', '0', '4294967295']);
  });

  it('userns: hostUsers false maps 65536 ids from a multiple of 65536; exec joins that namespace', async () => {
    const uid = await run('userns', ['cat', '/proc/1/uid_map']);
    const [inside, base, size] = uid.stdout.trim().split(/\s+/).map(Number);
    expect(inside).toBe(0);
    expect(size).toBe(USERNS_SIZE);
    expect(base).toBeGreaterThanOrEqual(USERNS_SIZE);
    expect(base % USERNS_SIZE).toBe(0);
    const gid = await run('userns', ['cat', '/proc/1/gid_map']);
    expect(gid.stdout.trim().split(/\s+/).map(Number)).toEqual([0, base, USERNS_SIZE]);
    // Uid 0 inside only because the reader is in the same namespace.
    expect(field(await status('userns'), 'Uid')).toBe('0 0 0 0');
    const ns = await run('userns', ['readlink', '/proc/1/ns/user', '/proc/self/ns/user']);
    const [pid1Ns, selfNs] = ns.stdout.trim().split('\n');
    expect(selfNs).toBe(pid1Ns);
    expect(pid1Ns).not.toBe(fs.readlinkSync('/proc/self/ns/user'));
  });

  it('userns-ignored: the spec says hostUsers false, the node runs it in the host user namespace', async () => {
    const pod = await getPod('userns-ignored');
    expect(pod.spec.hostUsers).toBe(false);
    expect(pod.metadata.annotations[ANNOTATION.ignoreHostUsers]).toBe('true');
    const map = await run('userns-ignored', ['cat', '/proc/1/uid_map']);
    expect(map.stdout.trim().split(/\s+/)).toEqual(['0', '0', '4294967295']);
  });

  it('seccomp-ignored: the spec says RuntimeDefault, the kernel shows no filter', async () => {
    const pod = await getPod('seccomp-ignored');
    expect(pod.spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    const s = await status('seccomp-ignored');
    expect(field(s, 'Seccomp')).toBe('0');
  });

  it('runasuser-ignored: the spec says runAsUser 1000 and runAsNonRoot, the process runs as root', async () => {
    const pod = await getPod('runasuser-ignored');
    expect(pod.spec.securityContext).toMatchObject({ runAsUser: 1000, runAsNonRoot: true });
    expect(field(await status('runasuser-ignored'), 'Uid')).toBe('0 0 0 0');
  });

  it('nonroot-refused: runAsNonRoot without a user is refused as the kubelet does, nothing runs', async () => {
    const pod = await getPod('nonroot-refused');
    expect(pod.status.phase).toBe('Pending');
    const w = pod.status.containerStatuses[0].state.waiting;
    expect(w.reason).toBe('CreateContainerConfigError');
    expect(w.message).toBe(
      `container has runAsNonRoot and image will run as root (pod: "nonroot-refused_default(${pod.metadata.uid})", container: app)`,
    );
  });

  it('crio-distroless (CRI-O + runc): runc\'s logfmt line on stderr, exit code 255', async () => {
    const r = await run('crio-distroless', ['cat', '/proc/1/status']);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^time="\d{4}-\d\d-\d\dT[\d:.]+Z" level=error msg="exec failed: unable to start container process: exec: \\"cat\\": executable file not found in \$PATH"\n$/,
    );
    expect(r.status?.reason).toBe('NonZeroExitCode');
    expect(r.exitCode).toBe(255);
    const pod = await getPod('crio-distroless');
    expect(pod.status.containerStatuses[0].containerID).toMatch(/^cri-o:\/\/[0-9a-f]{64}$/);
  });

  it('crun-distroless (CRI-O + crun): crun\'s message on stderr, exit code 255', async () => {
    const r = await run('crun-distroless', ['cat', '/proc/1/status']);
    expect(r.stderr).toBe('executable file `cat` not found in $PATH: No such file or directory\n');
    expect(r.exitCode).toBe(255);
    // A command that is there runs as usual.
    const ok = await run('crun-distroless', ['/app/server', '0']);
    expect(ok.exitCode).toBe(0);
  });

  it.each(['windows', 'windows-selector'])('%s: Running, and exec fails in HCS CreateProcess as an InternalError', async (name) => {
    const pod = await getPod(name);
    expect(pod.status.phase).toBe('Running');
    const id = pod.status.containerStatuses[0].containerID as string;
    expect(id).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    const r = await run(name, ['cat', '/proc/1/status']);
    expect(r.status?.reason).toBe('InternalError');
    expect((r.status as { code?: number }).code).toBe(500);
    expect(r.status?.message).toMatch(
      new RegExp(
        `^Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": ` +
          `hcs::System::CreateProcess ${id.slice('containerd://'.length)}: The system cannot find the file specified\\.: unknown$`,
      ),
    );
  });

  it('every pod has a UUID uid and runtime-shaped container ids', async () => {
    const r = await request(api, 'GET', '/api/v1/pods');
    expect(r.status).toBe(200);
    for (const p of r.body.items) {
      expect(p.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      for (const c of [...(p.status.containerStatuses ?? []), ...(p.status.initContainerStatuses ?? [])]) {
        if (c.containerID !== undefined) expect(c.containerID).toMatch(/^(containerd|cri-o):\/\/[0-9a-f]{64}$/);
      }
    }
  });

  describe.skipIf(!hasKubectl)('through the real kubectl', () => {
    let home: string;
    beforeAll(() => {
      home = kubectlHome();
    });
    afterAll(() => {
      if (home) fs.rmSync(home, { recursive: true, force: true });
    });
    const kubectl = (...args: string[]) => runKubectl(api, home, args);

    it('reads the restricted pod\'s seccomp and no_new_privs', () => {
      const r = kubectl('exec', 'restricted', '--', 'cat', '/proc/1/status');
      expect(r.code).toBe(0);
      expect(field(r.stdout, 'Seccomp')).toBe('2');
      expect(field(r.stdout, 'NoNewPrivs')).toBe('1');
    });

    it('passes on CRI-O\'s stderr and exit code 255', () => {
      const r = kubectl('exec', 'crio-distroless', '--', 'cat', '/proc/1/status');
      expect(r.code).toBe(255);
      expect(r.stderr).toContain('level=error msg="exec failed: unable to start container process: exec: \\"cat\\": executable file not found in $PATH"');
      expect(r.stderr).toContain('command terminated with exit code 255');
    });

    it('reports the Windows node\'s error', () => {
      const r = kubectl('exec', 'windows', '--', 'cat', '/proc/1/status');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: Internal error occurred: .*hcs::System::CreateProcess [0-9a-f]{64}: The system cannot find the file specified\.: unknown\n$/);
    });
  });
});

describe('launchConfig (what the node applies)', () => {
  const last = CAP_NAMES.length - 1;
  const pod = (spec: Record<string, unknown>, annotations: Record<string, string> = {}) => ({
    name: 'p',
    namespace: 'default',
    metadata: { uid: 'u', annotations },
    spec,
  });
  const base = () => 65536 * 3;

  it('a container seccompProfile overrides the pod one', () => {
    const c = launchConfig(pod({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }), { name: 'a', securityContext: { seccompProfile: { type: 'Unconfined' } } }, last, base);
    expect(c).toMatchObject({ seccomp: false });
    const d = launchConfig(pod({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }), { name: 'a' }, last, base);
    expect(d).toMatchObject({ seccomp: true, noNewPrivs: false });
  });

  it('privileged: every capability, no seccomp filter even with RuntimeDefault', () => {
    const c = launchConfig(pod({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }), { name: 'a', securityContext: { privileged: true } }, last, base);
    expect(c).toMatchObject({ caps: null, seccomp: false, noNewPrivs: false });
  });

  it('extra-capabilities adds to the bounding set the spec asked for', () => {
    const c = launchConfig(pod({}, { [ANNOTATION.extraCapabilities]: 'NET_RAW, SYS_ADMIN' }), { name: 'a', securityContext: { capabilities: { drop: ['ALL'] } } }, last, base);
    expect(c).toMatchObject({ caps: [CAP_NAMES.indexOf('net_raw'), CAP_NAMES.indexOf('sys_admin')].sort((a, b) => a - b) });
  });

  it('hostUsers false asks for a user namespace; the ignore annotation and the default do not', () => {
    expect(launchConfig(pod({ hostUsers: false }), { name: 'a' }, last, base)).toMatchObject({ userNamespaceBase: 65536 * 3 });
    expect(launchConfig(pod({ hostUsers: false }, { [ANNOTATION.ignoreHostUsers]: 'true' }), { name: 'a' }, last, base)).not.toHaveProperty('userNamespaceBase');
    expect(launchConfig(pod({}), { name: 'a' }, last, base)).not.toHaveProperty('userNamespaceBase');
  });

  it('runAsNonRoot with runAsUser 0 is a CreateContainerConfigError, unless the node ignores the user fields', () => {
    const spec = { securityContext: { runAsNonRoot: true, runAsUser: 0 } };
    expect(launchConfig(pod(spec), { name: 'a' }, last, base)).toMatchObject({ reason: 'CreateContainerConfigError' });
    expect(launchConfig(pod(spec, { [ANNOTATION.ignoreRunAsUser]: 'true' }), { name: 'a' }, last, base)).toMatchObject({ uid: 0 });
  });
});

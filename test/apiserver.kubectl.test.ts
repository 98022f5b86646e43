// Fidelity of the test API server, judged by the real kubectl: if kubectl
// gets, lists and execs against it the way it does against a cluster (same
// exit codes, same error texts, kernel-written /proc status), then the
// plugin's end-to-end tests against it mean something.

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canMakeNamespaces,
  CLUSTER_FIXTURE,
  namespacesUnavailableReason,
  startApiServer,
} from './apiserver/harness.ts';
import type { ApiServerHandle } from './apiserver/harness.ts';
import { hasKubectl, kubectl as runKubectl, kubectlHome } from './apiserver/kubectl.ts';
import type { KubectlResult } from './apiserver/kubectl.ts';

const skipReason = !hasKubectl ? 'kubectl is not installed' : namespacesUnavailableReason();
if (skipReason) console.warn(`skipping test API server fidelity tests: ${skipReason}`);

describe.skipIf(!hasKubectl || !canMakeNamespaces())('test API server as seen by kubectl', () => {
  let api: ApiServerHandle;
  let home: string;

  const kubectl = (...args: string[]): KubectlResult => runKubectl(api, home, args);

  beforeAll(async () => {
    home = kubectlHome();
    api = await startApiServer({ fixture: CLUSTER_FIXTURE });
  });

  afterAll(async () => {
    await api?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('execs into the app container and reads a kernel-written status of its PID 1', () => {
    const r = kubectl('exec', 'web', '-c', 'app', '--', 'cat', '/proc/1/status');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name:\tsh$/m);
    expect(r.stdout).toMatch(/^NSpid:(\t\d+)*\t1$/m);
    // Fields only the kernel writes, in the kernel's order.
    const keys = r.stdout.split('\n').filter(Boolean).map((l) => l.split(':')[0]);
    expect(keys.slice(0, 3)).toEqual(['Name', 'Umask', 'State']);
    for (const k of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'SigCgt', 'VmRSS']) expect(keys).toContain(k);
    // PID 1 is the shell that traps TERM: SIGTERM (bit 15) is caught.
    const sigcgt = BigInt(`0x${/^SigCgt:\t([0-9a-f]+)$/m.exec(r.stdout)?.[1]}`);
    expect((sigcgt >> 14n) & 1n).toBe(1n);
  });

  it('execs into the sidecar, whose PID 1 has a reduced capability set', () => {
    const r = kubectl('exec', 'web', '-c', 'sidecar', '--', 'cat', '/proc/1/status');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name:\tsh$/m);
    expect(r.stdout).toMatch(/^NSpid:(\t\d+)*\t1$/m);
    expect(r.stdout).toMatch(/^CapEff:\t0000000000000400$/m);
    expect(r.stdout).toMatch(/^CapBnd:\t0000000000000400$/m);
  });

  it('sees several processes in the app container and only them', () => {
    const r = kubectl('exec', 'web', '-c', 'app', '--', 'sh', '-c', 'cd /proc && echo [0-9]*');
    expect(r.code).toBe(0);
    const pids = r.stdout.trim().split(/\s+/).map(Number);
    // PID 1 shell, two sleeps, and the exec'd shell itself.
    expect(pids.length).toBe(4);
    expect(pids).toContain(1);
  });

  it('passes a failing command through: exit code 1 and cat on stderr', () => {
    const r = kubectl('exec', 'web', '-c', 'app', '--', 'cat', '/proc/1/status', '/proc/999999/status');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Name:\tsh$/m);
    expect(r.stderr).toContain('cat: /proc/999999/status: No such file or directory');
    expect(r.stderr).toContain('command terminated with exit code 1');
  });

  it('passes exit code 3 through, using the default-container annotation', () => {
    const r = kubectl('exec', 'web', '--', 'sh', '-c', 'exit 3');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('command terminated with exit code 3');
    expect(r.stderr).not.toContain('Defaulted container');
  });

  it('gets the pod as JSON with both containers and the init container', () => {
    const r = kubectl('get', 'pod', 'web', '-o', 'json');
    expect(r.code).toBe(0);
    const pod = JSON.parse(r.stdout);
    expect(pod.kind).toBe('Pod');
    expect(pod.metadata.name).toBe('web');
    expect(pod.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(pod.spec.containers.map((c: { name: string }) => c.name)).toEqual(['app', 'sidecar']);
    expect(pod.spec.initContainers.map((c: { name: string }) => c.name)).toEqual(['init']);
    expect(pod.spec.containers[0].run).toBeUndefined();
    expect(pod.status.phase).toBe('Running');
    const byName = Object.fromEntries(pod.status.containerStatuses.map((s: { name: string }) => [s.name, s]));
    expect(byName.app.state.running.startedAt).toBeTruthy();
    expect(byName.app.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(pod.status.initContainerStatuses[0].state.terminated.reason).toBe('Completed');
    expect(pod.metadata.ownerReferences[0]).toMatchObject({ kind: 'ReplicaSet', name: 'web-5d8f7c9b6', controller: true });
  });

  it('lists pods by label selector, in one namespace and in all', () => {
    const one = kubectl('get', 'pods', '-l', 'app=web', '-o', 'name');
    expect(one.code).toBe(0);
    expect(one.stdout.trim().split('\n')).toEqual(['pod/web']);
    const all = kubectl('get', 'pods', '-A', '-l', 'app=web,tier in (frontend,backend)');
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    expect(all.stdout).toMatch(/^default\s+web\s+2\/2\s+Running\s+0\s+\S+$/m);
    expect(all.stdout).toMatch(/^other\s+web2\s+1\/1\s+Running\s+0\s+\S+$/m);
    expect(all.stdout).not.toMatch(/single/);
  });

  it('shows waiting and finished pods the way kubectl get does', () => {
    const r = kubectl('get', 'pods', 'crashy', 'done');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^crashy\s+0\/1\s+CrashLoopBackOff\s+7\s/m);
    expect(r.stdout).toMatch(/^done\s+0\/1\s+Completed\s+0\s/m);
  });

  it('gets the Deployment and its selector', () => {
    const r = kubectl('get', 'deployment', 'web', '-o', 'jsonpath={.spec.selector.matchLabels.app}');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('web');
  });

  it('refuses exec for the readonly user with the RBAC message', () => {
    const r = kubectl('--context', 'readonly', 'exec', 'web', '--', 'cat', '/proc/1/status');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'pods "web" is forbidden: User "readonly" cannot create resource "pods/exec" in API group "" in the namespace "default"',
    );
    // ...while reading pods is allowed.
    expect(kubectl('--context', 'readonly', 'get', 'pod', 'web', '-o', 'name').stdout.trim()).toBe('pod/web');
  });

  it('refuses everything for the nopods user', () => {
    const r = kubectl('--context', 'nopods', 'get', 'pod', 'web');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('pods "web" is forbidden: User "nopods" cannot get resource "pods" in API group "" in the namespace "default"');
  });

  it('answers an unknown token with 401 Unauthorized', () => {
    const r = kubectl('--context', 'bad-token', 'exec', 'web', '--', 'true');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Unauthorized|provide credentials/);
  });

  it('reports a missing executable in a distroless container like containerd does', () => {
    const r = kubectl('exec', 'distroless', '--', 'cat', '/proc/1/status');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('OCI runtime exec failed: exec failed: unable to start container process:');
    expect(r.stderr).toContain('exec: "cat": executable file not found in $PATH: unknown');
    // Its own binary is there, and is PID 1.
    const ok = kubectl('exec', 'distroless', '--', '/app/server', '0');
    expect(ok.code).toBe(0);
  });

  it('refuses exec into finished, waiting and missing things', () => {
    expect(kubectl('exec', 'done', '--', 'true').stderr).toContain('cannot exec into a container in a completed pod');
    expect(kubectl('exec', 'crashy', '--', 'true').stderr).toContain('container not found ("app")');
    expect(kubectl('exec', 'nope', '--', 'true').stderr).toContain('pods "nope" not found');
    expect(kubectl('exec', 'web', '-c', 'nope', '--', 'true').stderr).toContain('container nope is not valid for pod web');
  });

  it('uses the other namespace from the other-ns context', () => {
    const r = kubectl('--context', 'other-ns', 'exec', 'web2', '--', 'cat', '/proc/1/status');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name:\tsh$/m);
  });

  it('fails TLS verification with the unrelated CA and cannot connect to the refused port', () => {
    const wrong = kubectl('--context', 'wrong-ca', 'get', 'pods');
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('certificate signed by unknown authority');
    const refused = kubectl('--context', 'refused', 'get', 'pods');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('connection refused');
  });
});

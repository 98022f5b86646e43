// Pod Security admission on the test API server, judged by the real
// kubectl: pods created (kubectl run, kubectl debug node/...) and ephemeral
// containers added (kubectl debug) in the fixture's labelled namespaces are
// refused, warned about or let through with the PodSecurity plugin's words,
// and what kubectl prints of it is what it prints against a real cluster.
// Its own server: it creates pods.

import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { request } from './apiserver/client.ts';
import type { Fixture } from './apiserver/cluster/fixture.ts';
import { CLUSTER_FIXTURE, ephemeralUnavailableReason } from './apiserver/harness.ts';
import { hasKubectl } from './apiserver/kubectl.ts';
import { ownServer } from './helpers/ownserver.ts';

const skipReason = !hasKubectl ? 'kubectl is not installed' : ephemeralUnavailableReason();
if (skipReason) console.warn(`skipping Pod Security admission tests: ${skipReason}`);

/** The fixture's nodes and labelled namespaces, and two of its pods to debug. */
function fixture(): Fixture {
  const full = JSON.parse(fs.readFileSync(CLUSTER_FIXTURE, 'utf8')) as Fixture;
  return {
    nodes: full.nodes,
    namespaces: full.namespaces,
    pods: (full.pods ?? []).filter((p) => ['nnp-exec', 'spec-only'].includes(p.metadata.name)),
  };
}

const RESTRICTED_POD = {
  apiVersion: 'v1',
  spec: {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{
      name: 'ok',
      image: 'busybox:1.36',
      command: ['sleep', 'infinity'],
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    }],
  },
};

/** What restricted asks of a container with no security fields, in the plugin's words. */
const restrictedMisses = (names: string, all = names): string =>
  `allowPrivilegeEscalation != false (${names} must set securityContext.allowPrivilegeEscalation=false), ` +
  `unrestricted capabilities (${all} must set securityContext.capabilities.drop=["ALL"]), ` +
  `runAsNonRoot != true (pod or ${all} must set securityContext.runAsNonRoot=true), ` +
  `seccompProfile (pod or ${all} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`;

describe.skipIf(!!skipReason)('Pod Security admission, as kubectl sees it', () => {
  const s = ownServer(fixture);
  const kubectl = (...args: string[]) => s.kubectl(args);
  const run = (ns: string, name: string, ...flags: string[]) =>
    kubectl('run', name, '-n', ns, '--image=busybox:1.36', '--restart=Never', ...flags, '--command', '--', 'sleep', 'infinity');
  const exists = (ns: string, name: string): boolean => kubectl('get', 'pod', '-n', ns, name, '-o', 'name').code === 0;

  it('kubectl run of a hostPID pod in a baseline namespace: refused with the plugin\'s message; nothing is created', () => {
    const r = run('baseline-ns', 'hp', '--overrides={"apiVersion":"v1","spec":{"hostPID":true}}');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error from server (Forbidden): pods "hp" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostPID=true)\n');
    expect(exists('baseline-ns', 'hp')).toBe(false);
    // A server-side dry run goes through admission too.
    const dry = run('baseline-ns', 'hp', '--dry-run=server', '--overrides={"apiVersion":"v1","spec":{"hostPID":true}}');
    expect(dry.stderr).toMatch(/violates PodSecurity "baseline:latest": host namespaces \(hostPID=true\)/);
  });

  it('the refusal on the wire: 403, reason Forbidden, details naming the pod', async () => {
    const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'priv' }, spec: { containers: [{ name: 'c', image: 'busybox:1.36', securityContext: { privileged: true } }] } };
    const r = await request(s.api(), 'POST', '/api/v1/namespaces/baseline-ns/pods', { body, contentType: 'application/json' });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "priv" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)',
      reason: 'Forbidden',
      details: { name: 'priv', kind: 'pods' },
      code: 403,
    });
  });

  it('kubectl debug node/... into a baseline namespace: its pod is refused (host namespaces, the host root volume)', () => {
    const r = kubectl('debug', 'node/node-1', '-n', 'baseline-ns', '--image=busybox:1.36', '--', 'sleep', 'infinity');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^Error from server \(Forbidden\): pods "node-debugger-node-1-[a-z0-9]{5}" is forbidden: violates PodSecurity "baseline:latest": host namespaces \(hostNetwork=true, hostPID=true, hostIPC=true\), hostPath volumes \(volume "host-root"\)$/m,
    );
    // The same pod in the privileged namespace is created.
    const ok = kubectl('debug', 'node/node-1', '-n', 'privileged-ns', '--image=busybox:1.36', '--', 'sleep', 'infinity');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).not.toMatch(/PodSecurity/);
  });

  it('a pod that meets restricted is admitted in the restricted namespace, without a warning, and runs', async () => {
    const r = run('restricted-ns', 'ok', `--overrides=${JSON.stringify(RESTRICTED_POD)}`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('pod/ok created\n');
    expect(r.stderr).toBe('');
    for (let i = 0; i < 100 && kubectl('get', 'pod', '-n', 'restricted-ns', 'ok', '-o', 'jsonpath={.status.phase}').stdout !== 'Running'; i++) {
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(kubectl('get', 'pod', '-n', 'restricted-ns', 'ok', '-o', 'jsonpath={.status.phase}').stdout).toBe('Running');
    // The same pod without its security fields is not.
    const bare = run('restricted-ns', 'bare');
    expect(bare.stderr).toBe(`Error from server (Forbidden): pods "bare" is forbidden: violates PodSecurity "restricted:latest": ${restrictedMisses('container "bare"')}\n`);
  });

  it('warn only: the pod is created and kubectl prints the warning; the audit annotation never reaches the client', async () => {
    const r = run('baseline-ns', 'plain');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('pod/plain created\n');
    expect(r.stderr).toBe(`Warning: would violate PodSecurity "restricted:latest": ${restrictedMisses('container "plain"')}\n`);
    const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'raw' }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } };
    const w = await request(s.api(), 'POST', '/api/v1/namespaces/baseline-ns/pods?dryRun=All', { body, contentType: 'application/json' });
    expect(w.status).toBe(201);
    expect(w.headers.warning).toBe(`299 - ${JSON.stringify(`would violate PodSecurity "restricted:latest": ${restrictedMisses('container "c"')}`)}`);
    expect(w.text).not.toMatch(/audit/);
    expect(Object.keys(w.headers).filter((h) => /audit/i.test(h))).toEqual(['audit-id']);
  });

  it('an unknown level (enforce: bogus) is enforced as restricted:latest', () => {
    const r = run('bogus-ns', 'plain');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error from server (Forbidden): pods "plain" is forbidden: violates PodSecurity "restricted:latest": ${restrictedMisses('container "plain"')}\n`);
  });

  it('a namespace without labels admits anything', () => {
    const r = run('default', 'anything', '--privileged', '--overrides={"apiVersion":"v1","spec":{"hostPID":true}}');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('ephemeral containers: kubectl debug is judged on the whole pod with the new container', () => {
    const refused = kubectl('debug', '-n', 'baseline-ns', 'nnp-exec', '--image=busybox:1.36', '--profile=sysadmin', '--container=admin', '--', 'sleep', 'infinity');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^Error from server \(Forbidden\): pods "nnp-exec" is forbidden: violates PodSecurity "baseline:latest": privileged \(container "admin" must not set securityContext.privileged=true\)$/m,
    );
    // The general profile adds CAP_SYS_PTRACE, which baseline does not allow either.
    const general = kubectl('debug', '-n', 'baseline-ns', 'nnp-exec', '--image=busybox:1.36', '--profile=general', '--container=gen', '--', 'sleep', 'infinity');
    expect(general.stderr).toMatch(
      /violates PodSecurity "baseline:latest": non-default capabilities \(container "gen" must not include "SYS_PTRACE" in securityContext.capabilities.add\)$/m,
    );
    const stored = JSON.parse(kubectl('get', 'pod', '-n', 'baseline-ns', 'nnp-exec', '-o', 'json').stdout).spec.ephemeralContainers ?? [];
    expect(stored).toEqual([]);
    // The default profile meets baseline: added, with restricted's warning naming the pod's app as well.
    const added = kubectl('debug', '-n', 'baseline-ns', 'nnp-exec', '--image=busybox:1.36', '--profile=baseline', '--container=dbg', '--', 'sleep', 'infinity');
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toContain(
      'Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "dbg" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (containers "app", "dbg" must set securityContext.capabilities.drop=["ALL"])',
    );
    // In the restricted namespace, the restricted profile gets through.
    const strict = kubectl('debug', '-n', 'restricted-ns', 'spec-only', '--image=busybox:1.36', '--profile=restricted', '--container=strict', '--', 'sleep', 'infinity');
    expect(strict.code, strict.stderr).toBe(0);
    expect(strict.stderr).not.toMatch(/PodSecurity/);
  });

  it('validation comes first: procMount Unmasked without hostUsers: false is invalid, not forbidden', () => {
    const overrides = { apiVersion: 'v1', spec: { containers: [{ name: 'u', image: 'busybox:1.36', securityContext: { procMount: 'Unmasked' } }] } };
    const r = run('baseline-ns', 'u', `--overrides=${JSON.stringify(overrides)}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'The Pod "u" is invalid: spec.containers[0].securityContext.procMount: Invalid value: "Unmasked": `hostUsers` must be false to use `Unmasked`\n',
    );
  });
});

// Pod Security admission of the test API server, in memory: the namespace
// labels it reads (api/podsecurity.ts) and the checks' wording
// (api/pscheck.ts), against texts of k8s.io/pod-security-admission's own
// tests and of kube-apiserver's answers.

import { describe, expect, it } from 'vitest';
import { podSecurity, policyOf } from './apiserver/api/podsecurity.ts';
import { checkPod, forbiddenDetail } from './apiserver/api/pscheck.ts';

const L = 'pod-security.kubernetes.io/';
const container = (name: string, securityContext?: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name,
  image: 'busybox:1.36',
  ...(securityContext ? { securityContext } : {}),
  ...extra,
});
const detail = (level: 'baseline' | 'restricted', spec: Record<string, unknown>, minor?: number, meta: Record<string, unknown> = {}) =>
  forbiddenDetail(checkPod(level, minor, meta, spec));

/** A pod that meets restricted. */
const RESTRICTED = {
  securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [container('app', { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } })],
};

describe('namespace labels to policy (PolicyToEvaluate)', () => {
  it('no Pod Security labels: privileged in every mode', () => {
    expect(policyOf({ 'kubernetes.io/metadata.name': 'default' })).toEqual({
      policy: { enforce: { level: 'privileged' }, audit: { level: 'privileged' }, warn: { level: 'privileged' } },
      errors: [],
    });
  });

  it('warn follows a stricter enforce level and its version, unless set', () => {
    expect(policyOf({ [`${L}enforce`]: 'baseline', [`${L}enforce-version`]: 'v1.29' }).policy.warn).toEqual({ level: 'baseline', minor: 29 });
    expect(policyOf({ [`${L}enforce`]: 'baseline', [`${L}warn`]: 'restricted' }).policy.warn).toEqual({ level: 'restricted' });
    expect(policyOf({ [`${L}enforce`]: 'baseline', [`${L}warn`]: 'privileged' }).policy.warn).toEqual({ level: 'privileged' });
  });

  it('a level that does not parse: enforce fails closed (restricted), audit and warn open; a bad version is latest', () => {
    const bogus = policyOf({ [`${L}enforce`]: 'bogus', [`${L}warn`]: 'nope', [`${L}audit-version`]: 'v2.0' });
    expect(bogus.policy).toEqual({ enforce: { level: 'restricted' }, audit: { level: 'privileged' }, warn: { level: 'privileged' } });
    expect(bogus.errors).toEqual(['enforce: "bogus"', 'audit-version: "v2.0"', 'warn: "nope"']);
  });
});

describe('the checks, worded as the PodSecurity plugin words them', () => {
  it('a pod with no security fields: what restricted asks for, in the order kubectl users know', () => {
    expect(detail('restricted', { containers: [container('nginx')] })).toBe(
      'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), ' +
        'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
    expect(detail('baseline', { containers: [container('nginx')] })).toBe('');
    expect(detail('restricted', RESTRICTED)).toBe('');
  });

  it("kubectl debug node's pod, against baseline", () => {
    const pod = {
      hostNetwork: true,
      hostPID: true,
      hostIPC: true,
      volumes: [{ name: 'host-root', hostPath: { path: '/' } }],
      containers: [container('debugger', undefined, { volumeMounts: [{ name: 'host-root', mountPath: '/host' }] })],
    };
    expect(detail('baseline', pod)).toBe('host namespaces (hostNetwork=true, hostPID=true, hostIPC=true), hostPath volumes (volume "host-root")');
    // restricted names the volume type instead of hostPath volumes, after the baseline checks.
    expect(detail('restricted', pod)).toMatch(/^host namespaces \(.*\), allowPrivilegeEscalation != false .*restricted volume types \(volume "host-root" uses restricted volume type "hostPath"\)/);
  });

  it('privileged, added capabilities, procMount, host ports (policy tests: containers "b", "c" use hostPorts 10, 20, 30)', () => {
    expect(detail('baseline', { containers: [container('a', { privileged: true }), container('b', { privileged: false })] })).toBe(
      'privileged (container "a" must not set securityContext.privileged=true)',
    );
    expect(detail('baseline', { containers: [container('a', { capabilities: { add: ['SYS_ADMIN', 'CHOWN', 'NET_RAW'] } })] })).toBe(
      'non-default capabilities (container "a" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add)',
    );
    expect(detail('baseline', { containers: [container('a', { procMount: 'Unmasked' })], hostUsers: false })).toBe(
      'procMount (container "a" must not set securityContext.procMount to "Unmasked")',
    );
    const ports = (...p: number[]) => ({ ports: p.map((hostPort) => ({ containerPort: 1, hostPort })) });
    expect(detail('baseline', { containers: [container('a', undefined, ports(0)), container('b', undefined, ports(20)), container('c', undefined, ports(10, 30))] })).toBe(
      'hostPort (containers "b", "c" use hostPorts 10, 20, 30)',
    );
  });

  it('restricted checks by field: explicit bad values before missing ones, pod and containers together', () => {
    const spec = {
      securityContext: { runAsNonRoot: false, runAsUser: 0, seccompProfile: { type: 'Unconfined' } },
      containers: [container('a', { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsUser: 0 })],
    };
    expect(detail('restricted', spec)).toBe(
      'runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false), ' +
        'runAsUser=0 (pod and container "a" must not set runAsUser=0), ' +
        'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")',
    );
    // Baseline refuses Unconfined only where it is set, and names the containers.
    expect(detail('baseline', { containers: [container('a', { seccompProfile: { type: 'Unconfined' } }), container('b')] })).toBe(
      'seccompProfile (container "a" must not set securityContext.seccompProfile.type to "Unconfined")',
    );
  });

  it('versions: restricted v1.21 has no capability or runAsUser check yet (baseline capabilities apply); Windows pods skip three from v1.25', () => {
    const spec = { ...RESTRICTED, containers: [container('app', { allowPrivilegeEscalation: false, runAsUser: 0, capabilities: { add: ['NET_RAW'] } })] };
    expect(detail('restricted', spec, 21)).toBe('non-default capabilities (container "app" must not include "NET_RAW" in securityContext.capabilities.add)');
    expect(detail('restricted', spec)).toBe(
      'unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]; container "app" must not include "NET_RAW" in securityContext.capabilities.add), ' +
        'runAsUser=0 (container "app" must not set runAsUser=0)',
    );
    const windows = { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [container('w')] };
    expect(detail('restricted', windows)).toBe('');
    expect(detail('restricted', windows, 24)).toMatch(/^allowPrivilegeEscalation != false/);
  });

  it('ephemeral containers count like the others, after init and regular containers', () => {
    const spec = { ...RESTRICTED, ephemeralContainers: [container('debugger', { privileged: true })], initContainers: [container('init', { privileged: true })] };
    expect(detail('baseline', spec)).toBe('privileged (containers "init", "debugger" must not set securityContext.privileged=true)');
  });

  it('annotations: AppArmor and (before v1.19) seccomp', () => {
    const meta = { annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined', 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } };
    expect(detail('baseline', { containers: [container('app')] }, undefined, meta)).toBe(
      'forbidden AppArmor profile (annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/app="unconfined"")',
    );
    expect(detail('baseline', { containers: [container('app')] }, 18, meta)).toMatch(
      /, seccompProfile \(forbidden annotation seccomp\.security\.alpha\.kubernetes\.io\/pod="unconfined"\)$/,
    );
  });
});

describe('the admission decision', () => {
  const baselineNs = { [`${L}enforce`]: 'baseline', [`${L}enforce-version`]: 'latest', [`${L}warn`]: 'restricted', [`${L}audit`]: 'restricted' };
  const plain = { containers: [container('app')] };

  it('enforce refuses, and a refused request gets no warnings', () => {
    const d = podSecurity(baselineNs, {}, { ...plain, hostPID: true });
    expect(d.forbidden).toBe('violates PodSecurity "baseline:latest": host namespaces (hostPID=true)');
    expect(d.warnings).toEqual([]);
    expect(d.audit).toMatch(/^would violate PodSecurity "restricted:latest": host namespaces \(hostPID=true\), allowPrivilegeEscalation != false/);
  });

  it('warn and audit on an allowed pod', () => {
    const d = podSecurity(baselineNs, {}, plain);
    expect(d.forbidden).toBeUndefined();
    expect(d.warnings).toEqual([expect.stringMatching(/^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "app"/)]);
    expect(d.audit).toBe(d.warnings[0]);
  });

  it('an unknown enforce level is enforced as restricted:latest; no labels let anything through', () => {
    expect(podSecurity({ [`${L}enforce`]: 'bogus' }, {}, plain).forbidden).toMatch(/^violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
    expect(podSecurity({ [`${L}enforce`]: 'bogus' }, {}, RESTRICTED)).toEqual({ warnings: [] });
    expect(podSecurity({}, {}, { ...plain, hostPID: true, containers: [container('x', { privileged: true })] })).toEqual({ warnings: [] });
  });
});

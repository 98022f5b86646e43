// Pure parts behind chunked lists, request faults and large fixtures:
// continue tokens as k8s.io/apiserver/pkg/storage/continue.go writes and
// refuses them, fault rule checks, and the realistic pods' size and shape.

import { describe, expect, it } from 'vitest';
import { decodeContinue, encodeContinue, goJsonString } from './apiserver/api/continuetoken.ts';
import { validateFixture } from './apiserver/cluster/fixture.ts';
import { identicalPods } from './apiserver/cluster/podsets.ts';
import { podItemBytes } from './apiserver/cluster/objects.ts';
import { Cluster } from './apiserver/cluster/cluster.ts';
import { parseFaultRules } from './apiserver/server/faults.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64url');

describe('continue tokens', () => {
  it('are base64url without padding of the JSON Go marshals, NUL escaped as \\u0000', () => {
    const t = encodeContinue('default/web\u0000', 1039);
    expect(t).not.toMatch(/[=+/]/);
    expect(Buffer.from(t, 'base64url').toString()).toBe('{"v":"meta.k8s.io/v1","rv":1039,"start":"default/web\\u0000"}');
    expect(decodeContinue(t)).toEqual({ rv: 1039, start: 'default/web\u0000' });
    // rv -1: the token a 410 hands out, to continue at the latest revision.
    expect(decodeContinue(encodeContinue('web\u0000', -1))).toEqual({ rv: -1, start: 'web\u0000' });
  });

  it('escape what Go escapes in strings', () => {
    expect(goJsonString('a<b>&c\u2028')).toBe('"a\\u003cb\\u003e\\u0026c\\u2028"');
  });

  it.each([
    ['abc!', 'continue key is not valid: illegal base64 data at input byte 3'],
    ['abcde', 'continue key is not valid: illegal base64 data at input byte 4'],
    [`${b64('{"v":"meta.k8s.io/v1","rv":5,"start":"a"}')}==`, /^continue key is not valid: illegal base64 data at input byte \d+$/],
    [b64('x'), "continue key is not valid: invalid character 'x' looking for beginning of value"],
    [b64('{'), 'continue key is not valid: unexpected end of JSON input'],
    [b64('[]'), 'continue key is not valid: json: cannot unmarshal array into Go value of type storage.continueToken'],
    [b64('{"v":"meta.k8s.io/v1","rv":"5","start":"a"}'), 'continue key is not valid: json: cannot unmarshal string into Go struct field continueToken.rv of type int64'],
    [b64('{"v":"meta.k8s.io/v2","rv":5,"start":"a"}'), 'continue key is not valid: server does not recognize this encoded version meta.k8s.io/v2'],
    [b64('{"v":"meta.k8s.io/v1","rv":0,"start":"a"}'), 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)'],
    [b64('{"v":"meta.k8s.io/v1","rv":5,"start":""}'), 'continue key is not valid: encoded start key empty (version meta.k8s.io/v1)'],
    [b64('{"v":"meta.k8s.io/v1","rv":5,"start":"../kube-system/x"}'), 'continue key is not valid: ../kube-system/x'],
  ])('refuse %s as DecodeContinue does', (token, message) => {
    expect(() => decodeContinue(token)).toThrow(message);
  });

  it('accept field names in any case and a start with a leading slash, as encoding/json and DecodeContinue do', () => {
    expect(decodeContinue(b64('{"V":"meta.k8s.io/v1","RV":7,"Start":"/default/a\\u0000"}'))).toEqual({ rv: 7, start: 'default/a\u0000' });
  });
});

describe('fault rules', () => {
  it('take a rule or a list and default to one answer', () => {
    expect(parseFaultRules({ path: '/api/v1/pods', page: 2, fault: 'expired' })).toEqual([{ path: '/api/v1/pods', page: 2, fault: 'expired' }]);
    expect(parseFaultRules([{ path: '/x*', fault: 'drop', times: 3 }])).toHaveLength(1);
  });

  it.each([
    [{ fault: 'drop' }, 'path must start with /'],
    [{ path: '/api', fault: 'explode' }, 'fault must be one of expired, throttle, throttle-status, internal-error, drop'],
    [{ path: '/api', fault: 'drop', page: 0 }, 'page must be a positive integer'],
    [{ path: '/api', fault: 'drop', times: 1.5 }, 'times must be a positive integer'],
    [{ path: '/api', fault: 'drop', retry: 1 }, 'unknown field retry'],
  ])('refuse %j', (rule, message) => {
    expect(() => parseFaultRules(rule)).toThrow(message);
  });
});

describe('pods of realistic size', () => {
  const pods = identicalPods({ count: 3, prefix: 'shop', trees: 1, realistic: true });

  it('carry managedFields of three managers, last-applied-configuration and an owner ReplicaSet', () => {
    const m = pods[2].metadata as Record<string, any>;
    expect(m.managedFields.map((f: { manager: string }) => f.manager)).toEqual(['kubectl-client-side-apply', 'kube-controller-manager', 'kubelet']);
    const applied = JSON.parse(m.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    expect(applied).toMatchObject({ kind: 'Pod', metadata: { name: 'shop-2', namespace: 'default' } });
    expect(m.ownerReferences[0]).toMatchObject({ kind: 'ReplicaSet', controller: true });
    expect(pods[2].spec.containers[0].run).toEqual({ sharesProcessesOf: 'shop-0/app' });
  });

  it('serve about 12 KB of JSON each, with the status the server adds', () => {
    const cluster = new Cluster(validateFixture({ podSets: [{ count: 2, prefix: 'shop', trees: 1, realistic: true }] }), '/nonexistent');
    const served = JSON.parse(podItemBytes(cluster.pods[1]).toString());
    const size = podItemBytes(cluster.pods[1]).length;
    expect(size).toBeGreaterThan(11_000);
    expect(size).toBeLessThan(14_000);
    expect(served.status).toMatchObject({ phase: 'Running', podIP: expect.stringMatching(/^10\.244\./), qosClass: 'Burstable' });
    expect(served.status.conditions.map((c: { type: string }) => c.type)).toContain('Ready');
    expect(served.status.containerStatuses).toHaveLength(1);
  });

  it('expand from a fixture podSets entry after the fixture pods', () => {
    const f = validateFixture({ pods: [{ metadata: { name: 'first' }, spec: { containers: [{ name: 'c' }] } }], podSets: [{ count: 2, prefix: 'set' }] });
    expect(f.pods?.map((p) => p.metadata.name)).toEqual(['first', 'set-0', 'set-1']);
    expect(() => validateFixture({ podSets: [{ count: 0 }] })).toThrow('podSets[0]: count must be a positive integer');
  });
});

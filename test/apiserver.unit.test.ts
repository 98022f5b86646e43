// Pure parts of the test API server: selector parsing and matching, Status
// bodies, path parsing, subprotocol choice and the exec pre-flight checks.

import { describe, expect, it } from 'vitest';
import { goFormat, patchedEphemeralContainers, patchTypeOf, validateEphemeralContainers } from './apiserver/api/ephemeral.ts';
import { chooseProtocol, planExec } from './apiserver/runtime/exec.ts';
import { defaultPullPolicy, parseImageRef, pullFails } from './apiserver/runtime/images.ts';
import { ephemeralArgv } from './apiserver/runtime/kubelet.ts';
import { capMask, capshCredentialArgs, resolveCredentials } from './apiserver/runtime/security.ts';
import { BUSYBOX_PASSWD } from './apiserver/runtime/images.ts';
import { validateFixture } from './apiserver/cluster/fixture.ts';
import { parseResourcePath } from './apiserver/server/paths.ts';
import { Cluster } from './apiserver/cluster/cluster.ts';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  requirementsFromLabelSelector,
  SelectorParseError,
} from './apiserver/api/selectors.ts';
import {
  execInternalError,
  execNonZeroExit,
  execSuccess,
  forbidden,
  internalError,
  methodNotAllowed,
  notFound,
  ociExecFailure,
  unauthorized,
} from './apiserver/api/status.ts';
import { humanDuration } from './apiserver/api/table.ts';

describe('label selector parser', () => {
  it.each([
    ['', []],
    ['app=web', [{ key: 'app', op: '=', values: ['web'] }]],
    ['app==web', [{ key: 'app', op: '=', values: ['web'] }]],
    ['app!=web', [{ key: 'app', op: '!=', values: ['web'] }]],
    ['env in (prod, staging)', [{ key: 'env', op: 'in', values: ['prod', 'staging'] }]],
    ['env notin (dev)', [{ key: 'env', op: 'notin', values: ['dev'] }]],
    ['tier', [{ key: 'tier', op: 'exists', values: [] }]],
    ['!canary', [{ key: 'canary', op: '!', values: [] }]],
    ['app.kubernetes.io/name=web', [{ key: 'app.kubernetes.io/name', op: '=', values: ['web'] }]],
    ['a=', [{ key: 'a', op: '=', values: [''] }]],
    ['n>3', [{ key: 'n', op: 'gt', values: ['3'] }]],
    [
      ' a = 1 , b in (x,y) , !c , d ',
      [
        { key: 'a', op: '=', values: ['1'] },
        { key: 'b', op: 'in', values: ['x', 'y'] },
        { key: 'c', op: '!', values: [] },
        { key: 'd', op: 'exists', values: [] },
      ],
    ],
  ])('parses %j', (input, expected) => {
    expect(parseLabelSelector(input)).toEqual(expected);
  });

  it.each(['a in b', 'a in (b', 'a b', 'a=b c', '=b', 'a,', '!', 'a notin', 'n>x'])('rejects %j', (input) => {
    expect(() => parseLabelSelector(input)).toThrow(SelectorParseError);
  });

  it('matches with Kubernetes semantics (!= and notin match a missing key)', () => {
    const labels = { app: 'web', tier: 'frontend' };
    const m = (s: string, l: Record<string, string> = labels): boolean => matchesLabels(parseLabelSelector(s), l);
    expect(m('')).toBe(true);
    expect(m('app=web')).toBe(true);
    expect(m('app=db')).toBe(false);
    expect(m('app!=db')).toBe(true);
    expect(m('missing!=x')).toBe(true);
    expect(m('tier in (frontend,backend)')).toBe(true);
    expect(m('tier notin (frontend)')).toBe(false);
    expect(m('missing notin (x)')).toBe(true);
    expect(m('missing in (x)')).toBe(false);
    expect(m('tier')).toBe(true);
    expect(m('!tier')).toBe(false);
    expect(m('!canary')).toBe(true);
    expect(m('app=web,tier=backend')).toBe(false);
    expect(m('n>3', { n: '4' })).toBe(true);
    expect(m('n<3', { n: '4' })).toBe(false);
    expect(m('n>3', { n: 'x' })).toBe(false);
  });

  it('turns a workload LabelSelector into requirements', () => {
    const reqs = requirementsFromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['a', 'b'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'env', operator: 'NotIn', values: ['dev'] },
        { key: 'team', operator: 'Exists' },
      ],
    });
    expect(matchesLabels(reqs, { app: 'web', tier: 'a', team: 'x' })).toBe(true);
    expect(matchesLabels(reqs, { app: 'web', tier: 'a', team: 'x', canary: '1' })).toBe(false);
    expect(matchesLabels(reqs, { app: 'web', tier: 'c', team: 'x' })).toBe(false);
    expect(matchesLabels(reqs, { app: 'web', tier: 'a' })).toBe(false);
  });
});

describe('field selector parser', () => {
  it('parses and matches =, == and !=', () => {
    const reqs = parseFieldSelector('metadata.name=web,status.phase!=Failed,metadata.namespace==default');
    expect(reqs).toEqual([
      { field: 'metadata.name', op: '=', value: 'web' },
      { field: 'status.phase', op: '!=', value: 'Failed' },
      { field: 'metadata.namespace', op: '=', value: 'default' },
    ]);
    expect(matchesFields(reqs, { 'metadata.name': 'web', 'status.phase': 'Running', 'metadata.namespace': 'default' })).toBe(true);
    expect(matchesFields(reqs, { 'metadata.name': 'web', 'status.phase': 'Failed', 'metadata.namespace': 'default' })).toBe(false);
    expect(parseFieldSelector('')).toEqual([]);
    expect(() => parseFieldSelector('metadata.name')).toThrow(SelectorParseError);
  });
});

describe('Status bodies', () => {
  it('401', () => {
    expect(JSON.stringify(unauthorized())).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}',
    );
  });

  it('403 for a subresource, a namespaced list and a cluster-scoped list', () => {
    expect(
      forbidden({ user: 'readonly', verb: 'create', group: '', resource: 'pods', subresource: 'exec', name: 'web', namespace: 'default' }),
    ).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "web" is forbidden: User "readonly" cannot create resource "pods/exec" in API group "" in the namespace "default"',
      reason: 'Forbidden',
      details: { name: 'web', kind: 'pods' },
      code: 403,
    });
    expect(forbidden({ user: 'nopods', verb: 'list', group: '', resource: 'pods', namespace: 'default' }).message).toBe(
      'pods is forbidden: User "nopods" cannot list resource "pods" in API group "" in the namespace "default"',
    );
    expect(forbidden({ user: 'nopods', verb: 'get', group: 'apps', resource: 'deployments', name: 'web' })).toMatchObject({
      message: 'deployments.apps "web" is forbidden: User "nopods" cannot get resource "deployments" in API group "apps" at the cluster scope',
      details: { name: 'web', group: 'apps', kind: 'deployments' },
    });
  });

  it('404 and 500', () => {
    expect(notFound({ group: '', resource: 'pods' }, 'x')).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "x" not found',
      reason: 'NotFound',
      details: { name: 'x', kind: 'pods' },
      code: 404,
    });
    expect(notFound({ group: 'apps', resource: 'deployments' }, 'x').message).toBe('deployments.apps "x" not found');
    expect(internalError('boom')).toMatchObject({ message: 'Internal error occurred: boom', reason: 'InternalError', code: 500 });
  });

  it('405, field order as sent', () => {
    expect(JSON.stringify(methodNotAllowed())).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server does not allow this method on the requested resource","reason":"MethodNotAllowed","details":{},"code":405}',
    );
  });

  it('exec statuses on channel 3', () => {
    expect(JSON.stringify(execSuccess())).toBe('{"metadata":{},"status":"Success"}');
    expect(JSON.stringify(execNonZeroExit(['cat', '/proc/1/status'], 1))).toBe(
      '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [cat /proc/1/status], exit code 1","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"1"}]}}',
    );
    const cause = ociExecFailure('abc', 'exec: "cat": executable file not found in $PATH');
    expect(cause).toBe(
      'error executing command in container: failed to exec in container: failed to start exec "abc": OCI runtime exec failed: exec failed: unable to start container process: exec: "cat": executable file not found in $PATH: unknown',
    );
    expect(execInternalError(cause)).toEqual({
      metadata: {},
      status: 'Failure',
      message: `Internal error occurred: ${cause}`,
      reason: 'InternalError',
      details: { causes: [{ message: cause }] },
      code: 500,
    });
  });
});

describe('request routing helpers', () => {
  it('parses resource paths', () => {
    expect(parseResourcePath('/api/v1/namespaces/default/pods/web/exec')).toEqual({
      group: '',
      version: 'v1',
      namespace: 'default',
      resource: 'pods',
      name: 'web',
      subresource: 'exec',
    });
    expect(parseResourcePath('/api/v1/pods')).toMatchObject({ group: '', resource: 'pods' });
    expect(parseResourcePath('/api/v1/pods')?.namespace).toBeUndefined();
    expect(parseResourcePath('/apis/apps/v1/namespaces/default/deployments/web')).toMatchObject({
      group: 'apps',
      resource: 'deployments',
      name: 'web',
    });
    expect(parseResourcePath('/api/v1/namespaces/other')).toMatchObject({ resource: 'namespaces', name: 'other' });
    expect(parseResourcePath('/api')).toBeUndefined();
    expect(parseResourcePath('/version')).toBeUndefined();
  });

  it('prefers v5, then v4, and falls back to the unnamed protocol', () => {
    expect(chooseProtocol(['v4.channel.k8s.io', 'v5.channel.k8s.io'])).toBe('v5.channel.k8s.io');
    expect(chooseProtocol(['channel.k8s.io', 'v4.channel.k8s.io'])).toBe('v4.channel.k8s.io');
    expect(chooseProtocol([])).toBe('');
    expect(chooseProtocol(['SPDY/3.1'])).toBeUndefined();
  });

  it('formats ages like kubectl', () => {
    expect(humanDuration(5_000)).toBe('5s');
    expect(humanDuration(150_000)).toBe('2m30s');
    expect(humanDuration(3 * 3600_000)).toBe('3h');
    expect(humanDuration(3 * 86400_000)).toBe('3d');
  });
});

describe('fixture namespaces', () => {
  it('takes names and {name, labels}, adds the namespaces objects name, and serves the labels with the name label', () => {
    const f = validateFixture({
      namespaces: ['plain', { name: 'locked', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } }],
      pods: [{ metadata: { name: 'p', namespace: 'elsewhere' }, spec: { containers: [{ name: 'app' }] } }],
    });
    expect(f.namespaces).toEqual([
      { name: 'plain', labels: {} },
      { name: 'locked', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
      { name: 'default', labels: {} },
      { name: 'elsewhere', labels: {} },
    ]);
    const cluster = new Cluster(f, '/nonexistent');
    expect(cluster.namespaces).toEqual(['plain', 'locked', 'default', 'elsewhere']);
    expect(cluster.namespaceLabels('locked')).toEqual({ 'pod-security.kubernetes.io/enforce': 'restricted', 'kubernetes.io/metadata.name': 'locked' });
    expect(cluster.namespaceLabels('nowhere')).toBeUndefined();
    // The same object every time: a stable uid.
    expect(cluster.namespaceObject('locked')).toEqual(cluster.namespaceObject('locked'));
  });

  it('refuses a namespace without a DNS-label name, or with labels that are not strings', () => {
    expect(() => validateFixture({ namespaces: [{ name: 'Bad_Name' }] })).toThrow(/namespaces\[0\]: a namespace needs a name that is a DNS label/);
    expect(() => validateFixture({ namespaces: [{ name: 'ok', labels: { a: 1 } }] })).toThrow(/labels must map names to strings/);
  });
});

describe('exec pre-flight checks (no processes started)', () => {
  const cluster = new Cluster(
    validateFixture({
      pods: [
        {
          metadata: { name: 'web' },
          spec: {
            containers: [{ name: 'app' }, { name: 'sidecar' }],
            initContainers: [{ name: 'init' }],
          },
        },
        { metadata: { name: 'one' }, spec: { containers: [{ name: 'app' }] } },
        { metadata: { name: 'done' }, spec: { containers: [{ name: 'app' }] }, status: { phase: 'Succeeded' } },
        { metadata: { name: 'pending' }, spec: { containers: [{ name: 'app' }] }, status: { phase: 'Pending' } },
      ],
    }),
    '/nonexistent',
  );
  const q = (s: string): URLSearchParams => new URLSearchParams(s);
  const msg = (pod: string, query: string): string | undefined => {
    const r = planExec(cluster.pod('default', pod), pod, q(query));
    return 'status' in r ? r.message : undefined;
  };

  it('refuses with the API server messages', () => {
    expect(msg('nope', 'command=true&stdout=true')).toBe('pods "nope" not found');
    expect(msg('web', 'command=true&stdout=true')).toBe(
      'a container name must be specified for pod web, choose one of: [app sidecar] or one of the init containers: [init]',
    );
    expect(msg('web', 'command=true&stdout=true&container=nope')).toBe('container nope is not valid for pod web');
    expect(msg('one', 'stdout=true')).toBe('you must specify at least 1 command');
    expect(msg('one', 'command=true')).toBe('you must specify at least 1 of stdin, stdout, stderr');
    expect(msg('done', 'command=true&stdout=true')).toBe('unable to upgrade connection: pod does not exist');
    expect(msg('pending', 'command=true&stdout=true')).toBe('pod pending does not have a host assigned');
    // Not started in this test, so not running.
    expect(msg('one', 'command=true&stdout=true')).toBe('unable to upgrade connection: container not found ("app")');
    expect(msg('web', 'command=true&stdout=true&container=init')).toBe(
      'unable to upgrade connection: container not found ("init")',
    );
  });

  it('renders pods with Kubernetes defaults and statuses', () => {
    const pod = cluster.podObject(cluster.pod('default', 'web')!) as Record<string, any>;
    expect(pod.kind).toBe('Pod');
    expect(pod.spec.nodeName).toBeTruthy();
    expect(pod.spec.initContainers[0].name).toBe('init');
    expect(pod.status.initContainerStatuses[0].state.terminated).toMatchObject({ reason: 'Completed', exitCode: 0 });
    // A real pod always has a (possibly empty) pod securityContext; kubectl debug relies on it.
    expect(pod.spec.securityContext).toEqual({});
    const pending = cluster.podObject(cluster.pod('default', 'pending')!) as Record<string, any>;
    expect(pending.spec.nodeName).toBeUndefined();
    expect(pending.status.containerStatuses[0].state.waiting.reason).toBe('ContainerCreating');
  });
});

describe('ephemeral containers: applying a PATCH', () => {
  const stored = {
    name: 'old',
    image: 'busybox:1.36',
    resources: {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  };
  const pod = (eph?: unknown[]): Record<string, unknown> => ({
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'app', image: 'x' }], ...(eph ? { ephemeralContainers: eph } : {}) },
    status: { phase: 'Running' },
  });
  const SMP = 'application/strategic-merge-patch+json';
  const names = (r: ReturnType<typeof patchedEphemeralContainers>): unknown =>
    'list' in r ? r.list.map((c) => (c as { name: string }).name) : r;

  it('knows the three patch content types, with or without parameters', () => {
    expect(patchTypeOf('application/strategic-merge-patch+json; charset=utf-8')).toBe(SMP);
    expect(patchTypeOf('application/json-patch+json')).toBe('application/json-patch+json');
    expect(patchTypeOf('application/merge-patch+json')).toBe('application/merge-patch+json');
    expect(patchTypeOf('application/json')).toBeUndefined();
    expect(patchTypeOf(undefined)).toBeUndefined();
  });

  it('strategic merge: entries merge by name, new ones are appended, $setElementOrder only orders', () => {
    const body = {
      spec: {
        '$setElementOrder/ephemeralContainers': [{ name: 'old' }, { name: 'new' }],
        ephemeralContainers: [{ name: 'new', image: 'busybox', $retainKeys: ['name'] }],
      },
      metadata: { labels: { ignored: 'yes' } },
    };
    const r = patchedEphemeralContainers(pod([stored]), SMP, JSON.stringify(body));
    expect(r).toEqual({ list: [stored, { name: 'new', image: 'busybox' }] });
    // Merging into the existing entry (then validation decides whether that is a change).
    const m = patchedEphemeralContainers(pod([stored]), SMP, JSON.stringify({ spec: { ephemeralContainers: [{ name: 'old', tty: true }] } }));
    expect(m).toEqual({ list: [{ ...stored, tty: true }] });
    // $patch: delete and $patch: replace.
    expect(names(patchedEphemeralContainers(pod([stored]), SMP, '{"spec":{"ephemeralContainers":[{"name":"old","$patch":"delete"}]}}'))).toEqual([]);
    expect(
      names(patchedEphemeralContainers(pod([stored]), SMP, '{"spec":{"ephemeralContainers":[{"$patch":"replace"},{"name":"x","image":"y"}]}}')),
    ).toEqual(['x']);
    // A patch that does not mention the list leaves it alone.
    expect(names(patchedEphemeralContainers(pod([stored]), SMP, '{"metadata":{}}'))).toEqual(['old']);
  });

  it('strategic merge: an entry without its merge key is the merge code\'s 500', () => {
    const r = patchedEphemeralContainers(pod(), SMP, '{"spec":{"ephemeralContainers":[{"image":"busybox","command":["sh","-c"]}]}}');
    expect(r).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'map: map[command:[sh -c] image:busybox] does not contain declared merge key: name',
      code: 500,
    });
    expect(goFormat({ b: 1, a: { c: true } })).toBe('map[a:map[c:true] b:1]');
  });

  it('JSON patch: RFC 6902 on the served pod; an operation that does not apply is a 422 without details', () => {
    const JP = 'application/json-patch+json';
    const add = (path: string): string => JSON.stringify([{ op: 'add', path, value: path === '/spec/ephemeralContainers' ? [{ name: 'n' }] : { name: 'n' } }]);
    const failed = patchedEphemeralContainers(pod(), JP, add('/spec/ephemeralContainers/-'));
    expect(failed).toMatchObject({ code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request', details: {} });
    expect(names(patchedEphemeralContainers(pod(), JP, add('/spec/ephemeralContainers')))).toEqual(['n']);
    expect(names(patchedEphemeralContainers(pod([stored]), JP, add('/spec/ephemeralContainers/-')))).toEqual(['old', 'n']);
    expect(names(patchedEphemeralContainers(pod([stored]), JP, add('/spec/ephemeralContainers/0')))).toEqual(['n', 'old']);
    const test = JSON.stringify([
      { op: 'test', path: '/metadata/name', value: 'other' },
      { op: 'add', path: '/spec/ephemeralContainers/-', value: { name: 'n' } },
    ]);
    expect(patchedEphemeralContainers(pod([stored]), JP, test)).toMatchObject({ code: 422 });
    const replace = JSON.stringify([{ op: 'replace', path: '/spec/ephemeralContainers/0/image', value: 'busybox:1.37' }]);
    expect(patchedEphemeralContainers(pod([stored]), JP, replace)).toEqual({ list: [{ ...stored, image: 'busybox:1.37' }] });
    expect(patchedEphemeralContainers(pod(), JP, '{"op":"add"}')).toMatchObject({ code: 400, reason: 'BadRequest' });
  });

  it('merge patch: RFC 7386, the list is replaced', () => {
    const r = patchedEphemeralContainers(pod([stored]), 'application/merge-patch+json', '{"spec":{"ephemeralContainers":[{"name":"x"}]}}');
    expect(r).toEqual({ list: [{ name: 'x' }] });
    expect(names(patchedEphemeralContainers(pod([stored]), 'application/merge-patch+json', '{"spec":{"ephemeralContainers":null}}'))).toEqual([]);
  });
});

describe('ephemeral containers: validation', () => {
  const base = { name: 'p', containers: ['app'], initContainers: ['init'], ephemeral: [] as Record<string, unknown>[] };

  it('decodes with the API defaults, drops unknown fields and zero values', () => {
    const r = validateEphemeralContainers(base, [{ name: 'd', image: 'busybox', stdin: false, command: [], bogus: 1, tty: true }]);
    expect(r).toEqual({
      list: [
        {
          name: 'd',
          image: 'busybox',
          tty: true,
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'Always',
        },
      ],
    });
  });

  it('names the fields at fault, like kube-apiserver', () => {
    const r = validateEphemeralContainers(base, [
      { name: 'Bad_Name', image: ' busybox', targetContainerName: 'init' },
      { name: 'init', image: 'busybox', livenessProbe: {}, resources: { limits: { cpu: '1' } } },
    ]);
    expect('list' in r).toBe(false);
    const s = r as { message: string; details: { causes: { reason: string; field: string }[] } };
    expect(s.details.causes.map((c) => `${c.reason} ${c.field}`)).toEqual([
      'FieldValueInvalid spec.ephemeralContainers[0].name',
      'FieldValueInvalid spec.ephemeralContainers[0].image',
      'FieldValueDuplicate spec.ephemeralContainers[1].name',
      'FieldValueForbidden spec.ephemeralContainers[1].livenessProbe',
      'FieldValueForbidden spec.ephemeralContainers[1].resources',
    ]);
    expect(s.message).toMatch(/^Pod "p" is invalid: \[spec\.ephemeralContainers\[0\]\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 label/);
    expect(validateEphemeralContainers(base, [{ name: 'd', image: 42 }])).toMatchObject({
      code: 400,
      message: 'json: cannot unmarshal number into Go struct field EphemeralContainer.spec.ephemeralContainers.image of type string',
    });
  });

  it('refuses to remove or change an existing one, and takes it back unchanged', () => {
    const old = validateEphemeralContainers(base, [{ name: 'd', image: 'busybox:1.36' }]) as { list: Record<string, unknown>[] };
    const pod = { ...base, ephemeral: old.list };
    const removed = validateEphemeralContainers(pod, []);
    expect(removed).toMatchObject({
      code: 422,
      message: 'Pod "p" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "d" may not be removed\n',
    });
    const changed = validateEphemeralContainers(pod, [{ name: 'd', image: 'busybox:1.36', tty: true }]);
    expect(changed).toMatchObject({ code: 422 });
    expect((changed as { message: string }).message).toBe(
      'Pod "p" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "d" may not be changed\n+ tty: true',
    );
    expect(validateEphemeralContainers(pod, [{ name: 'd', image: 'busybox:1.36' }, { name: 'e', image: 'busybox' }])).toMatchObject({
      list: [{ name: 'd' }, { name: 'e' }],
    });
  });
});

describe('images, security contexts and commands of ephemeral containers', () => {
  it('normalises image references the Docker way', () => {
    expect(parseImageRef('busybox').normalized).toBe('docker.io/library/busybox:latest');
    expect(parseImageRef('busybox:1.36').normalized).toBe('docker.io/library/busybox:1.36');
    expect(parseImageRef('library/busybox:1.36').normalized).toBe('docker.io/library/busybox:1.36');
    expect(parseImageRef('registry.k8s.io/e2e-test-images/busybox:1.36.1-1').repository).toBe('registry.k8s.io/e2e-test-images/busybox');
    expect(parseImageRef('localhost:5000/debug').normalized).toBe('localhost:5000/debug:latest');
    expect(parseImageRef('busybox@sha256:abc').normalized).toBe('docker.io/library/busybox@sha256:abc');
    expect(defaultPullPolicy('busybox')).toBe('Always');
    expect(defaultPullPolicy('busybox:latest')).toBe('Always');
    expect(defaultPullPolicy('busybox:1.36')).toBe('IfNotPresent');
    expect(pullFails('registry.example/does-not-exist:1')).toBe(true);
    expect(pullFails('busybox:nonexistent')).toBe(true);
    expect(pullFails('busybox:1.36')).toBe(false);
  });

  const creds = (sc: Record<string, unknown> | undefined, podSc?: Record<string, unknown>) =>
    resolveCredentials(sc, podSc, BUSYBOX_PASSWD, 'p_default(uid)', 'dbg', 40);

  it('gives root the runtime\'s default capabilities, and drops, adds and privileges as asked', () => {
    const root = creds(undefined);
    expect(root).toMatchObject({ uid: 0, gid: 0, groups: [], noNewPrivs: false, readOnlyRoot: false, home: '/root' });
    expect(capMask((root as { caps: number[] }).caps)).toBe('00000000a80425fb');
    expect(capMask((creds({ capabilities: { add: ['SYS_PTRACE'] } }) as { caps: number[] }).caps)).toBe('00000000a80c25fb');
    expect(capMask((creds({ capabilities: { drop: ['ALL'], add: ['CAP_NET_RAW'] } }) as { caps: number[] }).caps)).toBe('0000000000002000');
    expect(capMask((creds({ privileged: true, capabilities: { drop: ['ALL'] } }) as { caps: number[] }).caps)).toBe('000001ffffffffff');
    const nobody = creds({ runAsUser: 65534, capabilities: { drop: ['ALL'] }, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(nobody).toEqual({ uid: 65534, gid: 65534, groups: [], caps: [], noNewPrivs: true, readOnlyRoot: true, home: '/home' });
    expect(capshCredentialArgs(nobody as Parameters<typeof capshCredentialArgs>[0], 40)).toEqual([
      '--inh=',
      '--drop=all',
      '--gid=65534',
      '--groups=',
      '--uid=65534',
      '--no-new-privs',
    ]);
    // The pod's securityContext applies where the container's says nothing.
    expect(creds({ runAsGroup: 5 }, { runAsUser: 1000, supplementalGroups: [7, 8] })).toMatchObject({ uid: 1000, gid: 5, groups: [7, 8], home: '/' });
  });

  it('refuses what the kubelet refuses', () => {
    expect(creds({ runAsNonRoot: true })).toEqual({
      reason: 'CreateContainerConfigError',
      message: 'container has runAsNonRoot and image will run as root (pod: "p_default(uid)", container: dbg)',
    });
    expect(creds({ runAsNonRoot: true, runAsUser: 0 })).toMatchObject({ reason: 'CreateContainerConfigError' });
    expect(creds({ capabilities: { add: ['BOGUS'] } })).toEqual({
      reason: 'CreateContainerError',
      message: 'failed to generate container spec: unknown capability "CAP_BOGUS"',
    });
  });

  it('runs command + args, args alone, or a default that stays up', () => {
    expect(ephemeralArgv({ command: ['sh', '-c'], args: ['x'] })).toEqual(['sh', '-c', 'x']);
    expect(ephemeralArgv({ args: ['sleep', '1'] })).toEqual(['sleep', '1']);
    expect(ephemeralArgv({})).toEqual(['sleep', 'infinity']);
    expect(ephemeralArgv({ stdin: true })).toEqual(['sh']);
  });
});

// Pure parts of the test API server: selector parsing and matching, Status
// bodies, path parsing, subprotocol choice and the exec pre-flight checks.

import { describe, expect, it } from 'vitest';
import { chooseProtocol, planExec } from './apiserver/exec.ts';
import { validateFixture } from './apiserver/fixture.ts';
import { parseResourcePath } from './apiserver/http.ts';
import { Cluster } from './apiserver/pods.ts';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  requirementsFromLabelSelector,
  SelectorParseError,
} from './apiserver/selectors.ts';
import {
  execInternalError,
  execNonZeroExit,
  execSuccess,
  forbidden,
  internalError,
  notFound,
  ociExecFailure,
  unauthorized,
} from './apiserver/status.ts';
import { humanDuration } from './apiserver/table.ts';

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
    const pending = cluster.podObject(cluster.pod('default', 'pending')!) as Record<string, any>;
    expect(pending.spec.nodeName).toBeUndefined();
    expect(pending.status.containerStatuses[0].state.waiting.reason).toBe('ContainerCreating');
  });
});

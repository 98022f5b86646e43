// Pod lists carrying objects no real cluster stores (the fixture's rawPods,
// served verbatim): the built tool reads the real pods around them, counts
// each bad one as one failure (garbled output when it cannot be a Pod at
// all), gives it an item with its error in -o json, exits 1, and never lets
// their terminal escapes reach the terminal raw or repeats a huge name.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Fixture, RawPod } from './apiserver/cluster/fixture.ts';
import { canMakeNamespaces, identicalPodsFixture, namespacesUnavailableReason } from './apiserver/harness.ts';
import type { ApiServerHandle } from './apiserver/harness.ts';
import { hasKubectl } from './apiserver/kubectl.ts';
import { runCliAsync } from './helpers/cli.js';
import { errorLines } from './helpers/errors.js';
import { ownServer } from './helpers/ownserver.ts';

const skipReason = !hasKubectl ? 'kubectl is not installed' : namespacesUnavailableReason();
if (skipReason) console.warn(`skipping malformed pod tests: ${skipReason}`);

// OSC (retitle the terminal), BEL, CSI 2J (clear it), the C1 CSI, a right-to-left override.
const ESC = '\u001b]0;pwned\u0007\u001b[2J\u009b2J\u202e';
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const HUGE = 'h'.repeat(100_000);

/** A pod as a kubelet would report it running, but for its name or container. */
const running = (name: string, container = 'app') => ({
  kind: 'Pod', apiVersion: 'v1', metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: container, image: 'registry.example/app:1' }] },
  status: { phase: 'Running', containerStatuses: [{ name: container, state: { running: {} } }] },
});

// Listed in key order after a-0..a-2, so items 3 to 11.
const RAW: RawPod[] = [
  { name: 'b-escape', item: running(`b-${ESC}evil`, `app${ESC}`) },
  { name: 'b-escmsg', item: { ...running('b-escmsg'), status: { phase: 'Pending', reason: `Evil${ESC}` } } },
  { name: 'b-huge', item: running(HUGE) },
  { name: 'b-meta', item: { metadata: 'not an object', spec: { containers: [{ name: 'a' }] } } },
  { name: 'b-noname', item: { metadata: { name: 'b-noname', namespace: 'default' }, spec: { containers: [{ image: 'x' }, { name: 'y', image: 'y' }] } } },
  { name: 'b-nospec', item: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'b-nospec', namespace: 'default' }, status: { phase: 'Running' } } },
  { name: 'b-null', item: null },
  { name: 'b-status', item: { ...running('b-status'), status: 'Running' } },
  { name: 'b-types', item: { metadata: { name: 42, namespace: 'default' }, spec: { containers: 'app' } } },
];

const fixture = (): Fixture => ({ pods: identicalPodsFixture({ count: 3, prefix: 'a', trees: 1, processes: 1 }).pods, rawPods: RAW });

const garbled = (index: number, why: string) => `the API server sent item ${index} of the pod list that is not a usable Pod: ${why}`;

/** What each bad item is, in list order: [namespace, pod, error] of its -o json item. */
const FAILED: [string | null, string | null, string][] = [
  // Usable as a Pod: its exec names a pod the API server does not have (no real name carries escapes).
  ['default', `b-${ESC}evil`, `pod "b-${ESC}evil" not found in namespace "default"`],
  ['default', 'b-escmsg', `pod default/b-escmsg is not running (phase Pending: Evil${ESC})`],
  [null, null, garbled(5, 'a metadata name of 100000 characters (at most 253)')],
  [null, null, garbled(6, 'no metadata name and namespace')],
  [null, null, garbled(7, 'pod default/b-noname has spec.containers entries without a name')],
  [null, null, garbled(8, 'pod default/b-nospec has no spec')],
  [null, null, garbled(9, 'null')],
  [null, null, garbled(10, 'pod default/b-status has a status that is not an object')],
  [null, null, garbled(11, 'no metadata name and namespace')],
];
const SUMMARY = 'summary: 12 pods, 12 containers: 3 read, 9 failed (not found 1, not running 1, garbled output 7); ' +
  'findings: 3 critical, 3 warning; levels: 3 privileged, 0 baseline, 0 restricted';

describe.skipIf(!hasKubectl || !canMakeNamespaces())('malformed pods in a list', () => {
  const own = ownServer(fixture);
  let api: ApiServerHandle;
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', api.kubeconfig, ...args]);
  const items = (stdout: string) =>
    (JSON.parse(stdout).items as { namespace: string | null; pod: string | null; pid: number; error: string | null }[]);

  beforeAll(() => {
    api = own.api();
  });

  it('each is one counted failure with an item of its own in -o json; the real pods are read; exit 1', async () => {
    const r = await cli('pods', '--pid', '1', '-o', 'json');
    expect(r.code).toBe(1);
    const all = items(r.stdout);
    expect(all.slice(0, 3).map((i) => [i.pod, i.pid, i.error])).toEqual([['a-0', 1, null], ['a-1', 1, null], ['a-2', 1, null]]);
    expect(all.slice(3).map((i) => [i.namespace, i.pod, i.error])).toEqual(FAILED);
    expect(all.slice(3).every((i) => i.pid === 1)).toBe(true);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(FAILED.length + 1);
    expect(lines.slice(0, -1).every((l) => l.startsWith('error: '))).toBe(true);
    expect(lines.at(-1)).toBe(SUMMARY);
    // As many as kubectl lists: none dropped unsaid.
    const kubectl = own.kubectl(['get', 'pods', '-o', 'json']);
    expect(kubectl.code, kubectl.stderr).toBe(0);
    expect(JSON.parse(kubectl.stdout).items).toHaveLength(all.length);
  });

  it('--chunk-size 2: the same failures, numbered across the whole list, not within a page', async () => {
    const whole = await cli('pods', '--pid', '1', '-o', 'json');
    const paged = await cli('pods', '--pid', '1', '-o', 'json', '--chunk-size', '2');
    expect(paged.code).toBe(1);
    const key = (stdout: string) => items(stdout).map((i) => [i.namespace, i.pod, i.pid, i.error]);
    expect(key(paged.stdout)).toEqual(key(whole.stdout));
    expect(paged.stderr.trimEnd().split('\n').at(-1)).toBe(SUMMARY);
  });

  it.each(['table', 'wide', 'json', 'yaml'])('-o %s: no raw terminal control on stdout or stderr, and no line repeats the huge name', async (output) => {
    const r = await cli('pods', '--pid', '1', ...(output === 'table' ? [] : ['-o', output]));
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stdout).not.toContain(HUGE.slice(0, 254));
    expect(r.stderr).not.toContain(HUGE.slice(0, 254));
    // The escapes are there, made visible.
    expect(r.stderr).toContain('b-\\x1b]0;pwned\\x07\\x1b[2J\\x9b2J\\u202eevil');
    if (output === 'table' || output === 'wide') {
      // A table shows what was read; the failures are on stderr.
      expect(r.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['a-0', 'a-1', 'a-2']);
    }
  });

  it.each([
    ['b-null', 'null'],
    ['b-huge', 'a metadata name of 100000 characters (at most 253)'],
  ])('one named pod that is not a usable Pod (%s): the run\'s one error line', async (pod, why) => {
    const r = await cli(pod, '--pid', '1');
    expect(errorLines(r)).toEqual([`error: the API server sent for pod default/${pod} an object that is not a usable Pod: ${why}`]);
    expect(r.stdout).toBe('');
  });
});

// Sweeps over chunked pod lists, end to end: the built tool against the test
// API server, whose request log shows every page asked for. With
// --chunk-size 2 it sends limit=2 and follows continue, reading every pod
// once, the same pods as --chunk-size 0 and as kubectl lists them. A
// continue token compacted mid-sweep (410 Expired) is followed by the
// inconsistent-list token the Status carries, said once on stderr
// (src/kube/list.ts). A page answered 429 with Retry-After, or dropped, is
// sent again (src/kube/api.ts withRetry); a page that keeps failing ends the
// sweep after the pods listed before it, with one error line, and the cut.
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeContinue } from './apiserver/api/continuetoken.ts';
import type { Fixture } from './apiserver/cluster/fixture.ts';
import { canMakeNamespaces, faultsOf, identicalPodsFixture, namespacesUnavailableReason } from './apiserver/harness.ts';
import type { ApiServerHandle, FaultRule } from './apiserver/harness.ts';
import { hasKubectl } from './apiserver/kubectl.ts';
import { runCliAsync } from './helpers/cli.js';
import { errorLines } from './helpers/errors.js';
import { ownServer } from './helpers/ownserver.ts';

const skipReason = !hasKubectl ? 'kubectl is not installed' : namespacesUnavailableReason();
if (skipReason) console.warn(`skipping chunked sweep tests: ${skipReason}`);

// default: p-0..p-4 (app=p), r-0, r-1 (app=r); other: q-0..q-2 (app=q). Ten pods on three process trees.
const fixture = (): Fixture => {
  const set = (prefix: string, namespace: string, count: number) => identicalPodsFixture({ count, prefix, namespace, trees: 1, processes: 1 }).pods ?? [];
  return { namespaces: ['default', 'other'], pods: [...set('p', 'default', 5), ...set('r', 'default', 2), ...set('q', 'other', 3)] };
};

const ALL = '/api/v1/pods';
const STACK = /^\s+at /m;
const CUT_DOC_END = '\n  ]\n}\n';

/** One pod list request in the server's log: its query and what it got. */
interface ListRequest {
  query: URLSearchParams;
  status: string;
}

describe.skipIf(!hasKubectl || !canMakeNamespaces())('chunked sweeps, end to end', () => {
  // Its request log shows every page asked for.
  const own = ownServer(fixture, { log: true, echo: false });
  let api: ApiServerHandle;

  beforeAll(() => {
    api = own.api();
  });

  /**
   * The built tool, one PID a pod as JSON, with the pod list requests it made
   * (from the server's request log, by time: the tests of this file run one at a time).
   */
  const sweep = async (...args: string[]) => {
    const since = new Date().toISOString();
    const r = await runCliAsync(['--kubeconfig', api.kubeconfig, ...args, '--pid', '1', '-o', 'json']);
    const lists: ListRequest[] = [];
    for (const line of api.stderr().split('\n')) {
      const m = /^\[apiserver (\S+)\] GET (\/api\/v1\/(?:namespaces\/[^/?]+\/)?pods)(?:\?(\S*))? user=\S+ -> (\d{3}|\(connection dropped\))/.exec(line);
      if (m && m[1] >= since) lists.push({ query: new URLSearchParams(m[3] ?? ''), status: m[4] });
    }
    return { ...r, lists };
  };
  const podsOf = (stdout: string): string[] =>
    (JSON.parse(stdout).items as { namespace: string; pod: string }[]).map((i) => `${i.namespace}/${i.pod}`);
  /** What kubectl get pods lists, as namespace/name, in its order. */
  const kubectlPods = (...args: string[]): string[] => {
    const r = own.kubectl(['get', 'pods', ...args, '-o', 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\n"}{end}']);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim().split('\n');
  };
  const withFaults = async <T>(rules: FaultRule | FaultRule[], run: () => Promise<T>): Promise<T> => {
    await faultsOf(api).add(rules);
    try {
      return await run();
    } finally {
      await faultsOf(api).clear();
    }
  };

  it.each([
    ['the bare pods type (one namespace)', ['pods'], [], 7, 4],
    ['-A', ['-A'], ['-A'], 10, 5],
    ['-A -l', ['-A', '-l', 'app in (p,q)'], ['-A', '-l', 'app in (p,q)'], 8, 4],
  ])('%s with --chunk-size 2 reads every pod once, page by page, as --chunk-size 0 and kubectl list them', async (_, args, kubectlArgs, count, pages) => {
    const listed = kubectlPods(...kubectlArgs);
    expect(listed).toHaveLength(count);

    const chunked = await sweep(...args, '--chunk-size', '2');
    expect(chunked.code, chunked.stderr).toBe(0);
    expect(podsOf(chunked.stdout)).toEqual(listed);
    expect(chunked.stderr).toMatch(new RegExp(`^summary: ${count} pods, ${count} containers: ${count} read;`));
    // limit=2 on every page; the first without continue, each later one with the token of the page before.
    expect(chunked.lists.map((l) => [l.query.get('limit'), l.query.has('continue'), l.status]))
      .toEqual([['2', false, '200'], ...Array(pages - 1).fill(['2', true, '200'])]);
    if (args.includes('-l')) expect(chunked.lists.every((l) => l.query.get('labelSelector') === 'app in (p,q)')).toBe(true);

    const whole = await sweep(...args, '--chunk-size', '0');
    expect(whole.code, whole.stderr).toBe(0);
    expect(podsOf(whole.stdout)).toEqual(listed);
    expect(whole.lists.map((l) => [l.query.has('limit'), l.query.has('continue')])).toEqual([[false, false]]);
  });

  it('a continue token compacted mid-sweep: 410 Expired, then on with the token the Status carries, said once; every pod read once', async () => {
    const listed = kubectlPods('-A');
    // Page 2 is throttled once; while the tool waits out the Retry-After, the server compacts: its retry carries an expired token.
    const [rule] = await faultsOf(api).add({ path: ALL, page: 2, fault: 'throttle', retryAfterSeconds: 3 });
    try {
      const running = sweep('-A', '--chunk-size', '2');
      for (let i = 0; i < 200 && (await faultsOf(api).list()).find((f) => f.id === rule.id)?.hits !== 1; i++) await new Promise((r) => setTimeout(r, 25));
      await faultsOf(api).compact();
      const r = await running;
      expect(r.code, r.stderr).toBe(0);
      expect(podsOf(r.stdout)).toEqual(listed);
      expect(r.stderr.trimEnd().split('\n')).toEqual([
        'warning: the API server expired the list of pods after 2 (its continue token was compacted); going on with the ' +
        'inconsistent-list token it gave: objects created, changed or deleted since the list began may be missing or seen twice',
        expect.stringMatching(/^summary: 10 pods, 10 containers: 10 read;/),
      ]);
      expect(r.lists.map((l) => l.status)).toEqual(['200', '429', '410', '200', '200', '200', '200']);
      // Neither restarted nor resent: the request after the 410 carries the Status's token (rv -1), from the page that failed.
      const [, , expired, next] = r.lists;
      expect(decodeContinue(next.query.get('continue')!)).toEqual({ rv: -1, start: decodeContinue(expired.query.get('continue')!).start });
    } finally {
      await faultsOf(api).clear();
    }
  });

  it.each([
    ['a 429 from API Priority and Fairness (Retry-After 1), twice', { fault: 'throttle', retryAfterSeconds: 1, times: 2 }, ['429', '429']],
    ['a 429 Status (storage initializing, Retry-After 1)', { fault: 'throttle-status', retryAfterSeconds: 1 }, ['429']],
    ['a dropped connection, twice', { fault: 'drop', times: 2 }, ['(connection dropped)', '(connection dropped)']],
  ] as const)('page 2 answered with %s: sent again until it is answered, and the read is whole', async (_, fault, failed) => {
    const r = await withFaults({ path: ALL, page: 2, ...fault }, () => sweep('-A', '--chunk-size', '2'));
    expect(r.code, r.stderr).toBe(0);
    expect(podsOf(r.stdout)).toEqual(kubectlPods('-A'));
    expect(r.stderr).toMatch(/^summary: 10 pods, 10 containers: 10 read;[^\n]*\n$/);
    expect(r.lists.map((l) => l.status)).toEqual(['200', ...failed, '200', '200', '200', '200']);
  });

  it('a page that keeps failing (500, which client-go does not retry without Retry-After): the pods listed before it are read, then one error line and the cut; exit 1', async () => {
    const r = await withFaults({ path: ALL, page: 3, fault: 'internal-error' }, () => sweep('-A', '--chunk-size', '2'));
    expect(r.code).toBe(1);
    expect(r.lists.map((l) => l.status)).toEqual(['200', '200', '500']);
    // The document is left open: the items before the failure, whole.
    expect(() => JSON.parse(r.stdout)).toThrow();
    expect(podsOf(r.stdout + CUT_DOC_END)).toEqual(['default/p-0', 'default/p-1', 'default/p-2', 'default/p-3']);
    expect(r.stderr).toBe(
      'error: listing pods stopped at page 3, after 4 pods read: list pods (all): Internal error occurred: etcdserver: request timed out (HTTP 500)\n' +
      'error: the output was cut after 4 items: the read failed part way; it is not the whole sweep\n');
  });

  it('a page throttled past ten retries: eleven requests for it, then the same end, in APF\'s words', async () => {
    const r = await withFaults({ path: ALL, page: 2, fault: 'throttle', retryAfterSeconds: 0, times: 11 }, () => sweep('-A', '--chunk-size', '2'));
    expect(r.code).toBe(1);
    expect(r.lists.map((l) => l.status)).toEqual(['200', ...Array(11).fill('429')]);
    expect(podsOf(r.stdout + CUT_DOC_END)).toEqual(['default/p-0', 'default/p-1']);
    expect(r.stderr).toBe(
      'error: listing pods stopped at page 2, after 2 pods read: list pods (all): the API server answered HTTP 429: Too many requests, please try again later.\n' +
      'error: the output was cut after 2 items: the read failed part way; it is not the whole sweep\n');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('the first page fails: nothing was read, so that is the run\'s one error line', async () => {
    const r = await withFaults({ path: '/api/v1/namespaces/default/pods', page: 1, fault: 'internal-error' }, () => sweep('pods', '--chunk-size', '2'));
    expect(errorLines(r)).toEqual(['error: list pods default: Internal error occurred: etcdserver: request timed out (HTTP 500)']);
    expect(r.stdout).toBe('');
  });
});

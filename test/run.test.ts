// The whole command in memory: app() and run() with an Io of buffers and
// sources of captured status texts, so every exit code, interrupt and error
// mapping is checked without root, a cluster or a network.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { app } from '../src/app.js';
import { CliError } from '../src/errors.js';
import type { Interrupt, Io } from '../src/io.js';
import { HOST_POLICY, type FindingPolicy } from '../src/judge/policy.js';
import { failureOf, retryDelay, withRetry } from '../src/kube/api.js';
import type { Cluster } from '../src/kube/config.js';
import { ApiError, networkError } from '../src/kube/errors.js';
import { asPod, checkRunning, resolveContainer, type Pod } from '../src/kube/pod.js';
import { failure } from '../src/record/failure.js';
import { failedRecord, type ProcRecord } from '../src/record/record.js';
import type { Batch, Source, SourceContext } from '../src/sources/source.js';
import { podPolicy } from '../src/sources/policy.js';
import { failedAt, statusRecord } from './helpers/records.js';

const text = (name: string) => readFileSync(new URL(`fixtures/status/${name}`, import.meta.url), 'utf8');
const BASELINE = text('baseline-pod-6.18.txt'); // PID 1 is sleep: no SIGTERM handler
const RESTRICTED = text('restricted-pod-6.18.txt');
const WEB = { namespace: 'default', pod: 'web', container: 'app' };
const POLICY: FindingPolicy = podPolicy({ metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app' }] } }, { name: 'app' });

/** An Io of buffers; `interrupt` plays a signal arriving. */
function memoryIo(o: { stdoutThrows?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const handlers = new Set<(why: Interrupt) => void>();
  const io: Io = {
    stdout: {
      write(t: string) {
        if (o.stdoutThrows) throw Object.assign(new Error(o.stdoutThrows), { code: o.stdoutThrows });
        out.push(t);
      },
    },
    stderr: { write: (t: string) => err.push(t) },
    env: {},
    cwd: process.cwd(),
    now: () => Date.parse('2026-12-06T00:00:00Z'),
    onInterrupt(h) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
  };
  return {
    io,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    interrupt: (why: Interrupt) => [...handlers].forEach((h) => h(why)),
    listening: () => handlers.size,
  };
}

/** A source of fixed batches; `after` runs once they are yielded (to wait for an interrupt, say). */
function fixed(batches: Batch[], after?: (ctx: SourceContext) => Promise<void>): { source: Source; cleaned: () => boolean; asked: () => boolean } {
  let cleaned = false;
  let asked = false;
  return {
    source: {
      async *read(ctx) {
        asked = true;
        try {
          for (const b of batches) yield b;
          await after?.(ctx);
        } finally {
          cleaned = true;
        }
      },
    },
    cleaned: () => cleaned,
    asked: () => asked,
  };
}

const batch = (records: ProcRecord[], policy = POLICY, failures: Batch['failures'] = []): Batch =>
  ({ unit: { node: null, ...WEB }, items: records.map((record) => ({ record, policy })), failures, warnings: [] });

async function cli(argv: string[], batches: Batch[], o: Parameters<typeof memoryIo>[0] = {}) {
  const m = memoryIo(o);
  const s = fixed(batches);
  const code = await app(argv, m.io, async () => s.source);
  return { code, stdout: m.stdout(), stderr: m.stderr(), asked: s.asked() };
}

describe('exit codes', () => {
  const ok = [batch([statusRecord(WEB, 1, RESTRICTED)])];

  it('0: everything read; the document is whole', async () => {
    const r = await cli(['-l', 'app=web', '--pid', '1', '-o', 'json'], ok);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).items[0]).toMatchObject({ pod: 'web', pid: 1, error: null });
    expect(r.stderr).toMatch(/^summary: 1 pod, 1 container: 1 read; findings: 0 critical, 1 warning; levels: 0 privileged, 0 baseline, 1 restricted\n$/);
  });

  it('1: a read failed; what was read still prints, and the failure is one line', async () => {
    const f = failure('forbidden', { node: null, namespace: 'default', pod: 'db', container: 'app' }, 'pods "db" is forbidden: nope', 'check with: kubectl auth can-i');
    const r = await cli(['-A', '--pid', '1'], [...ok, { ...batch([], POLICY, [f]), unit: f.where }]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: default\/db \(container app\): pods "db" is forbidden: nope$/m);
    expect(r.stderr).toMatch(/^hint: check with: kubectl auth can-i$/m);
    expect(r.stderr).toMatch(/summary: 2 pods, 2 containers: 1 read, 1 failed \(forbidden 1\)/);
    // A sweep is a list, even of one process: rows, never the detail view.
    expect(r.stdout).toMatch(/^NAMESPACE\s+POD\s+CONTAINER\s+PID\s+NAME/);
    expect(r.stdout).toMatch(/^default\s+web\s+app\s+1\s+sleep\s/m);
  });

  it('one PID of one pod: the detail view', async () => {
    const r = await cli(['web', '--pid', '1'], ok);
    expect(r.stdout).toMatch(/^Process: 1 \(sleep\)\s+pod default\/web, container app/);
  });

  it('1: a process of its own that is gone says so once, with where', async () => {
    const r = await cli(['web', '--pid', '1,7'], [batch([statusRecord(WEB, 1, RESTRICTED), failedAt(WEB, 7, 'no such process')])]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: pid 7 in default/web (container app): no such process\n');
  });

  it('2: bad usage, and a template that cannot compile, before any source is asked', async () => {
    for (const argv of [['--pid', 'x'], ['--pid', '1', '-o', 'jsonpath={.items['], ['-A', '--pid', '1', '--sort-by', '{.items[']]) {
      const r = await cli(argv, ok);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(/^error: /);
      expect(r.asked, argv.join(' ')).toBe(false);
      expect(r.stdout).toBe('');
    }
  });

  it('3: --fail-on finds what it looks for; --require-level finds a lower level', async () => {
    const baseline = [batch([statusRecord(WEB, 1, BASELINE)])];
    expect((await cli(['web', '--pid', '1', '--fail-on', 'warning'], baseline)).code).toBe(3);
    expect((await cli(['web', '--pid', '1', '--fail-on', 'critical'], baseline)).code).toBe(0);
    expect((await cli(['web', '--pid', '1', '--require-level', 'restricted'], baseline)).code).toBe(3);
    expect((await cli(['web', '--pid', '1', '--require-level', 'baseline'], baseline)).code).toBe(0);
    // A failure outranks findings.
    expect((await cli(['web', '--pid', '1,7', '--fail-on', 'warning'], [batch([statusRecord(WEB, 1, BASELINE), failedAt(WEB, 7, 'gone')])])).code).toBe(1);
  });

  it('the run\'s one error, when the source fails before anything is read: its line, its hint, its code', async () => {
    const m = memoryIo();
    const code = await app(['web', '--pid', '1'], m.io, async () => ({
      // eslint-disable-next-line require-yield
      async *read() {
        throw new CliError('pod "web" not found in namespace "default"', 'a hint', 'not found');
      },
    }));
    expect(code).toBe(1);
    expect(m.stderr()).toBe('error: pod "web" not found in namespace "default"\nhint: a hint\n');
    expect(m.stdout()).toBe('');
  });
});

describe('interrupts', () => {
  /** A sweep that yields one batch, then waits to be stopped, and notes whether its cleanup ran. */
  function interruptible() {
    const m = memoryIo();
    let hurried = false;
    const s = fixed([batch([statusRecord(WEB, 1, RESTRICTED)])], async (ctx) => {
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      // Cleanup that waits, cut short by a second interrupt (which may have come already).
      await new Promise<void>((resolve) => {
        if (ctx.hurry.aborted) {
          hurried = true;
          return resolve();
        }
        ctx.hurry.addEventListener('abort', () => {
          hurried = true;
          resolve();
        }, { once: true });
        setTimeout(resolve, 50);
      });
    });
    return { m, s, hurried: () => hurried };
  }

  it.each([['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129], ['SIGQUIT', 131]] as const)('%s: %i, after the source cleaned up; a document is left open and said to be cut', async (sig, code) => {
    const { m, s } = interruptible();
    const running = app(['-A', '--pid', '1', '-o', 'json'], m.io, async () => s.source);
    await new Promise((r) => setTimeout(r, 20));
    m.interrupt(sig);
    expect(await running).toBe(code);
    expect(s.cleaned()).toBe(true);
    expect(m.stdout()).toMatch(/^\{\n {2}"kind": "ProcStatusList",\n {2}"items": \[\n {4}\{/);
    expect(() => JSON.parse(m.stdout())).toThrow();
    expect(m.stderr()).toMatch(new RegExp(`error: the output was cut after 1 item: interrupted \\(${sig}\\)`));
    expect(m.stderr()).not.toMatch(/summary:/);
    expect(m.listening()).toBe(0);
  });

  it('a second interrupt tells the cleanup to stop waiting', async () => {
    const { m, s, hurried } = interruptible();
    const running = app(['-A', '--pid', '1'], m.io, async () => s.source);
    await new Promise((r) => setTimeout(r, 20));
    m.interrupt('SIGINT');
    m.interrupt('SIGINT');
    expect(await running).toBe(130);
    expect(hurried()).toBe(true);
  });

  it('a read the interrupt cut short is not said as its pod\'s failure, nor counted among the items written', async () => {
    const m = memoryIo();
    const db = { node: null, namespace: 'default', pod: 'db', container: 'app' };
    const stopped = failure('interrupted', db, 'interrupted');
    const s = fixed([batch([statusRecord(WEB, 1, RESTRICTED)])], async (ctx) => {
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
    });
    // The batch the source yields after the interrupt: db's exec, ended by it.
    const source: Source = {
      async *read(ctx) {
        yield* s.source.read(ctx);
        yield { unit: db, items: [{ record: failedRecord(db, 1, stopped), policy: POLICY }], failures: [stopped], warnings: [] };
      },
    };
    const running = app(['-A', '--pid', '1', '-o', 'json'], m.io, async () => source);
    await new Promise((r) => setTimeout(r, 20));
    m.interrupt('SIGINT');
    expect(await running).toBe(130);
    expect(m.stderr()).toBe('error: the output was cut after 1 item: interrupted (SIGINT); it is not the whole sweep\n');
    expect(m.stdout()).not.toMatch(/"db"/);
  });

  it('141: the reader of stdout is gone (| head); the source still cleans up, and nothing is said', async () => {
    const m = memoryIo({ stdoutThrows: 'EPIPE' });
    const s = fixed([batch([statusRecord(WEB, 1, RESTRICTED)]), batch([statusRecord(WEB, 1, RESTRICTED)])],
      async (ctx) => {
        if (!ctx.signal.aborted) await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      });
    const code = await app(['-A', '--pid', '1', '-o', 'json'], m.io, async () => s.source);
    expect(code).toBe(141);
    expect(s.cleaned()).toBe(true);
    expect(m.stderr()).toBe('');
  });

  it('another write error is the run\'s error, not a stack trace', async () => {
    const m = memoryIo({ stdoutThrows: 'ENOSPC' });
    const s = fixed([batch([statusRecord(WEB, 1, RESTRICTED)])]);
    const code = await app(['-A', '--pid', '1', '-o', 'json'], m.io, async () => s.source);
    expect(code).toBe(1);
    expect(m.stderr()).toMatch(/^error: ENOSPC/);
  });
});

describe('sources stream; the run never holds a sweep', () => {
  it('items are written batch by batch, in the order the source gives them', async () => {
    const m = memoryIo();
    const seen: string[] = [];
    const origWrite = m.io.stdout.write;
    m.io.stdout.write = (t: string) => {
      seen.push(t);
      return origWrite(t);
    };
    const pods = ['a', 'b', 'c'].map((pod) => batch([statusRecord({ ...WEB, pod }, 1, RESTRICTED)]));
    const code = await app(['-A', '--pid', '1', '-o', 'json'], m.io, async () => fixed(pods).source);
    expect(code).toBe(0);
    // One write per batch, then the end of the document.
    expect(seen).toHaveLength(4);
    expect(JSON.parse(m.stdout()).items.map((i: { pod: string }) => i.pod)).toEqual(['a', 'b', 'c']);
  });

  it('local reads are judged as the host\'s processes', async () => {
    const m = memoryIo();
    const code = await app(['--pid', '1', '-o', 'json'], m.io, async () => fixed([{ unit: null, items: [{ record: statusRecord({}, 1, BASELINE), policy: HOST_POLICY }], failures: [], warnings: [] }]).source);
    expect(code).toBe(0);
    const doc = JSON.parse(m.stdout());
    expect(doc.items[0].findings.map((f: { id: string }) => f.id)).not.toContain('pid1-ignores-sigterm');
    expect(doc).not.toHaveProperty('pods');
  });
});

describe('container resolution', () => {
  const pod = (extra: Partial<Pod['spec']> = {}, annotations?: Record<string, string>): Pod => ({
    metadata: { name: 'p', namespace: 'n', annotations },
    spec: { containers: [{ name: 'app' }, { name: 'side' }], initContainers: [{ name: 'setup' }], ...extra },
  });

  it('-c by name in any list, by index into spec.containers; the default and kubectl\'s notice', () => {
    expect(resolveContainer(pod(), 'side')).toEqual({ name: 'side', kind: 'container', notice: null });
    expect(resolveContainer(pod(), 'setup')).toEqual({ name: 'setup', kind: 'init', notice: null });
    expect(resolveContainer(pod(), '1')).toEqual({ name: 'side', kind: 'container', notice: null });
    expect(resolveContainer(pod(), null)).toEqual({ name: 'app', kind: 'container', notice: 'Defaulted container "app" out of: app, side, setup (init)' });
    expect(resolveContainer(pod({}, { 'kubectl.kubernetes.io/default-container': 'side' }), null).name).toBe('side');
    expect(resolveContainer(pod({}, { 'kubectl.kubernetes.io/default-container': 'gone' }), null).notice)
      .toBe('Default container name "gone" not found in pod p\nDefaulted container "app" out of: app, side, setup (init)');
    expect(resolveContainer({ metadata: { name: 'p', namespace: 'n' }, spec: { containers: [{ name: 'only' }] } }, null).notice).toBeNull();
  });

  it('an unknown name or an index out of range lists the choices', () => {
    expect(() => resolveContainer(pod(), 'nope')).toThrow('container "nope" not found in pod n/p: containers: [0] app, [1] side; init: setup');
    expect(() => resolveContainer(pod(), '5')).toThrow('container index 5 is out of range for pod n/p');
    expect(() => resolveContainer(pod({ containers: [] }), null)).toThrow('pod n/p has no containers');
  });
});

describe('running checks', () => {
  const pod = (status: Pod['status']): Pod => ({ metadata: { name: 'p', namespace: 'n' }, spec: { containers: [{ name: 'app' }] }, status });
  const app1 = { name: 'app', kind: 'container' as const };

  it('a running container passes; otherwise the phase, or the container\'s state and reason', () => {
    expect(() => checkRunning(pod({ phase: 'Running', containerStatuses: [{ name: 'app', state: { running: {} } }] }), app1)).not.toThrow();
    expect(() => checkRunning(pod({ phase: 'Succeeded' }), app1)).toThrow('pod n/p is not running (phase Succeeded)');
    expect(() => checkRunning(pod({ phase: 'Pending', containerStatuses: [{ name: 'app', state: { waiting: { reason: 'ImagePullBackOff' } } }] }), app1))
      .toThrow('pod n/p is not running (phase Pending); container "app" is waiting: ImagePullBackOff');
    expect(() => checkRunning(pod({ phase: 'Running', containerStatuses: [{ name: 'app', state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m' } } }] }), app1))
      .toThrow('container "app" of pod n/p is not running: waiting (CrashLoopBackOff): back-off 5m');
    expect(() => checkRunning(pod({ phase: 'Running', containerStatuses: [{ name: 'app', state: { terminated: { reason: 'Error', exitCode: 2 } } }] }), app1))
      .toThrow('container "app" of pod n/p is not running: terminated (Error, exit code 2)');
    expect(() => checkRunning(pod({ phase: 'Running' }), app1)).toThrow('has no status yet');
  });

  it('an object that cannot be a Pod is one line that says why, and never repeats a name longer than Kubernetes allows', () => {
    const spec = { containers: [{ name: 'app' }] };
    const bad = (value: unknown) => {
      try {
        asPod(value, 'item 3 of the pod list');
      } catch (err) {
        return err as CliError;
      }
      throw new Error('accepted');
    };
    expect(bad(null)).toMatchObject({ kind: 'garbled output', message: 'the API server sent item 3 of the pod list that is not a usable Pod: null' });
    expect(bad({ metadata: { name: 'p', namespace: 'n' } }).message).toMatch(/pod n\/p has no spec$/);
    expect(bad({ metadata: { name: 'x'.repeat(254), namespace: 'n' }, spec }).message).toMatch(/: a metadata name of 254 characters \(at most 253\)$/);
    expect(bad({ metadata: { name: 'p', namespace: 'n'.repeat(64) }, spec }).message).toMatch(/: a metadata namespace of 64 characters \(at most 63\)$/);
    expect(asPod({ metadata: { name: 'x'.repeat(253), namespace: 'n'.repeat(63) }, spec }, 'it').metadata.name).toHaveLength(253);
  });
});

describe('API and network failures, as the user reads them', () => {
  const cluster = { server: 'https://api.example:6443', context: 'prod' } as Cluster;
  const what = { verb: 'get', resource: 'pods', namespace: 'default', name: 'web' };
  const said = (err: unknown) => failureOf(err, cluster, what, 30_000);

  it('401, 403, 404 and the rest', () => {
    expect(said(new ApiError(401, null))).toMatchObject({ kind: 'unauthorized', message: expect.stringMatching(/rejected the credentials of context "prod"/) });
    expect(said(new ApiError(403, { message: 'pods "web" is forbidden: User "x" cannot get resource "pods"' })))
      .toMatchObject({ kind: 'forbidden', message: 'pods "web" is forbidden: User "x" cannot get resource "pods"', hint: 'check with: kubectl auth can-i get pods -n default' });
    expect(said(new ApiError(404, null))).toMatchObject({ kind: 'not found', message: 'pod "web" not found in namespace "default"' });
    expect(said(new ApiError(500, { message: 'etcd is down' }))).toMatchObject({ kind: 'HTTP 500', message: 'get pods default/web: etcd is down (HTTP 500)' });
    // A list names no object; APF's 429 is plain text, without a Status to quote.
    const list = (namespace: string, err: ApiError) => failureOf(err, cluster, { verb: 'list', resource: 'pods', namespace, name: '' }, 30_000).message;
    expect(list('(all)', new ApiError(500, { message: 'etcd is down' }))).toBe('list pods (all): etcd is down (HTTP 500)');
    expect(list('default', new ApiError(429, null, 1))).toBe('list pods default: the API server answered HTTP 429');
    // A body that is not a Status is quoted by its first line, as client-go does; a bare 403 is not RBAC's.
    expect(list('default', new ApiError(500, null, null, 'EOF'))).toBe('list pods default: the API server answered HTTP 500: EOF');
    expect(said(new ApiError(403, null, null, 'Forbidden'))).toMatchObject({
      kind: 'forbidden',
      message: 'get pods default/web: the API server answered HTTP 403: Forbidden (no Kubernetes Status: not RBAC)',
      hint: expect.stringMatching(/kubectl proxy refuses exec and attach unless started with --reject-paths='\^\$'/),
    });
  });

  it('sockets and TLS: one line naming the server', () => {
    const net = (code: string, message = code) => networkError(Object.assign(new Error(message), { code }), cluster.server, 30_000);
    expect(net('ECONNREFUSED')).toMatchObject({ kind: 'unreachable', message: 'cannot connect to the API server https://api.example:6443: connection refused' });
    expect(net('ENOTFOUND').message).toBe('cannot resolve the API server https://api.example:6443: ENOTFOUND');
    expect(net('ECONNRESET').message).toBe('the connection to the API server https://api.example:6443 was reset');
    expect(net('PROCSTATUS_TIMEOUT')).toMatchObject({ kind: 'timeout', message: 'the API server https://api.example:6443 did not answer within 30s (--request-timeout)' });
    expect(net('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate')).toMatchObject({ kind: 'tls' });
    expect(said(Object.assign(new Error('x'), { code: 'ABORT_ERR' }))).toMatchObject({ kind: 'interrupted' });
  });

  it('retries where client-go retries: Retry-After on 429 and 5xx; a reset only for GETs and exec upgrades', () => {
    expect(retryDelay(new ApiError(429, null, 2), false)).toBe(2);
    expect(retryDelay(new ApiError(503, null, 1), false)).toBe(1);
    expect(retryDelay(new ApiError(429, null, null), true)).toBeNull();
    expect(retryDelay(new ApiError(409, null, 1), true)).toBeNull();
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(retryDelay(reset, true)).toBe(1);
    expect(retryDelay(reset, false)).toBeNull();
  });

  it('withRetry: sends again after Retry-After, at most 10 times, then says what failed', async () => {
    let calls = 0;
    const flaky = async () => {
      if (++calls < 3) throw new ApiError(429, { message: 'Too many requests' }, 0);
      return 'ok';
    };
    expect(await withRetry(cluster, what, { timeoutMs: 30_000 }, flaky)).toBe('ok');
    expect(calls).toBe(3);
    calls = 0;
    const always = async () => {
      calls++;
      throw new ApiError(429, { message: 'Too many requests, please try again later.' }, 0);
    };
    await expect(withRetry(cluster, what, { timeoutMs: 30_000 }, always)).rejects.toThrow(/Too many requests/);
    expect(calls).toBe(11);
  });

  it('withRetry: a wait past --request-timeout is not waited for', async () => {
    let calls = 0;
    const slow = async () => {
      calls++;
      throw new ApiError(429, { message: 'Too many requests' }, 60);
    };
    await expect(withRetry(cluster, what, { timeoutMs: 5_000 }, slow)).rejects.toThrow(/Too many requests/);
    expect(calls).toBe(1);
  });
});

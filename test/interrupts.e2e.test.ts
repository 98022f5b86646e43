// Interrupts, end to end: the built tool stopped by a signal while it reads.
// A node read (node/NAME --debug-image) has created a hostPID reader pod;
// every way out deletes it before the exit (src/sources/janitor.ts), saying
// so, and the exit code is 128 + the signal (src/io.ts INTERRUPT_EXIT). A
// second Ctrl-C stops waiting for that deletion, which is still sent, and
// names what may be left. A pod sweep cut short leaves its output as
// documented: -o json open (not a whole document), a table with the rows it
// had, and a line on stderr saying it was cut. (SIGINT while waiting for the
// reader pod is in node.e2e.test.ts.)
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from './apiserver/client.ts';
import type { Fixture } from './apiserver/cluster/fixture.ts';
import { canMakeNamespaces, cgroupsUnavailableReason, faultsOf, identicalPodsFixture, namespacesUnavailableReason, startApiServer } from './apiserver/harness.ts';
import type { ApiServerHandle } from './apiserver/harness.ts';
import { BUNDLE, cliEnv } from './helpers/cli.js';
import { expectNoReaders, READER_LABEL, readerPods } from './helpers/readers.js';

const nodeSkip = cgroupsUnavailableReason();
const sweepSkip = namespacesUnavailableReason();
if (sweepSkip || nodeSkip) console.warn(`skipping interrupt tests: ${sweepSkip || `node reads: ${nodeSkip}`}`);

const STACK = /^\s+at /m;
const CUT_DOC_END = '\n  ]\n}\n';

/** One pod for the node's reader to see, and a namespace whose last pod's exec never answers: a sweep that is still running. */
const fixture = (): Fixture => ({
  namespaces: ['default', 'sweep'],
  pods: [
    ...(identicalPodsFixture({ count: 1, prefix: 'single', trees: 1, processes: 1 }).pods ?? []),
    ...(identicalPodsFixture({ count: 3, prefix: 'a', namespace: 'sweep', trees: 1, processes: 1 }).pods ?? []),
    {
      metadata: { name: 'z-hang', namespace: 'sweep', labels: { app: 'hang' } },
      spec: { containers: [{ name: 'app', image: 'registry.example/procstatus/app:1.0', run: { sharesProcessesOf: 'a-0/app' } }] },
      fault: 'hang-exec',
    },
  ],
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The built tool, running; its output as it comes. */
function start(args: string[]) {
  const child = spawn(BUNDLE, args, { env: cliEnv() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    /** Waits until `ready` holds (checked every 50 ms), or fails the test with what was seen. */
    async until(what: string, ready: () => boolean | Promise<boolean>, tries = 400) {
      for (let i = 0; i < tries; i++) {
        if (await ready()) return;
        if (child.exitCode !== null) break;
        await sleep(50);
      }
      throw new Error(`never saw ${what}; exit ${child.exitCode}\nstdout:\n${stdout.slice(-2000)}\nstderr:\n${stderr}`);
    },
  };
}

describe.skipIf(!canMakeNamespaces())('interrupts, end to end', () => {
  let api: ApiServerHandle;
  /** A node read that waits for its reader pod (its image cannot be pulled), started and seen to have created the pod. */
  const nodeRead = async () => {
    const run = start(['--kubeconfig', api.kubeconfig, 'node/node-1', '--all-pids', '--debug-image', 'nonexistent', '--request-timeout', '60s']);
    let pod = '';
    await run.until('the reader pod', async () => {
      [pod = ''] = await readerPods(api);
      return pod !== '';
    });
    return { ...run, pod: pod.replace(/^default\//, '') };
  };
  const notice = (pod: string) =>
    `Deleting the reader pod default/${pod} before exiting; interrupt again to stop waiting (it may then be left behind).\n`;

  beforeAll(async () => {
    api = await startApiServer({ fixture: fixture() });
  });
  afterAll(async () => {
    await api?.stop();
  });

  describe.skipIf(!!nodeSkip)('node/NAME: the reader pod is deleted on every way out', () => {
    it.each([['SIGTERM', 143], ['SIGHUP', 129], ['SIGQUIT', 131]] as const)('%s: it says it is deleting the pod, deletes it, then exits %i', async (signal, code) => {
      const run = await nodeRead();
      run.child.kill(signal);
      expect(await run.exited).toBe(code);
      // The DELETE was answered before the exit: the pod is gone or going, not left for its own deadline.
      const r = await request(api, 'GET', `/api/v1/namespaces/default/pods/${run.pod}`);
      expect(r.status === 404 || r.body?.metadata?.deletionTimestamp !== undefined, r.text).toBe(true);
      expect(run.stderr()).toBe(notice(run.pod));
      expect(run.stdout()).toBe('');
      await expectNoReaders(api);
    });

    it('Ctrl-C twice in a row: exits 130, and the pod is deleted all the same (its DELETE is sent before the exit)', async () => {
      const run = await nodeRead();
      run.child.kill('SIGINT');
      // Two signals sent at once may arrive as one: the second follows the first's notice.
      await run.until('the deleting notice', () => run.stderr().includes(notice(run.pod)));
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(130);
      const more = run.stderr().slice(notice(run.pod).length);
      // Whether the second Ctrl-C came before the DELETE's answer is a race; if it did, the pod is named as maybe left.
      if (more) {
        expect(more).toBe(
          `error: interrupted again: stopped waiting for the deletion of default/${run.pod} (label ${READER_LABEL}); they may be left behind\n` +
          `hint: delete them with: kubectl delete pods -A -l ${READER_LABEL}\n`);
      }
      await expectNoReaders(api);
    });

    it('a second Ctrl-C while the API server holds the DELETE back (429, Retry-After 20 s): stops waiting at once and names the pod left, with the command to delete it', async () => {
      const run = await nodeRead();
      const [rule] = await faultsOf(api).add({ path: '/api/v1/namespaces/default/pods/*', method: 'DELETE', fault: 'throttle', retryAfterSeconds: 20 });
      try {
        run.child.kill('SIGINT');
        // The DELETE got its 429: the tool now waits out the Retry-After.
        await run.until('the throttled DELETE', async () => (await faultsOf(api).list()).find((f) => f.id === rule.id)?.hits === 1);
        run.child.kill('SIGINT');
        expect(await run.exited).toBe(130);
        expect(run.stderr()).toBe(notice(run.pod) +
          `error: interrupted again: stopped waiting for the deletion of default/${run.pod} (label ${READER_LABEL}); they may be left behind\n` +
          `hint: delete them with: kubectl delete pods -A -l ${READER_LABEL}\n`);
        // As said: the API server refused the one DELETE that was sent, so the pod is still there.
        expect(await readerPods(api)).toEqual([`default/${run.pod}`]);
      } finally {
        await faultsOf(api).clear();
        await request(api, 'DELETE', `/api/v1/namespaces/default/pods/${run.pod}`);
      }
      await expectNoReaders(api);
    });
  });

  describe.skipIf(!!sweepSkip)('a pod sweep cut by Ctrl-C', () => {
    const sweep = (...args: string[]) => start(['--kubeconfig', api.kubeconfig, '-n', 'sweep', 'pods', '--pid', '1', '--request-timeout', '60s', ...args]);
    const cutLine = 'error: the output was cut after 3 items: interrupted (SIGINT); it is not the whole sweep\n';

    it('-o json: the items read so far, whole, in a document left open; stderr says it was cut; exit 130', async () => {
      const run = sweep('-o', 'json');
      // a-0..a-2 are read; z-hang's exec never answers.
      await run.until('three items', () => (run.stdout().match(/^ {6}"pod": "a-\d"/gm) ?? []).length === 3 && run.stdout().endsWith('\n    }'));
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(130);
      const out = run.stdout();
      expect(() => JSON.parse(out)).toThrow();
      // Open, not broken: closing the array and the object gives the items as they were written.
      const doc = JSON.parse(out + CUT_DOC_END);
      expect(doc.items.map((i: { pod: string; pid: number; error: string | null }) => [i.pod, i.pid, i.error]))
        .toEqual([['a-0', 1, null], ['a-1', 1, null], ['a-2', 1, null]]);
      expect(run.stderr()).toContain(cutLine);
      expect(run.stderr()).not.toMatch(/^summary:/m);
      expect(run.stderr()).not.toMatch(STACK);
    });

    it('a table: the rows it held, laid out, and the same line on stderr', async () => {
      // One read at a time: when z-hang's exec starts (-v says so), a-0..a-2 are read.
      const run = sweep('--max-concurrency', '1', '-v');
      await run.until('the exec into z-hang', () => run.stderr().includes('debug: exec sweep/z-hang -c app:'));
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(130);
      const lines = run.stdout().trimEnd().split('\n');
      expect(lines[0]).toMatch(/^POD\s+CONTAINER\s+PID\s+NAME\s/);
      expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 4))).toEqual([0, 1, 2].map((i) => [`a-${i}`, 'app', '1', 'sleep']));
      expect(run.stderr()).toContain(cutLine);
      expect(run.stderr()).not.toMatch(/^summary:/m);
      expect(run.stderr()).not.toMatch(STACK);
    });
  });
});

import { CliError } from '../errors.js';
import type { Cluster } from '../kube/config.js';
import { CreateRefused, deleteReaderPod, MANAGED_BY, MANAGED_BY_LABEL } from '../kube/node-pod.js';
import { failure } from '../record/failure.js';
import type { SourceContext } from './source.js';

/** A pod this run created, or may have (a create that timed out). */
interface Tracked {
  namespace: string;
  name: string;
  creating: Promise<unknown> | null;
  /** The API server refused the create: nothing exists (a 409 names a pod that is not this run's). */
  refused: boolean;
  /** The create failed without an answer: the pod may appear after the failure. */
  ambiguous: boolean;
}

/**
 * What a run creates, it deletes: each reader pod when its node is done, and
 * whatever is left when the read ends, however it ends (an error, Ctrl-C,
 * SIGTERM, SIGHUP, SIGQUIT, a closed output: the run stops the read and
 * drains this before it exits). While it waits after an interrupt it says so;
 * a second interrupt (ctx.hurry) stops the wait and names what is left and
 * how to delete it. It stops waiting for the answers, not for the requests:
 * a DELETE not yet written (Ctrl-C pressed twice in a row) is still sent,
 * within a moment, since a pod whose DELETE was never sent is surely left.
 * A pod that cannot be deleted fails the run: a hostPID pod left behind must
 * fail a CI job.
 */
export class Janitor {
  private readonly live = new Set<Tracked>();
  private readonly pending = new Set<Promise<void>>();
  /** Created or maybe created, and not yet known to be gone. */
  private readonly undeleted = new Set<Tracked>();
  /** Deletions under way, and for each when its DELETE has been written (or it ended without one). */
  private readonly deleting = new Map<Tracked, Promise<void>>();

  constructor(private readonly cluster: Cluster, private readonly timeoutMs: number,
    private readonly ctx: Pick<SourceContext, 'notice' | 'fail' | 'signal' | 'hurry' | 'log'>) {}

  track(namespace: string, name: string): Tracked {
    const t: Tracked = { namespace, name, creating: null, refused: false, ambiguous: false };
    this.live.add(t);
    this.undeleted.add(t);
    return t;
  }

  /** The create of a tracked pod: remembered, so a deletion waits for it, and its failure says whether anything exists. */
  async creating<T>(t: Tracked, create: Promise<T>): Promise<T> {
    t.creating = create;
    try {
      return await create;
    } catch (err) {
      if (err instanceof CreateRefused) t.refused = true;
      else t.ambiguous = true;
      throw err;
    }
  }

  /** Delete one pod; a failure is said with the command that finishes the job, and fails the run. */
  release(t: Tracked): Promise<void> {
    if (!this.live.delete(t)) return Promise.resolve();
    if (t.refused) {
      this.undeleted.delete(t);
      return Promise.resolve();
    }
    // A deletion must not wait forever on an API server that has stopped answering.
    const limit = this.timeoutMs > 0 ? Math.min(this.timeoutMs, 30_000) : 30_000;
    let written = () => {};
    this.deleting.set(t, new Promise<void>((resolve) => (written = resolve)));
    const work = (async () => {
      if (t.creating) await Promise.race([t.creating.catch(() => {}), sleep(limit)]);
      let outcome = await deleteReaderPod(this.cluster, t.namespace, t.name, limit, written);
      // A create that timed out may still be stored after this DELETE found nothing: look again, briefly.
      for (let retry = 0; t.ambiguous && outcome === 'absent' && retry < 3; retry++) {
        await sleep(1000);
        outcome = await deleteReaderPod(this.cluster, t.namespace, t.name, limit);
      }
      if (outcome instanceof CliError) {
        this.ctx.fail(failure('failed', { node: null, namespace: t.namespace, pod: t.name, container: null },
          `the reader pod ${t.namespace}/${t.name} could not be deleted: ${outcome.message}`,
          `delete it with: kubectl delete pod -n ${t.namespace} ${t.name}`));
      } else {
        this.undeleted.delete(t);
        this.ctx.log(`pod ${t.namespace}/${t.name}: ${outcome}`);
      }
    })();
    this.pending.add(work);
    return work.finally(() => {
      written();
      this.deleting.delete(t);
      this.pending.delete(work);
    });
  }

  /**
   * Delete one pod and wait for it, until an interrupt: from then on drain()
   * waits for it, says so and stops waiting on a second interrupt. Waited for
   * here, a deletion stalled by the API server would hold the run without a
   * word, deaf to Ctrl-C.
   */
  async done(t: Tracked): Promise<void> {
    const deleting = this.release(t);
    const signal = this.ctx.signal;
    if (signal.aborted) return;
    let interrupted = () => {};
    const stop = new Promise<void>((resolve) => {
      interrupted = () => resolve();
      signal.addEventListener('abort', interrupted, { once: true });
    });
    try {
      await Promise.race([deleting, stop]);
    } finally {
      signal.removeEventListener('abort', interrupted);
    }
  }

  /** Delete everything still live and wait for every deletion, or until a second interrupt says to stop waiting. */
  async drain(): Promise<void> {
    const all = Promise.all([...[...this.live].map((t) => this.release(t)), ...this.pending]).then(() => 'done' as const);
    if (this.ctx.signal.aborted && this.deleting.size > 0) {
      const names = [...this.deleting.keys()].map((t) => `${t.namespace}/${t.name}`);
      this.ctx.notice(`Deleting the reader pod${names.length === 1 ? '' : 's'} ${names.join(', ')} ` +
        `before exiting; interrupt again to stop waiting (${names.length === 1 ? 'it' : 'they'} may then be left behind).`);
    }
    const hurried = new Promise<'hurry'>((resolve) => {
      if (this.ctx.hurry.aborted) resolve('hurry');
      this.ctx.hurry.addEventListener('abort', () => resolve('hurry'), { once: true });
    });
    if ((await Promise.race([all, hurried])) === 'done') return;
    // Stop waiting for the answers, but let each DELETE be written first (briefly: a create still in flight holds it back).
    await Promise.race([Promise.all(this.deleting.values()), sleep(SEND_WAIT_MS)]);
    const names = [...this.undeleted].map((t) => `${t.namespace}/${t.name}`);
    if (names.length === 0) return;
    this.ctx.fail(failure('interrupted', { node: null, namespace: null, pod: null, container: null },
      `interrupted again: stopped waiting for the deletion of ${names.join(', ')} (label ${MANAGED_BY_LABEL}=${MANAGED_BY}); they may be left behind`,
      `delete them with: kubectl delete pods -A -l ${MANAGED_BY_LABEL}=${MANAGED_BY}`));
  }
}

/** How long a second interrupt still waits for DELETEs to be written (not answered). */
const SEND_WAIT_MS = 2000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

// Output streams as shells hand them over: a pipe closed early (| head -1) and
// a full disk (> /dev/full). No path prints a stack trace.
import { spawnSync } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';
import { BUNDLE, cliEnv } from './helpers/cli.ts';

const cluster = inject('cluster');
const STACK = /^\s+at /m;

/** Runs `BUNDLE args | head -1` under bash with pipefail: the tool's own status, and its stderr. */
function intoHead(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync('bash', ['-c', 'set -o pipefail; "$@" 2>/tmp/procstatus-stderr.$$ | head -1 >/dev/null; s=$?; cat /tmp/procstatus-stderr.$$ >&2; rm -f /tmp/procstatus-stderr.$$; exit $s', 'bash', BUNDLE, ...args],
    { env: cliEnv(env), encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stderr: r.stderr };
}

describe('a pipe closed early', () => {
  it('local --all-pids -o json | head -1: quiet, and the status a shell reports for kubectl there (141, SIGPIPE)', () => {
    const r = intoHead(['--all-pids', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(141);
  });

  it.skipIf(!cluster)('a sweep: -A --all-pids -o json | head -1', () => {
    const r = intoHead(['-A', '--all-pids', '-o', 'json', '--kubeconfig', cluster!.kubeconfig]);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).not.toMatch(/EPIPE/);
    // The output never reached the end: no summary says it was whole.
    expect(r.stderr).not.toMatch(/^summary:/m);
    expect(r.code).toBe(141);
  });

  it.skipIf(!cluster)('a sweep whose whole document is written at once (one pod, 400 processes): the closed pipe is noticed before the summary', () => {
    const r = intoHead(['-l', 'app=busy', '--all-pids', '-o', 'json', '--kubeconfig', cluster!.kubeconfig]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(141);
  });
});

describe('a write error other than a closed pipe', () => {
  it('> /dev/full: one error line, exit 1, no stack trace', () => {
    const r = spawnSync('bash', ['-c', '"$@" > /dev/full', 'bash', BUNDLE, '--all-pids', '-o', 'json'], { env: cliEnv(), encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot write the output: ENOSPC/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(STACK);
  });
});

// kubectl_complete-procstatus: the flags it learns from --help, how it reads
// the words typed so far, its answers with stub lookups, and end to end
// through the real kubectl (`kubectl __complete procstatus ...`) against the
// test API server.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { complete, COMPLETION_TIMEOUT_MS, formatCompletion, type ClusterChoice, type Lookups } from '../src/completion/complete.ts';
import { FLAG_SPECS } from '../src/completion/flags.ts';
import { readWords } from '../src/completion/words.ts';
import type { Pod } from '../src/kube/pod.ts';
import { namespacesUnavailableReason } from './apiserver/harness.ts';
import { BUNDLE, runCli } from './helpers/cli.ts';

const COMPLETER = join(dirname(BUNDLE), 'kubectl_complete-procstatus');
const help = runCli(['--help']).stdout;
const flags = FLAG_SPECS;
const flag = (long: string) => flags.find((f) => f.long === long);

describe('flags: one table for the parser, --help and completion', () => {
  test('completion knows exactly the flags --help lists, with their aliases', () => {
    const options = help.slice(help.indexOf('\nOptions:'), help.indexOf('\nExamples:'));
    const longs = [...options.matchAll(/^ {2}(?:-\w, | {4})--([\w-]+)/gm)].map((m) => m[1]);
    expect(longs.length).toBeGreaterThan(10);
    expect(flags.map((f) => f.long)).toEqual(longs);
    for (const m of options.matchAll(/^ {2}-(\w), --([\w-]+)/gm)) expect(flag(m[2])?.short, m[2]).toBe(m[1]);
  });

  test('the flags the brief names, with the right kinds and values', () => {
    const expectFlag = (long: string, short: string | null, takesValue: boolean) => {
      expect(flag(long), long).toMatchObject({ short, takesValue });
    };
    expectFlag('pod', 'p', true);
    expectFlag('pid', null, true);
    expectFlag('all-pids', null, false);
    expectFlag('container', 'c', true);
    expectFlag('namespace', 'n', true);
    expectFlag('context', null, true);
    expectFlag('kubeconfig', null, true);
    expectFlag('request-timeout', null, true);
    expectFlag('capabilities', null, false);
    expectFlag('signals', null, false);
    expectFlag('output', 'o', true);
    expectFlag('no-headers', null, false);
    expectFlag('max-bytes', null, true);
    expectFlag('verbose', 'v', false);
    expectFlag('help', 'h', false);
    expectFlag('version', null, false);
    expect(flag('pid')!.repeatable).toBe(true);
    expect(flag('output')!.values).toEqual(['table', 'wide', 'json', 'yaml', 'sarif', 'junit', 'jsonpath=', 'jsonpath-file=', 'jsonpath-as-json=', 'custom-columns=', 'custom-columns-file=']);
    expect(flag('fail-on')!.values).toEqual(['warning', 'critical']);
  });
});

describe('reading the words typed so far', () => {
  test('flags with values in every form, booleans, positionals, and a flag waiting for its value', () => {
    const w = readWords(['web', '-n', 'other', '--context=prod', '-cfoo', '--all-pids', '--pid', '1', '--pid=2', '-v', '--', '-x', '--output'], flags);
    expect(w.positionals).toEqual(['web', '-x', '--output']);
    expect(Object.fromEntries(w.given)).toEqual({
      namespace: ['other'], context: ['prod'], container: ['foo'], 'all-pids': ['true'], pid: ['1', '2'], verbose: ['true'],
    });
    expect(w.pending).toBeNull();
    expect(readWords(['-n'], flags).pending?.long).toBe('namespace');
    expect(readWords(['--kubeconfig'], flags).pending?.long).toBe('kubeconfig');
    expect(readWords(['--signals'], flags).pending).toBeNull();
  });
});

describe('answers', () => {
  const pod = (name: string, phase = 'Running'): Pod => ({
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'app' }, { name: 'sidecar' }], initContainers: [{ name: 'init' }], ephemeralContainers: [{ name: 'dbg' }] },
    status: { phase },
  });
  const calls: string[] = [];
  const lookups: Lookups = {
    contexts: async () => ['prod', 'test'],
    namespaces: async (c) => {
      calls.push(`namespaces ${c.context}`);
      return ['default', 'other'];
    },
    pods: async (c: ClusterChoice, ns) => {
      calls.push(`pods ${c.kubeconfig} ${c.context} ${ns} ${c.timeoutMs}`);
      return ns === 'other' ? [pod('web2')] : [pod('web'), pod('worker'), pod('done', 'Succeeded'), pod('gone', 'Failed'), pod('new', 'Pending')];
    },
    pod: async (_c, ns, name) => {
      calls.push(`pod ${ns} ${name}`);
      return pod(name);
    },
  };
  const answer = async (...args: string[]) => formatCompletion(await complete(args, flags, lookups));

  test('pod names, by prefix, in the namespace and context on the line, finished pods left out', async () => {
    expect(await answer('')).toBe('web\nworker\nnew\n:4\n');
    expect(await answer('w')).toBe('web\nworker\n:4\n');
    calls.length = 0;
    expect(await answer('-n', 'other', '--kubeconfig', '/k', '--context', 'prod', '--request-timeout', '2s', '')).toBe('web2\n:4\n');
    expect(calls).toEqual(['pods /k prod other 2000']);
    calls.length = 0;
    await answer('--request-timeout', '1m', '');
    expect(calls).toEqual([`pods null null null ${COMPLETION_TIMEOUT_MS}`]);
    expect(await answer('--pod', '')).toBe('web\nworker\nnew\n:4\n');
  });

  test('no pod name once one is given, or when -l or -A stands for the pods', async () => {
    expect(await answer('web', '')).toBe(':4\n');
    expect(await answer('-p', 'web', '')).toBe(':4\n');
    expect(await answer('-l', 'app=web', '')).toBe(':4\n');
    expect(await answer('-A', '')).toBe(':4\n');
  });

  test('containers (names and indexes) once a pod is given, from the pod in its namespace', async () => {
    calls.length = 0;
    expect(await answer('web', '-n', 'other', '-c', '')).toBe(
      'app\tcontainer\nsidecar\tcontainer\ninit\tinit container\ndbg\tephemeral container\n0\tapp\n1\tsidecar\n:4\n');
    expect(calls).toEqual(['pod other web']);
    expect(await answer('-c', '')).toBe(':4\n');
    expect(await answer('deploy/web', '-c', '')).toBe(':4\n');
    expect(await answer('--pod=web', '--container=s')).toBe('sidecar\tcontainer\n:4\n');
  });

  test('namespaces, contexts, -o values, files for --kubeconfig', async () => {
    expect(await answer('-n', '')).toBe('default\nother\n:4\n');
    expect(await answer('--namespace=o')).toBe('other\n:4\n');
    expect(await answer('--context', 'p')).toBe('prod\n:4\n');
    expect(await answer('-o', '')).toBe('table\nwide\njson\nyaml\nsarif\njunit\njsonpath=\njsonpath-file=\njsonpath-as-json=\ncustom-columns=\ncustom-columns-file=\n:6\n');
    expect(await answer('-o', 'cu')).toBe('custom-columns=\ncustom-columns-file=\n:6\n');
    expect(await answer('--output=y')).toBe('yaml\n:4\n');
    expect(await answer('--kubeconfig', '')).toBe(':0\n');
    expect(await answer('--pid', '')).toBe(':4\n');
  });

  test('flag names with descriptions; -<TAB> adds the short ones; a given flag is not offered again unless it repeats', async () => {
    expect(await answer('--no')).toBe('--no-headers\tomit table headers\n:4\n');
    const all = (await answer('-')).split('\n').map((l) => l.split('\t')[0]);
    expect(all).toContain('-n');
    expect(all).toContain('--namespace');
    const after = (await answer('-n', 'x', '--pid', '1', '--')).split('\n').map((l) => l.split('\t')[0]);
    expect(after).not.toContain('--namespace');
    expect(after).toContain('--pid');
  });

  test('a description never breaks the line format', () => {
    expect(formatCompletion({ candidates: [{ value: 'a', description: 'x\ty\nz' }], directive: 4 })).toBe('a\tx y z\n:4\n');
  });
});

describe('through kubectl (kubectl __complete procstatus ...)', () => {
  // The suite's shared fixture cluster (test/setup/cluster.global.ts), or null where it cannot run.
  const api = inject('cluster');
  const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'procstatus-completion-test-')));
  const bin = join(scratch, 'bin');

  beforeAll(async () => {
    mkdirSync(bin);
    // kubectl finds the plugin and its completion program on PATH, as `npm install -g` leaves them.
    symlinkSync(BUNDLE, join(bin, 'kubectl-procstatus'));
    symlinkSync(COMPLETER, join(bin, 'kubectl_complete-procstatus'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const kubectl = (...args: string[]) => {
    const r = spawnSync('kubectl', ['__complete', 'procstatus', ...args], {
      env: {
        PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`,
        HOME: scratch,
        KUBECONFIG: api?.kubeconfig ?? join(scratch, 'none'),
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    // kubectl's own debug lines go to stderr; the completion program adds nothing there.
    const ours = r.stderr.split('\n').filter((l) => l && !l.startsWith('[Debug]') && !l.startsWith('Completion ended with directive'));
    expect(ours, r.stderr).toEqual([]);
    const lines = r.stdout.split('\n').filter(Boolean);
    return { values: lines.slice(0, -1).map((l) => l.split('\t')[0]), directive: lines[lines.length - 1] };
  };

  test('flags and -o values, with no cluster at all', () => {
    expect(kubectl('--na')).toEqual({ values: ['--namespace'], directive: ':4' });
    expect(kubectl('-o', '')).toEqual({ values: ['table', 'wide', 'json', 'yaml', 'sarif', 'junit', 'jsonpath=', 'jsonpath-file=', 'jsonpath-as-json=', 'custom-columns=', 'custom-columns-file='], directive: ':6' });
    expect(kubectl('--kubeconfig', '')).toEqual({ values: [], directive: ':0' });
  });

  test('--context values even when the current context is broken (a user no file defines)', () => {
    const file = join(scratch, 'broken-current');
    writeFileSync(file, JSON.stringify({
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
      contexts: [{ name: 'broken', context: { cluster: 'c', user: 'ghost' } }, { name: 'good', context: { cluster: 'c' } }],
      'current-context': 'broken',
    }));
    expect(kubectl('--kubeconfig', file, '--context', '')).toEqual({ values: ['broken', 'good'], directive: ':4' });
  });

  describe('against the test API server', () => {
    test('pods of the context\'s namespace, of -n, and of --context\'s namespace', (ctx) => {
      if (!api) ctx.skip(namespacesUnavailableReason());
      const pods = kubectl('');
      expect(pods.directive).toBe(':4');
      expect(pods.values).toContain('web');
      expect(pods.values).toContain('single');
      expect(pods.values).not.toContain('done'); // Succeeded
      expect(pods.values).not.toContain('web2');
      expect(kubectl('we').values).toEqual(['web']);
      expect(kubectl('-n', 'other', '').values).toEqual(['web2']);
      expect(kubectl('--namespace=other', '').values).toEqual(['web2']);
      expect(kubectl('--context', 'other-ns', '').values).toEqual(['web2']);
    });

    test('containers and indexes of the pod on the line', (ctx) => {
      if (!api) ctx.skip(namespacesUnavailableReason());
      // Other e2e files may add ephemeral (debug) containers to the shared cluster's pods: those come after init.
      const web = kubectl('web', '-c', '');
      expect(web.directive).toBe(':4');
      expect(web.values.slice(0, 3)).toEqual(['app', 'sidecar', 'init']);
      expect(web.values.slice(-2)).toEqual(['0', '1']);
      const web2 = kubectl('-n', 'other', 'web2', '--container', '');
      expect([web2.values[0], web2.values[web2.values.length - 1]]).toEqual(['app', '0']);
      expect(kubectl('db-0', '-c', 'd').values).toEqual(expect.arrayContaining(['db', 'debugger']));
    });

    test('namespaces and contexts', (ctx) => {
      if (!api) ctx.skip(namespacesUnavailableReason());
      expect(kubectl('-n', '').values).toEqual(['baseline-ns', 'bogus-ns', 'default', 'empty', 'other', 'privileged-ns', 'restricted-ns']);
      expect(kubectl('--context', '').values).toEqual(expect.arrayContaining(['test', 'other-ns', 'nopods']));
    });

    test('forbidden, unauthorized and unreachable clusters give an empty answer, quickly, with nothing on stderr', (ctx) => {
      if (!api) ctx.skip(namespacesUnavailableReason());
      for (const context of ['nopods', 'bad-token', 'refused', 'wrong-ca']) {
        const started = Date.now();
        expect(kubectl('--context', context, ''), context).toEqual({ values: [], directive: ':4' });
        expect(Date.now() - started, context).toBeLessThan(COMPLETION_TIMEOUT_MS + 2000);
      }
      expect(kubectl('nosuchpod', '-c', '')).toEqual({ values: [], directive: ':4' });
    });
  });
});

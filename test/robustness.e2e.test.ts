// Failures as kubectl users meet them, from other runtimes and other
// operating systems: each is one error line (plus a hint), the documented
// exit code, and no stack trace.
import { describe, expect, inject, it } from 'vitest';
import { containerRecords, interpret } from '../src/read/container.js';
import { at } from './helpers/records.js';
import { readSpec } from '../src/read/files.js';
import { runCliAsync } from './helpers/cli.ts';

const cluster = inject('cluster');
const STACK = /^\s+at /m;

describe.skipIf(!cluster)('images without cat on CRI-O', () => {
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', cluster!.kubeconfig, ...args]);

  it.each(['crio-distroless', 'crun-distroless'])('%s: recognised as an image without cat, with the --debug-image hint', async (pod) => {
    const r = await cli(pod, '--pid', '1');
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^error: container "app" of pod default/${pod} has no "cat" to run \\(a distroless or scratch image\\?\\)`));
    expect(lines[1]).toMatch(/^hint: .*--debug-image busybox:1\.36/);
    expect(lines).toHaveLength(2);
    expect(r.stderr).not.toMatch(STACK);
  });
});

describe.skipIf(!cluster)('Windows pods', () => {
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', cluster!.kubeconfig, '-v', ...args]);

  it.each(['windows', 'windows-selector'])('%s: refused before any exec, in one line that says why', async (pod) => {
    const r = await cli(pod, '--pid', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: pod default/${pod} runs on Windows, which has no /proc`, 'm'));
    // -v shows every request: the pod GET, and no exec.
    expect(r.stderr).not.toMatch(/debug: exec /);
    expect(r.stderr).not.toMatch(/hcs::/);
  });

  it('in a sweep, a Windows pod is one counted failure and the rest is read', async () => {
    const r = await runCliAsync(['--kubeconfig', cluster!.kubeconfig, '-l', 'app in (windows,web)', '--pid', '1', '-o', 'json']);
    expect(r.code).toBe(1);
    const items = JSON.parse(r.stdout).items as { pod: string; error: string | null }[];
    expect(items.find((i) => i.pod === 'web')?.error).toBeNull();
    expect(items.find((i) => i.pod === 'windows')?.error).toMatch(/Windows/);
    expect(r.stderr).toMatch(/unsupported os 1/);
  });
});

describe.skipIf(!cluster)("kubectl's Defaulted container notice", () => {
  it('one regular container plus an ephemeral one: the notice, as kubectl prints it', async () => {
    const r = await runCliAsync(['--kubeconfig', cluster!.kubeconfig, 'db-0', '--pid', '1', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('Defaulted container "db" out of: db, debugger (ephem)\n');
  });

  it('one container and nothing else: no notice', async () => {
    const r = await runCliAsync(['--kubeconfig', cluster!.kubeconfig, 'single', '--pid', '1', '-o', 'json']);
    expect(r.stderr).toBe('');
  });
});

describe.skipIf(!cluster)('limits, end to end', () => {
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', cluster!.kubeconfig, ...args]);

  it('a container repeating a key 170,000 times: one short warning line, and the read still works', async () => {
    const r = await cli('repeater', '--pid', '1', '-o', 'json');
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warning: default\/repeater \(container app\): repeated keys ignored \(pid 1: CapEff\)$/);
    // The first value counts, never a later one.
    expect(JSON.parse(r.stdout).items[0].capabilities.effective.names).toEqual([]);
  });

  it('--request-timeout 600h: past what a timer holds, it means no limit, with no warning', async () => {
    const r = await cli('single', '--pid', '1', '--request-timeout', '600h', '-o', 'json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('a flag without its value, and a name against Kubernetes rules, are usage errors', async () => {
    for (const [args, gist] of [[['single', '--pid', '1', '-c'], /flag needs an argument: 'c' in -c/],
      [['single', '--pid', '1', '-n', 'Not_A_Namespace'], /invalid namespace "Not_A_Namespace"/]] as const) {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^error: .*(${gist.source})`));
      expect(r.stderr).not.toMatch(STACK);
    }
  });
});

describe('what is said about one container is bounded', () => {
  it('a key repeated 170,000 times gives one short warning line', () => {
    const B = '0b8a4f5c-1d2e-4f60-9a7b-8c9d0e1f2a3b\n';
    const status = 'Name:\tsh\nPid:\t1\n' + 'CapEff:\t0000000000000000\n'.repeat(170_000);
    const spec = readSpec([1], false);
    // One frame per file asked (stat shares status's), then one per per-container file.
    const frames = spec.files.filter((f) => f !== 'stat').length + spec.shared.length;
    const stdout = B + [status, ...Array(frames - 1).fill('')].map((t) => t + B).join('');
    const target = { pod: 'p', namespace: 'n', container: 'c' };
    const r = interpret(target, at(target), spec,
      { stdout, stderr: '', status: { status: 'Success' }, truncated: false, failure: null, maxBytes: 1 << 26 });
    expect(containerRecords(at(target), r, spec, null)[0].capabilities!.effective.names).toEqual([]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0].length).toBeLessThan(300);
  });
});

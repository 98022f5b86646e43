import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli/args.js';
import { parseDuration } from '../src/cli/duration.js';

const run = async (argv: string) => parseArgs(argv.split(' ').filter(Boolean));
const options = async (argv: string) => {
  const parsed = await run(argv);
  if (parsed.kind !== 'run') throw new Error(`expected options, got ${JSON.stringify(parsed)}`);
  return parsed.options;
};

describe('parseArgs', () => {
  it('pod as argument or -p, PIDs repeated and comma-listed, deduplicated', async () => {
    expect(await options('web --pid 1,7 --pid 42 --pid 7')).toMatchObject({ target: { kind: 'pod', name: 'web' }, pids: [1, 7, 42] });
    expect(await options('-p web --pid 1')).toMatchObject({ target: { kind: 'pod', name: 'web' } });
    expect(await options('--pid 1')).toMatchObject({ target: null, namespace: null, selector: null, allNamespaces: false });
  });

  it('workload references, selectors and sweeps', async () => {
    expect((await options('deploy/web --pid 1')).target).toEqual({ kind: 'deployment', name: 'web' });
    expect((await options('sts/db --pid 1')).target).toEqual({ kind: 'statefulset', name: 'db' });
    expect((await options('ds/agent --pid 1')).target).toEqual({ kind: 'daemonset', name: 'agent' });
    expect((await options('job/once --pid 1')).target).toEqual({ kind: 'job', name: 'once' });
    expect((await options('pod/web --pid 1')).target).toEqual({ kind: 'pod', name: 'web' });
    expect(await options('-l app=web --pid 1 --all-containers --max-concurrency 3 --fail-on warning --threads'))
      .toMatchObject({ target: null, selector: 'app=web', allContainers: true, maxConcurrency: 3, failOn: 'warning', threads: true });
    expect(await options('-A --all-pids')).toMatchObject({ allNamespaces: true, pids: 'all' });
  });

  it('the bare pods type, as kubectl get pods: every pod of the namespace; -l \'\' selects everything as kubectl does', async () => {
    for (const type of ['pods', 'po', 'pod', 'PODS']) {
      expect(await options(`${type} -n shop --pid 1`)).toMatchObject({ target: null, selector: '', namespace: 'shop', allNamespaces: false });
    }
    expect(await options('pods -l app=web --pid 1')).toMatchObject({ target: null, selector: 'app=web' });
    expect(await options('pods -A --pid 1')).toMatchObject({ target: null, allNamespaces: true });
    // A pod named "pods" is still reachable by its type.
    expect((await options('pod/pods --pid 1')).target).toEqual({ kind: 'pod', name: 'pods' });
    expect(await parseArgs(['-l', '', '--pid', '1'])).toMatchObject({ kind: 'run', options: { selector: '', target: null } });
    expect(await run('pods -p web --pid 1')).toMatchObject({ kind: 'usage-error', message: 'the POD argument "pods" and --pod "web" disagree' });
  });

  it('kubectl flags', async () => {
    const o = await options('web --pid 1 -n kube-system -c 1 --context prod --kubeconfig /k -o json --no-headers -v --request-timeout 5s');
    expect(o).toMatchObject({ namespace: 'kube-system', container: '1', context: 'prod', kubeconfig: '/k',
      output: { format: 'json', template: null }, noHeaders: true, verbose: true, requestTimeoutMs: 5000 });
  });

  it('filters: neither means both', async () => {
    expect((await options('--pid 1')).show).toEqual({ capabilities: true, signals: true });
    expect((await options('--pid 1 --signals')).show).toEqual({ capabilities: false, signals: true });
  });

  it('--all-pids', async () => {
    expect((await options('web --all-pids')).pids).toBe('all');
  });

  it.each([
    ['web', /--pid is required/],
    ['web --pid 0', /positive integer/],
    ['web --pid -5', /positive integer/],
    ['web --pid abc', /not a number/],
    ['web --pid 1,,2', /empty entry/],
    ['web --pid 1.5', /not a number/],
    ['web --pid 99999999999', /larger than the kernel's limit/],
    ['web --pid 1 --all-pids', /either --pid or --all-pids/],
    ['web --pid 1 -o xml', /unable to match a printer suitable for the output format "xml"/],
    ['web --pid 1 -o jsonpath', /template format specified but no template given/],
    ['web --pid 1 -n', /^flag needs an argument: 'n' in -n$/],
    ['web --pid 1 --namespace', /^flag needs an argument: --namespace$/],
    ['web --pid', /^flag needs an argument: --pid$/],
    ['web --pid 1 --max-bytes abc', /^invalid argument "abc" for "--max-bytes" flag: strconv.ParseInt: parsing "abc": invalid syntax$/],
    ['-A --pid 1 --chunk-size -5', /^invalid --chunk-size -5/],
    ['-A --pid 1 --chunk-size x', /^invalid argument "x" for "--chunk-size" flag/],
    ['web --pid 1 --output.foo x', /^unknown flag: --output.foo$/],
    ['web --pid 1 --kubeconfig.x y', /^unknown flag: --kubeconfig.x$/],
    ['web --pid 1 --sort-by.x y', /^unknown flag: --sort-by.x$/],
    ['web --pid 1 -A=maybe', /^invalid argument "maybe" for "-A, --all-namespaces" flag: strconv.ParseBool/],
    ['web --pid 1 -x', /^unknown shorthand flag: 'x' in -x$/],
    ['web --pid 1 -n Bad_Name', /invalid namespace "Bad_Name"/],
    ['web --pid 1 -c Bad_Name', /invalid container name "Bad_Name"/],
    ['web --pid 1 --debug-when always', /--debug-when needs --debug-image/],
    ['web --pid 1 --request-timeout 1y', /invalid --request-timeout/],
    ['web --pid 1 --request-timeout soon', /invalid --request-timeout/],
    ['web other --pid 1', /at most one POD/],
    ['web -p other --pid 1', /disagree/],
    ['--pid 1 -c app', /--container needs a pod/],
    ['Web_Pod --pid 1', /invalid pod name/],
    ['web --pid 1 --bogus', /^unknown flag: --bogus$/],
    ['svc/web --pid 1', /unknown resource type "svc"/],
    ['web -l app=web --pid 1', /either a name or -l/],
    ['web -A --pid 1', /across all namespaces/],
    ['-A -n x --pid 1', /either -n or -A/],
    ['web -c app --all-containers --pid 1', /either -c or --all-containers/],
    ['-l app=web --pid 1 --fail-on info', /invalid --fail-on/],
    ['-l app=web --pid 1 --max-concurrency 0', /--max-concurrency/],
    ['--pid 1 --all-containers', /needs a pod, -l or -A/],
  ])('%s → usage error', async (argv, message) => {
    const parsed = await run(argv);
    expect(parsed.kind).toBe('usage-error');
    expect(parsed.kind === 'usage-error' && parsed.message).toMatch(message);
  });

  it('help names the plugin as kubectl invokes it', async () => {
    const parsed = await run('--help');
    expect(parsed.kind).toBe('help');
    expect(parsed.kind === 'help' && parsed.text).toContain('kubectl procstatus');
  });

  it('help explains the words tables use: the compact sets, the FINDINGS cell, and baseline*', async () => {
    const parsed = await run('--help');
    const text = parsed.kind === 'help' ? parsed.text : '';
    expect(text).toMatch(/default\+NET_ADMIN, default-NET_RAW/);
    expect(text).toMatch(/exceeds-spec\(C\)x3/);
    expect(text).toMatch(/^ {2}baseline\* rests on the spec for a control the kernel could show/m);
    // Help is read in a terminal: no line wider than kubectl's own help.
    for (const line of text.split('\n').filter((l) => !l.startsWith('  kubectl ') && !/^\s+-/.test(l))) expect(line.length, line).toBeLessThanOrEqual(130);
  });
});

describe('parseDuration', () => {
  it.each([['0', 0], ['30', 30_000], ['500ms', 500], ['1m30s', 90_000], ['1h', 3_600_000]])('%s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
  it('rejects garbage', () => {
    expect(parseDuration('1x')).toBeNull();
    expect(parseDuration('')).toBeNull();
  });
});

describe('limits past what a timer holds', () => {
  it('--request-timeout 600h is accepted and means no limit, as a timer cannot hold it', async () => {
    const parsed = await parseArgs(['web', '--pid', '1', '--request-timeout', '600h']);
    expect(parsed.kind === 'run' && parsed.options.requestTimeoutMs).toBe(0);
    const fine = await parseArgs(['web', '--pid', '1', '--request-timeout', '24h']);
    expect(fine.kind === 'run' && fine.options.requestTimeoutMs).toBe(86_400_000);
  });

  it('no arguments at all: a short usage with examples, not an error', async () => {
    const parsed = await parseArgs([]);
    expect(parsed.kind).toBe('usage');
    expect(parsed.kind === 'usage' && parsed.text).toMatch(/Examples:[\s\S]*kubectl procstatus my-pod --pid 1/);
  });
});

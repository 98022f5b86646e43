import yargs from 'yargs';
import { parseDuration } from './duration.js';
import type { Severity } from './findings.js';
import {
  DEFAULT_MAX_BYTES, DEFAULT_MAX_CONCURRENCY, DEFAULT_REQUEST_TIMEOUT_MS, PID_MAX_LIMIT,
  type OutputFormat, type Parsed,
} from './options.js';
import { isName, parseTarget, type Target } from './target.js';

const OUTPUTS: OutputFormat[] = ['table', 'wide', 'json', 'yaml'];

/** argv (without node and script) → Parsed. Pure: prints nothing, exits nothing. */
export function parseArgs(argv: string[]): Promise<Parsed> {
  const parser = yargs()
    .scriptName('kubectl procstatus')
    .usage(
      [
        'Decode /proc/<pid>/status of processes in a pod (over the exec websocket) or on this',
        'machine: capabilities as CAP_* names, signal masks as SIG* names.',
        '',
        'Usage:',
        '  kubectl procstatus [POD | TYPE/NAME] (--pid PID[,PID...] | --all-pids) [flags]',
        '  kubectl procstatus (-l SELECTOR | -A) (--pid PID | --all-pids) [flags]',
      ].join('\n'),
    )
    .example('kubectl procstatus my-pod --pid 1', 'PID 1 of the default container of my-pod')
    .example('kubectl procstatus my-pod -c 1 --pid 1,7', 'two PIDs of the second container, one exec')
    .example('kubectl procstatus my-pod --all-pids --capabilities', 'every process, capabilities only')
    .example('kubectl procstatus deploy/web --pid 1 --fail-on=warning', 'PID 1 of every pod of a deployment; exit 3 on findings')
    .example('kubectl procstatus -A --all-pids --capabilities -o json', 'every process of every pod in the cluster')
    .example('kubectl procstatus --pid 1 --signals', 'PID 1 of this machine, signals only')
    .option('pid', { type: 'string', array: true, describe: 'PID to read; repeatable, or a comma list' })
    .option('all-pids', { type: 'boolean', describe: 'every process of the container (or of this machine)' })
    .option('threads', { type: 'boolean', describe: 'one row per thread (/proc/PID/task/TID/status): SigBlk and SigPnd are per thread' })
    .option('pod', { alias: 'p', type: 'string', describe: 'pod name (same as the POD argument)' })
    .option('container', { alias: 'c', type: 'string', describe: 'container name, or 0-based index into spec.containers' })
    .option('all-containers', { type: 'boolean', describe: 'every running container of each pod' })
    .option('selector', { alias: 'l', type: 'string', describe: 'pods matching this label selector, e.g. app=web' })
    .option('all-namespaces', { alias: 'A', type: 'boolean', describe: 'pods in every namespace' })
    .option('max-concurrency', { type: 'number', describe: 'containers read at once in a sweep', default: DEFAULT_MAX_CONCURRENCY })
    .option('debug-image', { type: 'string', describe: 'read through an ephemeral debug container of this image (e.g. busybox:1.36) when the container has no cat or sh; it stays in the pod' })
    .option('debug-when', { type: 'string', describe: 'with --debug-image: fallback (when the read fails) or always', default: 'fallback' })
    .option('fail-on', { type: 'string', describe: 'exit 3 when a finding of this severity or higher is present: warning|critical' })
    .option('namespace', { alias: 'n', type: 'string', describe: "namespace (default: the context's, else default)" })
    .option('context', { type: 'string', describe: 'kubeconfig context to use' })
    .option('kubeconfig', { type: 'string', describe: 'path to the kubeconfig file' })
    .option('request-timeout', {
      type: 'string',
      describe: 'limit for each API request and exec, e.g. 10s, 1m; 0 for none',
      default: `${DEFAULT_REQUEST_TIMEOUT_MS / 1000}s`,
    })
    .option('capabilities', { type: 'boolean', describe: 'show capabilities only' })
    .option('signals', { type: 'boolean', describe: 'show signals only' })
    .option('output', { alias: 'o', type: 'string', describe: 'table|wide|json|yaml', default: 'table' })
    .option('no-headers', { type: 'boolean', describe: 'omit table headers' })
    .option('max-bytes', { type: 'number', describe: 'most bytes read from one exec', default: DEFAULT_MAX_BYTES })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'debug lines on stderr' })
    .help('help')
    .alias('help', 'h')
    .version(false)
    .option('version', { type: 'boolean', describe: 'print the version' })
    .strictOptions()
    .parserConfiguration({ 'boolean-negation': false, 'camel-case-expansion': true })
    .wrap(null);

  return new Promise((resolve) => {
    parser.parse(argv, {}, (err, args, output) => {
      if (err) return resolve({ kind: 'usage-error', message: firstLine(err.message) });
      if (args.help) return resolve({ kind: 'help', text: output });
      if (args.version) return resolve({ kind: 'version' });
      resolve(toOptions(args as unknown as RawArgs));
    });
  });
}

interface RawArgs {
  _: (string | number)[];
  pid?: string[];
  threads?: boolean;
  allContainers?: boolean;
  selector?: string;
  allNamespaces?: boolean;
  maxConcurrency: number;
  failOn?: string;
  debugImage?: string;
  debugWhen: string;
  allPids?: boolean;
  pod?: string;
  container?: string;
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  requestTimeout: string;
  capabilities?: boolean;
  signals?: boolean;
  output: string;
  noHeaders?: boolean;
  maxBytes: number;
  verbose?: boolean;
}

function toOptions(a: RawArgs): Parsed {
  const fail = (message: string): Parsed => ({ kind: 'usage-error', message });
  const positional = a._.map(String);
  if (positional.length > 1) return fail(`expected at most one POD argument, got ${positional.length}: ${positional.join(' ')}`);
  if (positional.length === 1 && a.pod !== undefined && a.pod !== positional[0]) {
    return fail(`the POD argument "${positional[0]}" and --pod "${a.pod}" disagree`);
  }
  const named = positional[0] ?? a.pod ?? null;
  let target: Target | null = null;
  if (named !== null) {
    const parsed = parseTarget(named);
    if (typeof parsed === 'string') return fail(parsed);
    target = parsed;
  }

  for (const [flag, value] of [['--pod', a.pod], ['--container', a.container], ['--namespace', a.namespace],
    ['--context', a.context], ['--kubeconfig', a.kubeconfig], ['--selector', a.selector], ['--fail-on', a.failOn],
    ['--debug-image', a.debugImage]] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) return fail(`${flag} needs a value`);
  }
  if (a.namespace !== undefined && !isName(a.namespace)) return fail(`invalid namespace "${a.namespace}"`);
  const cluster = target !== null || a.selector !== undefined || !!a.allNamespaces;
  if (!cluster) {
    for (const [flag, value] of [['--container', a.container], ['--namespace', a.namespace], ['--context', a.context],
      ['--all-containers', a.allContainers || undefined]] as const) {
      if (value !== undefined) return fail(`${flag} needs a pod, -l or -A; without them the local machine's /proc is read`);
    }
  }
  if (target !== null && a.selector !== undefined) return fail('give either a name or -l/--selector, not both');
  if (target !== null && a.allNamespaces) return fail('a name cannot be looked up across all namespaces (-A); use -n or -l');
  if (a.allNamespaces && a.namespace !== undefined) return fail('use either -n or -A, not both');
  if (a.allContainers && a.container !== undefined) return fail('use either -c or --all-containers, not both');
  if (!Number.isInteger(a.maxConcurrency) || a.maxConcurrency < 1 || a.maxConcurrency > 100) {
    return fail('--max-concurrency must be a whole number from 1 to 100');
  }
  if (a.debugWhen !== 'fallback' && a.debugWhen !== 'always') return fail(`invalid --debug-when "${a.debugWhen}": use fallback or always`);
  if (a.debugImage !== undefined && !/^[\w][\w.\-/:@]{0,254}$/.test(a.debugImage)) return fail(`invalid --debug-image "${a.debugImage}"`);
  if (a.debugImage !== undefined && !cluster) return fail('--debug-image needs a pod, -l or -A');
  if (a.failOn !== undefined && a.failOn !== 'warning' && a.failOn !== 'critical') {
    return fail(`invalid --fail-on "${a.failOn}": use warning or critical`);
  }

  let pids: number[] | 'all';
  if (a.allPids && a.pid !== undefined) return fail('use either --pid or --all-pids, not both');
  if (a.allPids) {
    pids = 'all';
  } else if (a.pid === undefined || a.pid.length === 0) {
    return fail('--pid is required (or --all-pids); e.g. --pid 1');
  } else {
    const list: number[] = [];
    for (const part of a.pid.flatMap((p) => String(p).split(','))) {
      const pid = checkPid(part.trim());
      if (typeof pid === 'string') return fail(pid);
      if (!list.includes(pid)) list.push(pid);
    }
    pids = list;
  }

  if (!OUTPUTS.includes(a.output as OutputFormat)) {
    return fail(`unknown output format "${a.output}": use one of ${OUTPUTS.join('|')}`);
  }
  const requestTimeoutMs = parseDuration(a.requestTimeout);
  if (requestTimeoutMs === null) {
    return fail(`invalid --request-timeout "${a.requestTimeout}": use e.g. 30s, 1m, or 0 for no limit`);
  }
  if (!Number.isInteger(a.maxBytes) || a.maxBytes < 4096) return fail('--max-bytes must be a whole number of at least 4096');

  const only = { capabilities: !!a.capabilities, signals: !!a.signals };
  const show = only.capabilities || only.signals ? only : { capabilities: true, signals: true };
  return {
    kind: 'run',
    options: {
      target,
      selector: a.selector ?? null,
      allNamespaces: !!a.allNamespaces,
      allContainers: !!a.allContainers,
      maxConcurrency: a.maxConcurrency,
      threads: !!a.threads,
      failOn: (a.failOn as Severity | undefined) ?? null,
      debugImage: a.debugImage ?? null,
      debugWhen: a.debugWhen as 'fallback' | 'always',
      pids,
      container: a.container ?? null,
      namespace: a.namespace ?? null,
      context: a.context ?? null,
      kubeconfig: a.kubeconfig ?? null,
      requestTimeoutMs,
      show,
      output: a.output as OutputFormat,
      noHeaders: !!a.noHeaders,
      verbose: !!a.verbose,
      maxBytes: a.maxBytes,
    },
  };
}

function checkPid(text: string): number | string {
  if (text === '') return 'invalid --pid "": empty entry in the list';
  if (!/^-?\d+$/.test(text)) return `invalid --pid "${text}": not a number`;
  const pid = Number(text);
  if (pid <= 0) return `invalid --pid ${text}: must be a positive integer`;
  if (pid > PID_MAX_LIMIT) return `invalid --pid ${text}: larger than the kernel's limit ${PID_MAX_LIMIT}`;
  return pid;
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}

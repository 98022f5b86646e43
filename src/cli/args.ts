import yargs, { type Options as YargsOption } from 'yargs';
import { PID_MAX_LIMIT } from './defaults.js';
import { parseDuration } from './duration.js';
import { firstLine } from '../errors.js';
import type { Severity } from '../judge/finding.js';
import { FLAGS, type ParsedFlags } from './flags.js';
import type { Parsed } from './options.js';
import { MAX_TEMPLATE_FILE, parseOutput } from './output.js';
import { readBounded } from '../read-file.js';
import { isLabel, parseNodeTarget, parseTarget, type NodeTarget, type Target } from './target.js';

/** The largest delay a Node timer holds (2^31-1 ms, about 24.8 days); longer limits mean none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const USAGE = [
  'Usage:',
  '  kubectl procstatus [POD | TYPE/NAME] (--pid PID[,PID...] | --all-pids) [flags]',
  '  kubectl procstatus (-l SELECTOR | -A) (--pid PID | --all-pids) [flags]',
  '  kubectl procstatus (node/NAME | nodes [-l NODE-SELECTOR]) (--pid PID | --all-pids) --debug-image IMAGE [flags]',
];

const EXAMPLES: [string, string][] = [
  ['kubectl procstatus my-pod --pid 1', 'PID 1 of the default container of my-pod'],
  ['kubectl procstatus my-pod -c 1 --pid 1,7', 'two PIDs of the second container, one exec'],
  ['kubectl procstatus my-pod --all-pids --capabilities', 'every process, capabilities only'],
  ['kubectl procstatus deploy/web --pid 1 --fail-on=warning', 'PID 1 of every pod of a deployment; exit 3 on findings'],
  ['kubectl procstatus -A --pid 1 --require-level=baseline', 'exit 3 unless every pod\'s PID 1 meets Pod Security baseline'],
  ['kubectl procstatus -A --all-pids -o custom-columns=POD:.pod,PID:.pid,CAPS:.capabilities.effective.names', 'every process of every pod in the cluster'],
  ['kubectl procstatus node/node-1 --all-pids --debug-image busybox:1.36', "every process of a node, by pod and container (creates a short-lived hostPID pod on it)"],
  ['kubectl procstatus --pid 1 --signals', 'PID 1 of this machine, signals only'],
];

/** What `kubectl procstatus` with nothing after it prints: what it does, and how to start. */
export function shortUsage(): string {
  return [
    'Decode /proc/<pid>/status of processes in a pod, or on this machine: capabilities',
    'as CAP_* names, signal masks as SIG* names, and what they mean for the pod.',
    '',
    ...USAGE,
    '',
    'Examples:',
    ...EXAMPLES.flatMap(([cmd, what]) => [`  # ${what}`, `  ${cmd}`]),
    '',
    "See 'kubectl procstatus --help' for every flag.",
  ].join('\n');
}

/** argv (without node and script) → Parsed. Pure: prints nothing, exits nothing. */
export function parseArgs(argv: string[], readFile: (path: string) => string = (p) => readBounded(p, MAX_TEMPLATE_FILE)): Promise<Parsed> {
  if (argv.length === 0) return Promise.resolve({ kind: 'usage', text: shortUsage() });
  let parser = yargs()
    .scriptName('kubectl procstatus')
    .usage(
      [
        'Decode /proc/<pid>/status of processes in a pod (over the exec websocket) or on this',
        'machine: capabilities as CAP_* names, signal masks as SIG* names.',
        '',
        ...USAGE,
      ].join('\n'),
    );
  for (const [cmd, what] of EXAMPLES) parser = parser.example(cmd, what);
  for (const flag of Object.values(FLAGS)) {
    const def = flag as (typeof FLAGS)[keyof typeof FLAGS];
    const option: YargsOption = { type: def.type, describe: def.describe };
    if ('alias' in def) option.alias = def.alias;
    if ('array' in def) option.array = true;
    if ('default' in def) option.default = def.default;
    parser = parser.option(def.name, option);
  }
  parser = parser
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
      resolve(toOptions(args as unknown as ParsedFlags, argv, readFile));
    });
  });
}

/** Was this flag typed (long, short, or --flag=value), whatever yargs defaulted? */
function given(argv: string[], name: string, alias?: string): boolean {
  return argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`) || (alias !== undefined && (a === `-${alias}` || a.startsWith(`-${alias}=`))));
}

function toOptions(a: ParsedFlags, argv: string[], readFile: (path: string) => string): Parsed {
  const fail = (message: string): Parsed => ({ kind: 'usage-error', message });
  const positional = a._.map(String);
  if (positional.length > 1) return fail(`expected at most one POD argument, got ${positional.length}: ${positional.join(' ')}`);
  if (positional.length === 1 && a.pod !== undefined && a.pod !== positional[0]) {
    return fail(`the POD argument "${positional[0]}" and --pod "${a.pod}" disagree`);
  }

  // A flag typed without its value: yargs hands back "" (or NaN for numbers), or swallows the next flag's name.
  for (const flag of Object.values(FLAGS)) {
    if (flag.type === 'boolean') continue;
    const value = (a as unknown as Record<string, unknown>)[camel(flag.name)];
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (v === undefined) continue;
      if (v === '' || (typeof v === 'number' && Number.isNaN(v)) || (typeof v === 'string' && /^--?[A-Za-z]/.test(v) && flag.name !== 'output')) {
        return fail(`flag needs an argument: --${flag.name}`);
      }
    }
  }

  const named = positional[0] ?? a.pod ?? null;
  let target: Target | null = null;
  let nodes: NodeTarget | null = null;
  const node = positional[0] !== undefined ? parseNodeTarget(positional[0]) : null;
  if (typeof node === 'string') return fail(node);
  if (node !== null) {
    const failed = nodeFlags(node, a, argv);
    if (failed) return fail(failed);
    nodes = node;
  } else if (named !== null) {
    const parsed = parseTarget(named);
    if (typeof parsed === 'string') return fail(parsed);
    target = parsed;
  }

  // Names by their Kubernetes rules: a namespace is a DNS-1123 label.
  // https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
  if (a.namespace !== undefined && !isLabel(a.namespace)) {
    return fail(`invalid namespace "${a.namespace}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`);
  }
  if (a.container !== undefined && !/^\d+$/.test(a.container) && !isLabel(a.container)) {
    return fail(`invalid container name "${a.container}": use a container name (a DNS-1123 label) or a 0-based index`);
  }
  if (a.selector !== undefined && !/^[\w./!=,() -]+$/.test(a.selector)) return fail(`invalid --selector "${a.selector}"`);
  const cluster = target !== null || nodes !== null || a.selector !== undefined || !!a.allNamespaces;
  if (!cluster) {
    for (const [flag, value] of [['--container', a.container], ['--namespace', a.namespace], ['--context', a.context],
      ['--all-containers', a.allContainers || undefined], ['--debug-image', a.debugImage]] as const) {
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
  if (given(argv, 'debug-when') && a.debugImage === undefined) return fail('--debug-when needs --debug-image');
  if (a.debugImage !== undefined && !/^[\w][\w.\-/:@]{0,254}$/.test(a.debugImage)) return fail(`invalid --debug-image "${a.debugImage}"`);
  if (a.failOn !== undefined && a.failOn !== 'warning' && a.failOn !== 'critical') {
    return fail(`invalid --fail-on "${a.failOn}": use warning or critical`);
  }
  if (a.requireLevel !== undefined && a.requireLevel !== 'baseline' && a.requireLevel !== 'restricted') {
    return fail(`invalid --require-level "${a.requireLevel}": use baseline or restricted`);
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

  const output = parseOutput(a.output, readFile);
  if (typeof output === 'string') return fail(output);
  if (a.sortBy !== undefined && !/^\{?\$?\.|^\{?\$?\[/.test(a.sortBy)) return fail(`invalid --sort-by "${a.sortBy}": use a JSONPath such as .pid or '{.rssBytes}'`);
  const parsedTimeout = parseDuration(a.requestTimeout);
  if (parsedTimeout === null) {
    return fail(`invalid --request-timeout "${a.requestTimeout}": use e.g. 30s, 1m, or 0 for no limit`);
  }
  const requestTimeoutMs = parsedTimeout > MAX_TIMER_MS ? 0 : parsedTimeout;
  if (!Number.isInteger(a.maxBytes) || a.maxBytes < 4096) return fail('--max-bytes must be a whole number of at least 4096');
  if (!Number.isInteger(a.chunkSize) || a.chunkSize < 0) return fail(`invalid --chunk-size ${a.chunkSize}: must be a whole number, 0 or more (0 lists at once)`);

  const only = { capabilities: !!a.capabilities, signals: !!a.signals };
  const show = only.capabilities || only.signals ? only : { capabilities: true, signals: true };
  return {
    kind: 'run',
    options: {
      target,
      nodes,
      selector: a.selector ?? null,
      allNamespaces: !!a.allNamespaces,
      allContainers: !!a.allContainers,
      maxConcurrency: a.maxConcurrency,
      threads: !!a.threads,
      failOn: (a.failOn as Severity | undefined) ?? null,
      requireLevel: (a.requireLevel as 'baseline' | 'restricted' | undefined) ?? null,
      debugImage: a.debugImage ?? null,
      debugWhen: a.debugWhen as 'fallback' | 'always',
      pids,
      container: a.container ?? null,
      namespace: a.namespace ?? null,
      context: a.context ?? null,
      kubeconfig: a.kubeconfig ?? null,
      requestTimeoutMs,
      show,
      output,
      sortBy: a.sortBy ?? null,
      noHeaders: !!a.noHeaders,
      verbose: !!a.verbose,
      maxBytes: a.maxBytes,
      cmdline: !!a.cmdline,
      chunkSize: a.chunkSize,
      rawFields: !!a.rawFields,
    },
  };
}

/**
 * What a node read does not take: pods' own selectors and containers (every
 * container of the node is read), -A (nodes have no namespace; -n is where the
 * reader pod is created).
 */
function nodeFlags(node: NodeTarget, a: ParsedFlags, argv: string[]): string | null {
  const what = node.name === null ? 'nodes' : `node/${node.name}`;
  if (a.pod !== undefined) return `${what} reads a node; --pod does not apply`;
  if (node.name !== null && a.selector !== undefined) return 'give either a node name or -l/--selector with nodes, not both';
  if (a.allNamespaces) return `-A does not apply to ${what}: a node's processes are read whatever their pods' namespaces; -n sets where the reader pod is created`;
  if (a.container !== undefined || a.allContainers) return `${what} reads every container of the node; -c and --all-containers do not apply`;
  if (given(argv, 'debug-when')) return `--debug-when does not apply to ${what}: the read always goes through a pod created on the node`;
  return null;
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function checkPid(text: string): number | string {
  if (text === '') return 'invalid --pid "": empty entry in the list';
  if (!/^-?\d+$/.test(text)) return `invalid --pid "${text}": not a number`;
  const pid = Number(text);
  if (pid <= 0) return `invalid --pid ${text}: must be a positive integer`;
  if (pid > PID_MAX_LIMIT) return `invalid --pid ${text}: larger than the kernel's limit ${PID_MAX_LIMIT}`;
  return pid;
}


import { PID_MAX_LIMIT } from './defaults.js';
import { parseDuration } from './duration.js';
import type { Severity } from '../judge/finding.js';
import { FLAGS, type FlagDef, type ParsedFlags } from './flags.js';
import { integerFlag, parseFlags, type RawArgs } from './parse.js';
import type { Parsed } from './options.js';
import { MAX_TEMPLATE_FILE, parseOutput } from './output.js';
import { readBounded } from '../read-file.js';
import { isLabel, parseNodeTarget, parseTarget, POD_TYPES, type NodeTarget, type Target } from './target.js';

/** The largest delay a Node timer holds (2^31-1 ms, about 24.8 days); longer limits mean none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const USAGE = [
  'Usage:',
  '  kubectl procstatus [POD | TYPE/NAME] (--pid PID[,PID...] | --all-pids) [flags]',
  '  kubectl procstatus (pods | -l SELECTOR | -A) (--pid PID | --all-pids) [flags]',
  '  kubectl procstatus (node/NAME | nodes [-l NODE-SELECTOR]) (--pid PID | --all-pids) --debug-image IMAGE [flags]',
];

const EXAMPLES: [string, string][] = [
  ['kubectl procstatus my-pod --pid 1', 'PID 1 of the default container of my-pod'],
  ['kubectl procstatus my-pod -c 1 --pid 1,7', 'two PIDs of the second container, one exec'],
  ['kubectl procstatus my-pod --all-pids --capabilities', 'every process, capabilities only'],
  ['kubectl procstatus deploy/web --pid 1 --fail-on=warning', 'PID 1 of every pod of a deployment; exit 3 on findings'],
  ['kubectl procstatus pods -n payments --pid 1 --require-level=enforce', 'PID 1 of every pod of a namespace; exit 3 if one is below the namespace\'s enforced level'],
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

/** The parser's own flags, beside the table's: they end the parse rather than shape a run. */
const HELP: FlagDef = { name: 'help', alias: 'h', type: 'boolean', describe: 'show this help' };
const VERSION_FLAG: FlagDef = { name: 'version', type: 'boolean', describe: 'print the version' };
const ALL_FLAGS: FlagDef[] = [...(Object.values(FLAGS) as FlagDef[]), HELP, VERSION_FLAG];

/** argv (without node and script) → Parsed. Pure: prints nothing, exits nothing, never throws. */
export async function parseArgs(argv: string[], readFile: (path: string) => string = (p) => readBounded(p, MAX_TEMPLATE_FILE)): Promise<Parsed> {
  if (argv.length === 0) return { kind: 'usage', text: shortUsage() };
  const raw = parseFlags(argv, ALL_FLAGS);
  if (typeof raw === 'string') return { kind: 'usage-error', message: raw };
  if (raw.values.get('help') === true) return { kind: 'help', text: helpText() };
  if (raw.values.get('version') === true) return { kind: 'version' };
  const typed = typedFlags(raw);
  if (typeof typed === 'string') return { kind: 'usage-error', message: typed };
  return toOptions(typed, raw.given, readFile);
}

/** The raw flags with the table's defaults and types: numbers parsed, repeatable ones as lists. */
function typedFlags(raw: RawArgs): ParsedFlags | string {
  const out: Record<string, unknown> = { _: raw.positional };
  for (const [key, f] of Object.entries(FLAGS) as [string, FlagDef][]) {
    let value = raw.values.get(f.name);
    if (value === undefined) {
      out[key] = f.default;
      continue;
    }
    if (f.type === 'number' && typeof value === 'string') {
      const n = integerFlag(f, value);
      if (typeof n === 'string') return n;
      value = n as unknown as string;
    }
    out[key] = value;
  }
  return out as ParsedFlags;
}

/** --help: what it does, how to call it, every flag from the one table, and examples. */
export function helpText(): string {
  const names = ALL_FLAGS.map((f) => `${f.alias ? `-${f.alias}, ` : '    '}--${f.name}`);
  const width = Math.max(...names.map((n) => n.length));
  const flags = ALL_FLAGS.map((f, i) => {
    const dflt = f.default !== undefined ? ` (default ${JSON.stringify(f.default).replace(/^"(.*)"$/, '$1')})` : '';
    return `  ${names[i].padEnd(width)}   ${f.describe}${dflt}`;
  });
  return [
    'Decode /proc/<pid>/status of processes in a pod (over the exec websocket) or on this',
    'machine: capabilities as CAP_* names, signal masks as SIG* names.',
    '',
    ...USAGE,
    '',
    'Options:',
    ...flags,
    '',
    'Examples:',
    ...EXAMPLES.flatMap(([cmd, what]) => [`  # ${what}`, `  ${cmd}`]),
    '',
    'Tables print one line per row. Sets are short, exact words there (the detail view and -o json list every name):',
    '  capabilities, without CAP_: none; NET_BIND_SERVICE,CHOWN; default (the runtimes\' default set, CapBnd 00000000a80425fb),',
    '  default+NET_ADMIN, default-NET_RAW; ALL (every capability), ALL-SYS_RESOURCE',
    '  signals, without SIG: none; TERM,INT,CHLD; more than four: the notable ones and a count, TERM,INT,HUP,QUIT,+58',
    '  an empty cell is <none>; FINDINGS lists each id once with its severity (C, W, I) and a count when repeated: exceeds-spec(C)x3',
    '',
    'LEVEL is the Pod Security Standards level each process meets, judged on what the kernel shows (see the README):',
    '  baseline* rests on the spec for a control the kernel could show but this read could not see (through a debug',
    '  container, or in a node read, the container\'s mounts); the detail view and -o json say how each control was judged.',
  ].join('\n');
}

function toOptions(a: ParsedFlags, given: ReadonlySet<string>, readFile: (path: string) => string): Parsed {
  const fail = (message: string): Parsed => ({ kind: 'usage-error', message });
  const positional = a._.map(String);
  if (positional.length > 1) return fail(`expected at most one POD argument, got ${positional.length}: ${positional.join(' ')}`);
  if (positional.length === 1 && a.pod !== undefined && a.pod !== positional[0]) {
    return fail(`the POD argument "${positional[0]}" and --pod "${a.pod}" disagree`);
  }

  // A flag given an empty value (--namespace= or -n ""): as good as none.
  for (const flag of Object.values(FLAGS) as FlagDef[]) {
    if (flag.type === 'boolean') continue;
    const value = (a as unknown as Record<string, unknown>)[camel(flag.name)];
    // An empty selector is one kubectl takes (`-l ''` selects everything).
    if (flag.name === 'selector') continue;
    if (value === '' || (Array.isArray(value) && value.includes(''))) return fail(`flag needs an argument: --${flag.name}`);
  }

  // The bare type, as `kubectl get pods` takes it: every pod of the
  // namespace (or, with -A, of the cluster). A pod called "pods" stays
  // reachable as pod/pods.
  const everyPod = positional[0] !== undefined && POD_TYPES.has(positional[0].toLowerCase());
  const named = everyPod ? null : positional[0] ?? a.pod ?? null;
  let target: Target | null = null;
  let nodes: NodeTarget | null = null;
  const node = positional[0] !== undefined ? parseNodeTarget(positional[0]) : null;
  if (typeof node === 'string') return fail(node);
  if (node !== null) {
    const failed = nodeFlags(node, a, given);
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
  if (a.selector !== undefined && !/^[\w./!=,() -]*$/.test(a.selector)) return fail(`invalid --selector "${a.selector}"`);
  const selector = a.selector ?? (everyPod ? '' : null);
  const cluster = target !== null || nodes !== null || selector !== null || !!a.allNamespaces;
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
  if (given.has('debug-when') && a.debugImage === undefined) return fail('--debug-when needs --debug-image');
  if (a.debugImage !== undefined && !/^[\w][\w.\-/:@]{0,254}$/.test(a.debugImage)) return fail(`invalid --debug-image "${a.debugImage}"`);
  if (a.failOn !== undefined && a.failOn !== 'warning' && a.failOn !== 'critical') {
    return fail(`invalid --fail-on "${a.failOn}": use warning or critical`);
  }
  if (a.requireLevel !== undefined && a.requireLevel !== 'baseline' && a.requireLevel !== 'restricted' && a.requireLevel !== 'enforce') {
    return fail(`invalid --require-level "${a.requireLevel}": use baseline, restricted, or enforce (each namespace's pod-security.kubernetes.io/enforce level)`);
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
      selector,
      allNamespaces: !!a.allNamespaces,
      allContainers: !!a.allContainers,
      maxConcurrency: a.maxConcurrency,
      threads: !!a.threads,
      failOn: (a.failOn as Severity | undefined) ?? null,
      requireLevel: (a.requireLevel as 'baseline' | 'restricted' | 'enforce' | undefined) ?? null,
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
function nodeFlags(node: NodeTarget, a: ParsedFlags, given: ReadonlySet<string>): string | null {
  const what = node.name === null ? 'nodes' : `node/${node.name}`;
  if (a.pod !== undefined) return `${what} reads a node; --pod does not apply`;
  if (node.name !== null && a.selector !== undefined) return 'give either a node name or -l/--selector with nodes, not both';
  if (a.allNamespaces) return `-A does not apply to ${what}: a node's processes are read whatever their pods' namespaces; -n sets where the reader pod is created`;
  if (a.container !== undefined || a.allContainers) return `${what} reads every container of the node; -c and --all-containers do not apply`;
  if (given.has('debug-when')) return `--debug-when does not apply to ${what}: the read always goes through a pod created on the node`;
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


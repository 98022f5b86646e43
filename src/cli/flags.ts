import { DEFAULT_CHUNK_SIZE, DEFAULT_MAX_BYTES, DEFAULT_MAX_CONCURRENCY, DEFAULT_REQUEST_TIMEOUT_MS } from './defaults.js';
import { OUTPUT_CHOICES } from './output.js';

/**
 * Every flag, once. The argument parser (src/cli/parse.ts, src/cli/args.ts) reads this
 * table, its parsed-arguments type is derived from it, and completion
 * (src/completion/) reads it for names, values and descriptions.
 */
export interface FlagDef {
  /** The long name, as typed: "all-pids". */
  name: string;
  alias?: string;
  type: 'string' | 'boolean' | 'number';
  /** Repeatable: --pid 1 --pid 7. */
  array?: true;
  describe: string;
  default?: string | number;
  /** Values completion offers; a trailing "=" means the value goes on (jsonpath=…). */
  values?: readonly string[];
}

export const FLAGS = {
  pid: { name: 'pid', type: 'string', array: true, describe: 'PID to read; repeatable, or a comma list' },
  allPids: { name: 'all-pids', type: 'boolean', describe: 'every process of the container (or of this machine)' },
  threads: { name: 'threads', type: 'boolean', describe: 'one row per thread (/proc/PID/task/TID/status): SigBlk and SigPnd are per thread' },
  pod: { name: 'pod', alias: 'p', type: 'string', describe: 'pod name (same as the POD argument)' },
  container: { name: 'container', alias: 'c', type: 'string', describe: 'container name, or 0-based index into spec.containers' },
  allContainers: { name: 'all-containers', type: 'boolean', describe: 'every running container of each pod' },
  selector: { name: 'selector', alias: 'l', type: 'string', describe: 'pods (with nodes: nodes) matching this label selector, e.g. app=web' },
  allNamespaces: { name: 'all-namespaces', alias: 'A', type: 'boolean', describe: 'pods in every namespace' },
  maxConcurrency: { name: 'max-concurrency', type: 'number', describe: 'containers read at once in a sweep', default: DEFAULT_MAX_CONCURRENCY },
  debugImage: {
    name: 'debug-image', type: 'string',
    describe: 'read through an ephemeral debug container of this image (e.g. busybox:1.36) when the container has no cat or sh; it stays in the pod. ' +
      'With node/NAME: the image of the short-lived hostPID pod that reads the node (required: it sees every process of the node)',
  },
  debugWhen: {
    name: 'debug-when', type: 'string', describe: 'with --debug-image: fallback (when the read fails) or always', default: 'fallback',
    values: ['fallback', 'always'],
  },
  failOn: {
    name: 'fail-on', type: 'string', describe: 'exit 3 when a finding of this severity or higher is present: warning|critical',
    values: ['warning', 'critical'],
  },
  requireLevel: {
    name: 'require-level', type: 'string',
    describe: 'exit 3 when a process read meets only a lower Pod Security Standards level (judged on the kernel state): baseline|restricted, ' +
      'or enforce: lower than its namespace\'s pod-security.kubernetes.io/enforce level',
    values: ['baseline', 'restricted', 'enforce'],
  },
  namespace: { name: 'namespace', alias: 'n', type: 'string', describe: "namespace (default: the context's, else default)" },
  context: { name: 'context', type: 'string', describe: 'kubeconfig context to use' },
  kubeconfig: { name: 'kubeconfig', type: 'string', describe: 'path to the kubeconfig file' },
  requestTimeout: {
    name: 'request-timeout', type: 'string', describe: 'limit for each API request and exec, e.g. 10s, 1m; 0 for none',
    default: `${DEFAULT_REQUEST_TIMEOUT_MS / 1000}s`,
  },
  capabilities: { name: 'capabilities', type: 'boolean', describe: 'show capabilities only' },
  signals: { name: 'signals', type: 'boolean', describe: 'show signals only' },
  cmdline: { name: 'cmdline', type: 'boolean', describe: 'also read each command line (/proc/PID/cmdline); it may hold secrets' },
  output: {
    name: 'output', alias: 'o', type: 'string', default: 'table', values: OUTPUT_CHOICES,
    describe: `table|wide|json|yaml|sarif|junit|jsonpath=TEMPLATE|jsonpath-file=FILE|jsonpath-as-json=TEMPLATE|custom-columns=SPEC|custom-columns-file=FILE`,
  },
  sortBy: { name: 'sort-by', type: 'string', describe: 'sort the list by this JSONPath, e.g. .pid or .rssBytes' },
  noHeaders: { name: 'no-headers', type: 'boolean', describe: 'omit table headers' },
  chunkSize: {
    name: 'chunk-size', type: 'number', default: DEFAULT_CHUNK_SIZE,
    describe: 'list pods and nodes in pages of this many, as kubectl does; 0 lists them at once',
  },
  rawFields: { name: 'raw-fields', type: 'boolean', describe: 'in -o json|yaml and templates, also every raw key/value of the status file (fields)' },
  maxBytes: { name: 'max-bytes', type: 'number', describe: 'most bytes read from one exec', default: DEFAULT_MAX_BYTES },
  verbose: { name: 'verbose', alias: 'v', type: 'boolean', describe: 'debug lines on stderr' },
} as const satisfies Record<string, FlagDef>;

type FlagValue<F> = F extends { array: true } ? string[] | undefined
  : F extends { type: 'boolean' } ? boolean | undefined
  : F extends { type: 'number' } ? (F extends { default: number } ? number : number | undefined)
  : F extends { default: string } ? string : string | undefined;

/** What the parser hands back, typed from the table (names camel-cased). */
export type ParsedFlags = { -readonly [K in keyof typeof FLAGS]: FlagValue<(typeof FLAGS)[K]> } & { _: (string | number)[] };

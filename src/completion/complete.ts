import { parseDuration } from '../cli/duration.js';
import type { Pod } from '../kube/pod.js';
import type { FlagSpec } from './flags.js';
import { findFlag, lastValue, readWords, type Words } from './words.js';

/**
 * Cobra's shell directives, the `:N` line that ends the answer.
 * https://github.com/spf13/cobra/blob/main/site/content/completions/_index.md
 */
export const DIRECTIVE = {
  /** Let the shell complete file names (used for --kubeconfig). */
  default: 0,
  noSpace: 2,
  noFileComp: 4,
} as const;

export interface Candidate {
  value: string;
  /** Shown beside the value by shells that show descriptions (zsh, fish). */
  description?: string;
}

export interface Completion {
  candidates: Candidate[];
  directive: number;
}

/** Which cluster the words on the command line point at. */
export interface ClusterChoice {
  kubeconfig: string | null;
  context: string | null;
  timeoutMs: number;
}

/** What completion asks of the kubeconfig and the API server. */
export interface Lookups {
  contexts(c: ClusterChoice): Promise<string[]>;
  namespaces(c: ClusterChoice): Promise<string[]>;
  /** namespace null: the context's namespace. */
  pods(c: ClusterChoice, namespace: string | null): Promise<Pod[]>;
  pod(c: ClusterChoice, namespace: string | null, name: string): Promise<Pod>;
}

/** A TAB should answer at once or not at all; --request-timeout on the line can only shorten this. */
export const COMPLETION_TIMEOUT_MS = 5000;

/**
 * The words after `kubectl procstatus`, the last one being the word under the
 * cursor ("" for a new word), as kubectl hands them to kubectl_complete-procstatus
 * → the candidates for that word.
 */
export async function complete(args: string[], flags: FlagSpec[], lookups: Lookups): Promise<Completion> {
  const toComplete = args.length > 0 ? args[args.length - 1] : '';
  const words = readWords(args.slice(0, -1), flags);
  const cluster = clusterChoice(words);

  if (words.pending) return flagValues(words.pending, toComplete, words, cluster, lookups);
  const inline = /^--([A-Za-z0-9][\w-]*)=(.*)$/s.exec(toComplete);
  if (inline) {
    // Cobra completes `--flag=par` with bare values; the shell keeps the `--flag=` part.
    const flag = findFlag(flags, inline[1], false);
    return flag?.takesValue ? flagValues(flag, inline[2], words, cluster, lookups) : none();
  }
  if (toComplete.startsWith('-')) return flagNames(flags, toComplete, words);
  if (!wantsPod(words)) return none();
  return podNames(toComplete, lastValue(words, 'namespace'), cluster, lookups);
}

function clusterChoice(words: Words): ClusterChoice {
  const given = lastValue(words, 'request-timeout');
  const ms = given === null ? null : parseDuration(given);
  return {
    kubeconfig: lastValue(words, 'kubeconfig'),
    context: lastValue(words, 'context'),
    timeoutMs: ms !== null && ms > 0 ? Math.min(ms, COMPLETION_TIMEOUT_MS) : COMPLETION_TIMEOUT_MS,
  };
}

/** A POD argument is still open: none given yet, and no flag that replaces it. */
function wantsPod(words: Words): boolean {
  if (words.positionals.length > 0 || words.given.has('pod')) return false;
  return !words.given.has('selector') && !words.given.has('all-namespaces');
}

function podGiven(words: Words): string | null {
  return words.positionals[0] ?? lastValue(words, 'pod');
}

async function flagValues(
  flag: FlagSpec, partial: string, words: Words, cluster: ClusterChoice, lookups: Lookups,
): Promise<Completion> {
  const namespace = lastValue(words, 'namespace');
  switch (flag.long) {
    case 'kubeconfig':
      return { candidates: [], directive: DIRECTIVE.default };
    case 'namespace':
      return plain(matching(await lookups.namespaces(cluster), partial));
    case 'context':
      return plain(matching(await lookups.contexts(cluster), partial));
    case 'pod':
      return podNames(partial, namespace, cluster, lookups);
    case 'container': {
      const name = podGiven(words);
      if (!name || name.includes('/')) return none();
      return containers(await lookups.pod(cluster, namespace, name), partial);
    }
  }
  const values = matching(flag.values, partial);
  // "jsonpath=" goes on with its template: no space after it (cobra's NoSpace).
  if (values.some((v) => v.endsWith('='))) return { candidates: values.map((value) => ({ value })), directive: DIRECTIVE.noFileComp | DIRECTIVE.noSpace };
  return plain(values);
}

async function podNames(partial: string, namespace: string | null, cluster: ClusterChoice, lookups: Lookups): Promise<Completion> {
  // A finished pod has nothing left to read, so it is not offered.
  const pods = (await lookups.pods(cluster, namespace))
    .filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  return plain(matching(pods.map((p) => p.metadata.name), partial));
}

/** -c takes a container name (regular, init or ephemeral) or an index into spec.containers. */
function containers(pod: Pod, partial: string): Completion {
  const candidates: Candidate[] = [];
  const add = (list: { name: string }[] | undefined, kind: string): void => {
    for (const c of list ?? []) candidates.push({ value: c.name, description: kind });
  };
  add(pod.spec.containers, 'container');
  add(pod.spec.initContainers, 'init container');
  add(pod.spec.ephemeralContainers, 'ephemeral container');
  pod.spec.containers.forEach((c, i) => candidates.push({ value: String(i), description: c.name }));
  return { candidates: candidates.filter((c) => c.value.startsWith(partial)), directive: DIRECTIVE.noFileComp };
}

/** `-<TAB>` offers short and long names, `--<TAB>` long ones; a flag already given is offered again only if it repeats. */
function flagNames(flags: FlagSpec[], partial: string, words: Words): Completion {
  const candidates: Candidate[] = [];
  for (const f of flags) {
    if (words.given.has(f.long) && !f.repeatable) continue;
    candidates.push({ value: `--${f.long}`, description: f.describe });
    if (partial === '-' && f.short) candidates.push({ value: `-${f.short}`, description: f.describe });
  }
  return { candidates: candidates.filter((c) => c.value.startsWith(partial)), directive: DIRECTIVE.noFileComp };
}

function matching(values: string[], partial: string): string[] {
  return [...new Set(values)].filter((v) => v.startsWith(partial));
}

function plain(values: string[]): Completion {
  return { candidates: values.map((value) => ({ value })), directive: DIRECTIVE.noFileComp };
}

function none(): Completion {
  return { candidates: [], directive: DIRECTIVE.noFileComp };
}

/**
 * The answer as cobra prints it: one candidate a line (a tab before its
 * description), then `:directive`. Tabs and newlines inside a description
 * would break the format, so they become spaces.
 */
export function formatCompletion(c: Completion): string {
  const lines = c.candidates.map((x) =>
    x.description ? `${x.value}\t${x.description.replace(/[\t\r\n]+/g, ' ')}` : x.value);
  return [...lines, `:${c.directive}`].join('\n') + '\n';
}

import type { Severity } from '../judge/finding.js';
import type { Level } from '../judge/pss.js';
import type { Show } from '../render/document.js';
import type { OutputSpec } from './output.js';
import type { NodeTarget, Target } from './target.js';

export type { Show } from '../render/document.js';

export { DEFAULT_MAX_BYTES, DEFAULT_MAX_CONCURRENCY, DEFAULT_REQUEST_TIMEOUT_MS, PID_MAX_LIMIT } from './defaults.js';

/**
 * Everything the run needs, decided from argv once. Nothing below main.ts
 * sees a flag; each stage gets its own narrow part of this (a read spec, a
 * findings policy, a render spec).
 */
export interface Options {
  /** POD or TYPE/NAME; null with neither -l nor -A reads the local machine's /proc. */
  target: Target | null;
  /** node/NAME or nodes: a node's processes, read by a pod created on it (src/node.ts); target is null then. */
  nodes: NodeTarget | null;
  selector: string | null;
  allNamespaces: boolean;
  allContainers: boolean;
  maxConcurrency: number;
  threads: boolean;
  failOn: Severity | null;
  /**
   * Exit 3 when any process read meets only a lower Pod Security Standards
   * level; `enforce`: lower than its namespace's enforce label.
   */
  requireLevel: Level | 'enforce' | null;
  /** Read through an ephemeral debug container of this image (opt-in: it stays in the pod). */
  debugImage: string | null;
  /** "fallback": only when the target cannot run the read; "always": every time. */
  debugWhen: 'fallback' | 'always';
  pids: number[] | 'all';
  container: string | null;
  namespace: string | null;
  context: string | null;
  kubeconfig: string | null;
  /** 0 means no limit, as in kubectl. */
  requestTimeoutMs: number;
  show: Show;
  output: OutputSpec;
  /** A JSONPath to sort the list by (--sort-by). */
  sortBy: string | null;
  noHeaders: boolean;
  verbose: boolean;
  /** Bytes read per exec before the stream is cut. */
  maxBytes: number;
  /** Read command lines too (they may hold secrets). */
  cmdline: boolean;
  /** Items per page of a list (--chunk-size); 0 lists at once. */
  chunkSize: number;
  /** Put each status file's raw key/values in documents (`fields`). */
  rawFields: boolean;
}

/** Outcome of reading argv: a value, never a throw. */
export type Parsed =
  | { kind: 'run'; options: Options }
  | { kind: 'help'; text: string }
  | { kind: 'usage'; text: string }
  | { kind: 'version' }
  | { kind: 'usage-error'; message: string };

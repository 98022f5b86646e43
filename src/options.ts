import type { Severity } from './findings.js';
import type { Target } from './target.js';

/** Everything the run needs, decided from argv once. Nothing below main.ts sees a flag. */
export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml';

export interface Options {
  /** POD or TYPE/NAME; null with neither -l nor -A reads the local machine's /proc. */
  target: Target | null;
  selector: string | null;
  allNamespaces: boolean;
  allContainers: boolean;
  maxConcurrency: number;
  threads: boolean;
  failOn: Severity | null;
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
  show: { capabilities: boolean; signals: boolean };
  output: OutputFormat;
  noHeaders: boolean;
  verbose: boolean;
  /** Bytes read per exec before the stream is cut. */
  maxBytes: number;
}

/** Outcome of reading argv: a value, never a throw. */
export type Parsed =
  | { kind: 'run'; options: Options }
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'usage-error'; message: string };

/** Linux caps PIDs at PID_MAX_LIMIT = 4194304 (include/linux/threads.h). */
export const PID_MAX_LIMIT = 4_194_304;

export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_CONCURRENCY = 10;

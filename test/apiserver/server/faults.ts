// Request faults on demand, for clients' end-to-end tests: a rule names a
// request path (and optionally a list page and a method) and what the next
// K matching requests get instead of their answer. Armed by the fixture
// (`faults`), by POST /procstatus-test/faults (routes/admin.ts), or for one
// pod by annotation (PodThrottles). Each answer is what kube-apiserver sends
// in that situation:
//
//   expired          410 Expired Status; on a page with a continue token the
//                    one for an inconsistent continuation (storage/etcd3
//                    errors.go handleCompactedErrorForPaging)
//   throttle         429 from API Priority and Fairness: plain text
//                    "Too many requests, please try again later." with
//                    Retry-After and the X-Kubernetes-PF-* headers
//                    (server/filters/priority-and-fairness.go tooManyRequests,
//                    which calls http.Error: no Status body)
//   throttle-status  429 TooManyRequests Status with details.retryAfterSeconds
//                    and Retry-After (apierrors.NewTooManyRequests, as the
//                    watch cache sends `storage is (re)initializing`)
//   internal-error   500 InternalError Status
//   drop             the TCP connection closed without an answer

import { randomUUID } from 'node:crypto';
import { internalError, tooManyRequests } from '../api/status.ts';
import { expiredList } from '../routes/list.ts';
import type { ListPages } from './pages.ts';
import { status } from './reply.ts';
import type { Reply } from './reply.ts';

export const FAULT_KINDS = ['expired', 'throttle', 'throttle-status', 'internal-error', 'drop'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  /** The request path without the query, exactly; or a prefix when it ends in `*`. */
  path: string;
  /** Only this page of a chunked list: 1 is the request without `continue`, 2 the one with the first token, ... Unset: any request on the path. */
  page?: number;
  /** Only this method (GET, POST, ...). Unset: any. */
  method?: string;
  /** How many matching requests get the fault (default 1); the rule is spent after that. */
  times?: number;
  fault: FaultKind;
  /** throttle, throttle-status: the Retry-After seconds (default 1). */
  retryAfterSeconds?: number;
  /** internal-error: the cause (default `etcdserver: request timed out`); throttle-status: the message (default `storage is (re)initializing`). */
  message?: string;
}

export interface ArmedFault extends FaultRule {
  id: number;
  /** Requests it has answered so far. */
  hits: number;
}

export class FaultRuleError extends Error {}

/** Checks rules from JSON (a rule or an array of rules). */
export function parseFaultRules(raw: unknown): FaultRule[] {
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((r, i) => {
    const where = `fault rule ${i}`;
    if (typeof r !== 'object' || r === null) throw new FaultRuleError(`${where}: must be an object`);
    const o = r as Record<string, unknown>;
    const known = ['path', 'page', 'method', 'times', 'fault', 'retryAfterSeconds', 'message'];
    const unknown = Object.keys(o).filter((k) => !known.includes(k));
    if (unknown.length) throw new FaultRuleError(`${where}: unknown field ${unknown[0]}; known: ${known.join(', ')}`);
    if (typeof o.path !== 'string' || !o.path.startsWith('/')) throw new FaultRuleError(`${where}: path must start with /`);
    if (!FAULT_KINDS.includes(o.fault as FaultKind)) throw new FaultRuleError(`${where}: fault must be one of ${FAULT_KINDS.join(', ')}`);
    for (const k of ['page', 'times'] as const) {
      if (o[k] !== undefined && !(Number.isInteger(o[k]) && (o[k] as number) >= 1)) throw new FaultRuleError(`${where}: ${k} must be a positive integer`);
    }
    if (o.retryAfterSeconds !== undefined && !(Number.isInteger(o.retryAfterSeconds) && (o.retryAfterSeconds as number) >= 0)) {
      throw new FaultRuleError(`${where}: retryAfterSeconds must be a non-negative integer`);
    }
    if (o.method !== undefined && typeof o.method !== 'string') throw new FaultRuleError(`${where}: method must be a string`);
    if (o.message !== undefined && typeof o.message !== 'string') throw new FaultRuleError(`${where}: message must be a string`);
    return o as unknown as FaultRule;
  });
}

const matchesPath = (rule: string, path: string): boolean => (rule.endsWith('*') ? path.startsWith(rule.slice(0, -1)) : rule === path);

/** The armed rules of one server. */
export class Faults {
  private readonly armed: ArmedFault[] = [];
  private nextId = 1;

  add(rules: FaultRule[]): ArmedFault[] {
    const added = rules.map((r) => ({ ...r, method: r.method?.toUpperCase(), times: r.times ?? 1, id: this.nextId++, hits: 0 }));
    this.armed.push(...added);
    return added;
  }

  list(): ArmedFault[] {
    return this.armed.map((a) => ({ ...a }));
  }

  clear(): void {
    this.armed.length = 0;
  }

  /** The first rule with answers left that matches this request, counted as used. */
  take(method: string, path: string, page: number | undefined): ArmedFault | undefined {
    const a = this.armed.find(
      (r) =>
        r.hits < (r.times ?? 1) &&
        matchesPath(r.path, path) &&
        (r.method === undefined || r.method === method) &&
        (r.page === undefined || r.page === page),
    );
    if (a) a.hits++;
    return a;
  }
}

const DEFAULT_RETRY_AFTER = 1;

// The UIDs of the FlowSchema and PriorityLevelConfiguration a request was
// classified into, which APF puts on every answer it gives (random per server
// here, as per cluster there).
const FLOW_SCHEMA_UID = randomUUID();
const PRIORITY_LEVEL_UID = randomUUID();

/** API Priority and Fairness's 429: http.Error's plain text, Retry-After, and the classification headers. */
export function apfThrottle(retryAfterSeconds: number): Reply {
  return {
    code: 429,
    text: 'Too many requests, please try again later.\n',
    headers: {
      'Retry-After': String(retryAfterSeconds),
      'X-Content-Type-Options': 'nosniff',
      'X-Kubernetes-Pf-Flowschema-Uid': FLOW_SCHEMA_UID,
      'X-Kubernetes-Pf-Prioritylevel-Uid': PRIORITY_LEVEL_UID,
    },
  };
}

/** What a fired rule answers. */
export function faultReply(rule: FaultRule, q: URLSearchParams, pages: ListPages): Reply {
  const retryAfter = rule.retryAfterSeconds ?? DEFAULT_RETRY_AFTER;
  switch (rule.fault) {
    case 'expired':
      return expiredList(q, pages);
    case 'throttle':
      return apfThrottle(retryAfter);
    case 'throttle-status':
      return status(tooManyRequests(rule.message ?? 'storage is (re)initializing', retryAfter), retryAfter > 0 ? { 'Retry-After': String(retryAfter) } : undefined);
    case 'internal-error':
      return status(internalError(rule.message ?? 'etcdserver: request timed out'));
    case 'drop':
      return { drop: true };
  }
}

/** Pod annotations that throttle requests about that pod: "K" (the next K) or "always". */
export const THROTTLE_ANNOTATION = {
  get: 'procstatus.test/throttle-get',
  exec: 'procstatus.test/throttle-exec',
  retryAfter: 'procstatus.test/retry-after',
} as const;

/** Counts, per pod, the requests its throttle annotations have answered. */
export class PodThrottles {
  private readonly used = new WeakMap<object, { get: number; exec: number }>();

  /** The Retry-After seconds if this request about the pod is to be throttled, else undefined. */
  take(pod: { metadata: Record<string, unknown> }, kind: 'get' | 'exec'): number | undefined {
    const ann = (pod.metadata.annotations ?? {}) as Record<string, string>;
    const v = ann[THROTTLE_ANNOTATION[kind]];
    if (v === undefined) return undefined;
    const limit = v === 'always' ? Infinity : Number(v);
    const used = this.used.get(pod) ?? { get: 0, exec: 0 };
    this.used.set(pod, used);
    if (!(used[kind] < limit)) return undefined;
    used[kind]++;
    const s = Number(ann[THROTTLE_ANNOTATION.retryAfter]);
    return Number.isInteger(s) && s >= 0 ? s : DEFAULT_RETRY_AFTER;
  }
}

// What every route module gets: the cluster, the server's hooks, and the
// request already authenticated, parsed and authorized by the router.

import type { IncomingMessage } from 'node:http';
import type { Attributes } from '../api/auth.ts';
import type { Cluster } from '../cluster/cluster.ts';
import type { Faults, PodThrottles } from '../server/faults.ts';
import type { ListPages } from '../server/pages.ts';
import type { ResourcePath } from '../server/paths.ts';
import type { Status } from '../api/status.ts';
import type { Written } from '../cluster/podlifecycle.ts';
import { isStatusObject, status, withWarnings, type Reply, type Sink } from '../server/reply.ts';

export interface ServerContext {
  cluster: Cluster;
  log(line: string): void;
  /** Registers cleanup to run when the server stops; returns its removal. */
  onStop(fn: () => void): () => void;
  /** host:port the server listens on (discovery's serverAddressByClientCIDRs). */
  address(): string;
  /** Armed request faults (server/faults.ts). */
  faults: Faults;
  /** Pod annotations' throttles. */
  throttles: PodThrottles;
  /** Which list page a continue token leads to. */
  pages: ListPages;
}

export interface RouteRequest {
  req: IncomingMessage;
  sink: Sink;
  url: URL;
  path: ResourcePath;
  attrs: Attributes;
  body: Buffer;
}

/** A route's answer; no reply means the connection was upgraded. `note` goes into the request log line. */
export interface Outcome {
  reply?: Reply;
  note?: string;
}

/**
 * Logs a write's Pod Security audit annotation, which kube-apiserver puts on
 * the request's audit event and never shows the client.
 */
/** A pod written (created, or given ephemeral containers): its audit line, then the object with its admission warnings; a refusal as its Status. */
export function writtenReply(ctx: Pick<ServerContext, 'log'>, namespace: string, r: Written | Status, code: number): Reply {
  if (isStatusObject(r)) return status(r);
  logAudit(ctx, namespace, r);
  return withWarnings(code, r.object, r.warnings);
}

export function logAudit(ctx: Pick<ServerContext, 'log'>, namespace: string, written: { object: Record<string, any>; audit?: string }): void {
  if (written.audit) ctx.log(`audit pods ${namespace}/${written.object.metadata?.name}: pod-security.kubernetes.io/audit-violations=${JSON.stringify(written.audit)}`);
}

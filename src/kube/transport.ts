// How requests reach one cluster: its URL, the one keep-alive agent (./agent.ts)
// and each request's credentials (./credentials.ts).

import type http from 'node:http';
import { CliError } from '../errors.js';
import { keepAliveAgent, type TlsSettings } from './agent.js';
import { atDeadline } from './deadline.js';
import { KubeconfigError } from './kubeconfig.js';

/** What one request carries: its headers, and a client certificate when a credential plugin gave one. */
export interface RequestCredentials {
  headers: Record<string, string | string[]>;
  cert?: string;
  key?: string;
}

/**
 * The user's credentials, asked for before every request (tokens rotate; a
 * plugin may still be running). Waiting ends on `signal` (ABORT_ERR) and at
 * `deadline` (an error that says what was waited for).
 */
export type CredentialSource = (signal?: AbortSignal, deadline?: number) => Promise<RequestCredentials>;

export interface Prepared {
  agent: http.Agent;
  headers: Record<string, string | string[]>;
}

export class Transport {
  private agentFor: { cert?: string; agent: http.Agent } | null = null;

  constructor(
    /** The server URL without trailing slashes; paths are appended to it (a server may sit under a path prefix). */
    readonly server: string,
    /** null: an http:// server. */
    readonly tls: TlsSettings | null,
    readonly proxy: URL | null,
    private readonly credentials: CredentialSource,
  ) {}

  url(path: string): URL {
    return new URL(this.server + path);
  }

  /**
   * The agent and headers for one request. Waiting for the credentials (a
   * plugin still running) ends at `deadline` or on `signal`, like the request
   * itself. A credential failure is the CliError that says so.
   */
  async prepare(signal?: AbortSignal, deadline = Infinity): Promise<Prepared> {
    const creds = await this.credentials(signal, deadline).catch((err: unknown) => {
      if (err instanceof KubeconfigError && (err as NodeJS.ErrnoException).code !== 'ABORT_ERR') {
        throw new CliError(err.message, err.hint, 'credentials');
      }
      throw err;
    });
    return { agent: this.agent(creds.cert, creds.key), headers: creds.headers };
  }

  /**
   * One agent for the cluster, so every request can reuse its connections. A
   * credential plugin that hands out client certificates gets a new agent
   * when it hands out a new one (the old agent's connections carry the old
   * certificate).
   */
  agent(cert?: string, key?: string): http.Agent {
    if (this.agentFor && this.agentFor.cert === cert) return this.agentFor.agent;
    let agent: http.Agent;
    try {
      agent = keepAliveAgent(this.tls && cert && key ? { ...this.tls, cert, key } : this.tls, this.proxy);
    } catch (err) {
      throw new CliError(`the TLS settings of the kubeconfig cannot be used: ${(err as Error).message}`,
        'check certificate-authority(-data), client-certificate(-data) and client-key(-data): they must be PEM', 'tls');
    }
    this.agentFor = { cert, agent };
    return agent;
  }
}

/** `p`, unless the deadline passes (`late()` is the error) or the signal fires (ABORT_ERR) first. */
export function bounded<T>(p: Promise<T>, signal: AbortSignal | undefined, deadline: number, late: () => Error): Promise<T> {
  if (!signal && !Number.isFinite(deadline)) return p;
  return new Promise<T>((resolve, reject) => {
    const cancelTimer = atDeadline(deadline, () => reject(late()));
    const onAbort = () => reject(Object.assign(new Error('interrupted'), { code: 'ABORT_ERR' }));
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => {
      cancelTimer();
      signal?.removeEventListener('abort', onAbort);
    });
  });
}

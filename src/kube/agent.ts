// The one agent every request to a cluster goes through.

import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { dialThroughProxy } from './proxy.js';

/** The TLS side of a cluster and user, from the kubeconfig (null for an http:// server). */
export interface TlsSettings {
  /** PEM; absent: the system's roots. */
  ca?: Buffer;
  /** PEM client certificate and key. */
  cert?: Buffer | string;
  key?: Buffer | string;
  /** insecure-skip-tls-verify. */
  insecure: boolean;
  /** tls-server-name: the name the certificate is checked against (and sent as SNI). */
  servername?: string;
}

/**
 * A keep-alive agent for one cluster: the API GETs and the exec websocket
 * upgrades all go through it, so a one-pod read sends its exec upgrade on the
 * connection its pod GET opened (the server answers the GET with keep-alive;
 * the upgrade takes the socket over), instead of a new TCP connection and TLS
 * handshake: two round trips fewer. Connections it must open (a sweep's
 * concurrent execs) resume the TLS session of an earlier one from the agent's
 * session cache (one round trip, no certificate chain), and share one
 * SecureContext: without it every socket would build its own from the CA and
 * client certificate in tls.connect, parsing every certificate again.
 * With a proxy, each new connection is a tunnel through it (./proxy.ts),
 * kept alive the same way.
 * https://nodejs.org/api/http.html#new-agentoptions
 * https://nodejs.org/api/tls.html#tlsconnectoptions-callback
 */
export function keepAliveAgent(settings: TlsSettings | null, proxy: URL | null): http.Agent {
  if (settings === null) return proxy ? new HttpTunnelAgent(proxy) : new http.Agent({ keepAlive: true });
  const options: https.AgentOptions = {
    keepAlive: true,
    secureContext: tls.createSecureContext({ ca: settings.ca, cert: settings.cert, key: settings.key }),
    rejectUnauthorized: !settings.insecure,
    ...(settings.servername ? { servername: settings.servername } : {}),
  };
  return proxy ? new HttpsTunnelAgent(proxy, options) : new https.Agent(options);
}

type Created = (err: Error | null, socket: Duplex) => void;

function target(o: http.ClientRequestArgs, defaultPort: number): [string, number] {
  return [String(o.hostname || o.host || 'localhost').replace(/^\[|\]$/g, ''), Number(o.port || defaultPort)];
}

/** TLS to the API server inside a tunnel: https.Agent's own connection (session cache, SNI), over the tunnel's socket. */
class HttpsTunnelAgent extends https.Agent {
  constructor(private readonly proxy: URL, options: https.AgentOptions) {
    super(options);
  }

  override createConnection(options: http.ClientRequestArgs, created?: Created): undefined {
    dialThroughProxy(this.proxy, ...target(options, 443)).then(
      (socket) => {
        let secure: Duplex;
        try {
          secure = super.createConnection({ ...options, socket } as never) as Duplex;
        } catch (err) {
          socket.destroy();
          return created?.(err as Error, socket);
        }
        created?.(null, secure);
      },
      (err: Error) => created?.(err, undefined as never),
    );
    return undefined;
  }
}

/** Plain HTTP to an http:// API server inside a tunnel. */
class HttpTunnelAgent extends http.Agent {
  constructor(private readonly proxy: URL) {
    super({ keepAlive: true });
  }

  override createConnection(options: http.ClientRequestArgs, created?: Created): undefined {
    dialThroughProxy(this.proxy, ...target(options, 80)).then((socket: net.Socket) => created?.(null, socket),
      (err: Error) => created?.(err, undefined as never));
    return undefined;
  }
}

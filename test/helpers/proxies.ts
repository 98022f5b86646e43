// Small forward proxies for tests of a kubeconfig's proxy-url: an HTTP proxy
// that only does CONNECT (RFC 9110 section 9.3.6), as corporate proxies do
// for TLS, and a SOCKS5 proxy without authentication (RFC 1928). Each counts
// the tunnels it opened, and can refuse them.
import net from 'node:net';

export interface TestProxy {
  url: string;
  /** host:port of every tunnel asked for, in order. */
  tunnels: string[];
  close(): Promise<void>;
}

async function listen(server: net.Server, scheme: string, tunnels: string[]): Promise<TestProxy> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    tunnels,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

function pipe(client: net.Socket, host: string, port: number, rest: Buffer, ready: () => void): void {
  const upstream = net.connect(port, host, () => {
    ready();
    if (rest.length > 0) upstream.write(rest);
    client.pipe(upstream).pipe(client);
  });
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
  client.on('close', () => upstream.destroy());
}

/** An HTTP proxy that answers CONNECT host:port with 200 and pipes bytes; `refuse` answers 403 instead. */
export function startConnectProxy(o: { refuse?: boolean } = {}): Promise<TestProxy> {
  const tunnels: string[] = [];
  const server = net.createServer((client) => {
    let head = Buffer.alloc(0);
    const onData = (b: Buffer) => {
      head = Buffer.concat([head, b]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const m = /^CONNECT (\S+):(\d+) HTTP\/1\.[01]\r\n/.exec(head.toString('latin1'));
      if (!m) return void client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
      const host = m[1].replace(/^\[|\]$/g, '');
      tunnels.push(`${host}:${m[2]}`);
      if (o.refuse) return void client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      pipe(client, host, Number(m[2]), head.subarray(end + 4), () => client.write('HTTP/1.1 200 Connection established\r\n\r\n'));
    };
    client.on('data', onData);
    client.on('error', () => {});
  });
  return listen(server, 'http', tunnels);
}

/** A SOCKS5 proxy: no authentication, CONNECT to an IPv4 address or a domain name. */
export function startSocks5Proxy(): Promise<TestProxy> {
  const tunnels: string[] = [];
  const server = net.createServer((client) => {
    let buf = Buffer.alloc(0);
    let stage: 'greeting' | 'request' = 'greeting';
    const onData = (b: Buffer) => {
      buf = Buffer.concat([buf, b]);
      if (stage === 'greeting') {
        if (buf.length < 2 || buf.length < 2 + buf[1]) return;
        buf = buf.subarray(2 + buf[1]);
        client.write(Buffer.from([5, 0]));
        stage = 'request';
      }
      if (buf.length < 5) return;
      let host: string;
      let at: number;
      if (buf[3] === 1) {
        if (buf.length < 10) return;
        host = [...buf.subarray(4, 8)].join('.');
        at = 8;
      } else if (buf[3] === 3) {
        if (buf.length < 5 + buf[4] + 2) return;
        host = buf.subarray(5, 5 + buf[4]).toString();
        at = 5 + buf[4];
      } else {
        return void client.end(Buffer.from([5, 8, 0, 1, 0, 0, 0, 0, 0, 0]));
      }
      const port = buf.readUInt16BE(at);
      client.off('data', onData);
      tunnels.push(`${host}:${port}`);
      pipe(client, host, port, buf.subarray(at + 2), () => client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0])));
    };
    client.on('data', onData);
    client.on('error', () => {});
  });
  return listen(server, 'socks5', tunnels);
}

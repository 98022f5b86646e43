// What goes over the wire for a kubeconfig user, next to what kubectl 1.33
// sends for the same file: impersonation headers (as, as-uid, as-groups,
// as-user-extra), basic auth, a client certificate from files or from data,
// and tls-server-name. A small HTTPS server (the test API server's
// certificate) records each request and answers 404.
// https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAsync } from './helpers/cli.js';
import { CLEAN_ENV, hasKubectl, kubectlAsync } from './helpers/kubectl.js';

const CERTS = path.join(import.meta.dirname, 'apiserver', 'certs');
const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

interface Seen {
  headers: Record<string, string | string[] | undefined>;
  /** The client certificate's CN, when one was presented and it chains to the test CA. */
  clientCN: string | null;
}

describe('what is sent for a kubeconfig user', () => {
  let tmp: string;
  let server: https.Server;
  let url: string;
  const seen: Seen[] = [];
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'procstatus-kubeconfig-sent-'));
    server = https.createServer({
      cert: fs.readFileSync(path.join(CERTS, 'server.crt')),
      key: fs.readFileSync(path.join(CERTS, 'server.key')),
      ca: fs.readFileSync(path.join(CERTS, 'ca.crt')),
      requestCert: true,
      rejectUnauthorized: false,
    }, (req, res) => {
      const socket = req.socket as tls.TLSSocket;
      const peer = socket.getPeerCertificate();
      seen.push({ headers: req.headers, clientCN: socket.authorized && peer?.subject ? String(peer.subject.CN) : null });
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not here' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const kubeconfig = (name: string, user: Record<string, unknown>, clusterFields: Record<string, unknown> = {}): string => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, JSON.stringify({
      clusters: [{ name: 'c', cluster: { server: url, 'certificate-authority-data': fs.readFileSync(path.join(CERTS, 'ca.crt')).toString('base64'), ...clusterFields } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }));
    return file;
  };
  /** What our tool sent, then what kubectl sent, for the same file. */
  const both = async (file: string): Promise<{ ours: Seen; theirs: Seen | null }> => {
    seen.length = 0;
    const r = await runCliAsync(['--kubeconfig', file, 'single', '--pid', '1'], CLEAN_ENV);
    expect(r.stderr).toMatch(/^error: pod "single" not found/);
    const ours = seen[0];
    if (!hasKubectl) return { ours, theirs: null };
    seen.length = 0;
    await kubectlAsync(['--kubeconfig', file, 'get', 'pod', 'single']);
    return { ours, theirs: seen[0] };
  };
  /**
   * The identity headers: names lowercased with %XX escapes in one case (Go
   * canonicalizes names, Node lowercases them), and a repeated header's
   * values (Node joins them with ", ") as a sorted list.
   */
  const identity = (s: Seen) => Object.fromEntries(Object.entries(s.headers)
    .filter(([k]) => k === 'authorization' || k.startsWith('impersonate-'))
    .map(([k, v]) => [k.toLowerCase().replace(/%[0-9a-f]{2}/g, (m) => m.toUpperCase()), [v].flat().flatMap((x) => String(x).split(', ')).sort()])
    .sort(([a], [b]) => String(a).localeCompare(String(b))));

  it('impersonation and basic auth: the same headers as kubectl', async () => {
    const file = kubeconfig('impersonate', {
      username: 'jane',
      password: 'pa:ss',
      as: 'system:serviceaccount:ops:deployer',
      'as-uid': '1234-abcd',
      'as-groups': ['system:authenticated', 'ops'],
      'as-user-extra': { scopes: ['view', 'edit'], 'example.com/reason': ['audit 42'], 'acme%team': ['x'] },
    });
    const { ours, theirs } = await both(file);
    expect(identity(ours)).toEqual({
      authorization: [`Basic ${Buffer.from('jane:pa:ss').toString('base64')}`],
      'impersonate-extra-acme%25team': ['x'],
      'impersonate-extra-example.com%2Freason': ['audit 42'],
      'impersonate-extra-scopes': ['edit', 'view'],
      'impersonate-group': ['ops', 'system:authenticated'],
      'impersonate-uid': ['1234-abcd'],
      'impersonate-user': ['system:serviceaccount:ops:deployer'],
    });
    if (theirs) expect(identity(ours)).toEqual(identity(theirs));
  });

  it.skipIf(!hasOpenssl)('a client certificate, from files and from data, is presented as kubectl presents it', async () => {
    const key = path.join(tmp, 'client.key');
    const csr = path.join(tmp, 'client.csr');
    const crt = path.join(tmp, 'client.crt');
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key,
      '-subj', '/CN=jane/O=ops', '-out', csr], { stdio: 'ignore' });
    execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', path.join(CERTS, 'ca.crt'), '-CAkey', path.join(CERTS, 'ca.key'),
      '-CAcreateserial', '-CAserial', path.join(tmp, 'ca.srl'), '-days', '1', '-out', crt], { stdio: 'ignore' });
    const files = await both(kubeconfig('cert-files', { 'client-certificate': crt, 'client-key': key }));
    expect(files.ours.clientCN).toBe('jane');
    expect(files.ours.headers.authorization).toBeUndefined();
    if (files.theirs) expect(files.theirs.clientCN).toBe('jane');
    const data = await both(kubeconfig('cert-data', {
      'client-certificate-data': fs.readFileSync(crt).toString('base64'), 'client-key-data': fs.readFileSync(key).toString('base64'),
    }));
    expect(data.ours.clientCN).toBe('jane');
    if (data.theirs) expect(data.theirs.clientCN).toBe('jane');
  });

  it('tls-server-name: the certificate is checked against it, not the address', async () => {
    // The server's certificate names localhost and 127.0.0.1, not api.example.
    const good = await both(kubeconfig('sni-good', { token: 't' }, { 'tls-server-name': 'localhost' }));
    expect(good.ours.headers.authorization).toBe('Bearer t');
    seen.length = 0;
    const bad = await runCliAsync(['--kubeconfig', kubeconfig('sni-bad', { token: 't' }, { 'tls-server-name': 'api.example' }), 'single', '--pid', '1'], CLEAN_ENV);
    expect(bad.stderr).toMatch(/^error: TLS verification of the API server .* failed: .*api\.example/);
    expect(seen).toEqual([]);
    if (hasKubectl) {
      const k = await kubectlAsync(['--kubeconfig', path.join(tmp, 'sni-bad'), 'get', 'pod', 'single']);
      expect(k.stderr).toMatch(/certificate is valid for .*, not api\.example/);
    }
  });
});

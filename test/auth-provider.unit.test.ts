// kubeconfig auth-providers (oidc, gcp, azure) go to client-node's
// authenticators (src/kube/auth-provider.ts), and client-node is imported
// only for a user that has one, at its first request: never for a token,
// tokenFile, basic auth, client certificate or exec plugin user.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadCluster } from '../src/kube/config.ts';

const imports = vi.hoisted(() => ({ count: 0 }));
vi.mock('@kubernetes/client-node/dist/config.js', async (importOriginal) => {
  imports.count++;
  return importOriginal();
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'procstatus-auth-provider-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function load(user: Record<string, unknown>) {
  const file = path.join(tmp, `config-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(file, JSON.stringify({
    clusters: [{ name: 'c', cluster: { server: 'https://api.example:6443' } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  }));
  return loadCluster({ kubeconfig: file, context: null, env: { PATH: process.env.PATH }, cwd: tmp, home: tmp, stderr: () => {} });
}

/** A JWT that expires in an hour (OIDC's id-token; client-node refreshes only an expired one). */
function idToken(): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ sub: 'jane', exp: Math.floor(Date.now() / 1000) + 3600 })}.sig`;
}

describe('client-node is loaded for an auth-provider user only', () => {
  it('not for token, tokenFile, basic auth or exec plugin users', async () => {
    fs.writeFileSync(path.join(tmp, 'token'), 'from-file\n');
    const plugin = path.join(tmp, 'plugin');
    fs.writeFileSync(plugin, '#!/bin/sh\necho \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"p"}}\'\n', { mode: 0o700 });
    const users = [
      { token: 't' },
      { tokenFile: path.join(tmp, 'token') },
      { username: 'jane', password: 'secret' },
      { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' } },
    ];
    const sent = [];
    for (const u of users) sent.push((await load(u).transport.prepare()).headers.Authorization);
    expect(sent).toEqual(['Bearer t', 'Bearer from-file', `Basic ${Buffer.from('jane:secret').toString('base64')}`, 'Bearer p']);
    expect(imports.count).toBe(0);
  });

  it('gcp: at the first request (not at load), once; its access-token is sent', async () => {
    const c = load({ 'auth-provider': { name: 'gcp', config: { 'access-token': 'ya29.token', expiry: new Date(Date.now() + 3600_000).toISOString() } } });
    expect(imports.count).toBe(0);
    expect((await c.transport.prepare()).headers.Authorization).toBe('Bearer ya29.token');
    expect((await c.transport.prepare()).headers.Authorization).toBe('Bearer ya29.token');
    expect(imports.count).toBe(1);
  });

  it('oidc: a current id-token is sent as it is', async () => {
    const token = idToken();
    const c = load({ 'auth-provider': { name: 'oidc', config: { 'id-token': token, 'client-id': 'kubernetes', 'idp-issuer-url': 'https://issuer.example' } } });
    expect((await c.transport.prepare()).headers.Authorization).toBe(`Bearer ${token}`);
  });

  it('a token beside the auth-provider wins, as with client-node, and nothing is loaded for it', async () => {
    const before = imports.count;
    const c = load({ token: 'own', 'auth-provider': { name: 'gcp', config: { 'access-token': 'ya29.token' } } });
    expect((await c.transport.prepare()).headers.Authorization).toBe('Bearer own');
    expect(imports.count).toBe(before);
  });
});

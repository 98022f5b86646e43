// The agent every request to a cluster goes through (src/kube/transport.ts,
// src/kube/agent.ts): one keep-alive agent per cluster, so the exec upgrade
// can take over the pod GET's connection; the kubeconfig's TLS settings on
// it; a tunnel agent for a proxy-url; a new agent only when a credential
// plugin hands out a new client certificate.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { describe, expect, it } from 'vitest';
import { Transport, type CredentialSource } from '../src/kube/transport.js';

const certs = new URL('./apiserver/certs/', import.meta.url);
const pem = (name: string) => fs.readFileSync(new URL(name, certs), 'utf8');
const anonymous: CredentialSource = async () => ({ headers: {} });
const transport = (tls: ConstructorParameters<typeof Transport>[1] = { insecure: false }, proxy: URL | null = null) =>
  new Transport('https://127.0.0.1:6443', tls, proxy, anonymous);

describe('the agent of a cluster', () => {
  it('one keep-alive agent per cluster: the GET and the upgrade get the same one', async () => {
    const t = transport();
    const first = (await t.prepare()).agent as https.Agent;
    expect(first).toBeInstanceOf(https.Agent);
    expect((first as unknown as { keepAlive: boolean }).keepAlive).toBe(true);
    expect((await t.prepare()).agent).toBe(first);
    expect((await transport().prepare()).agent).not.toBe(first);
  });

  it('keeps skip-TLS-verify and the TLS server name of the kubeconfig', () => {
    const agent = transport({ insecure: true, servername: 'api.example' }).agent() as https.Agent;
    expect(agent.options).toMatchObject({ rejectUnauthorized: false, servername: 'api.example' });
    expect((transport().agent() as https.Agent).options).toMatchObject({ rejectUnauthorized: true });
  });

  it('an http:// server gets a plain keep-alive agent; a proxy-url a tunnel agent, kept alive too', () => {
    const plain = new Transport('http://127.0.0.1:8001', null, null, anonymous).agent();
    expect(plain).toBeInstanceOf(http.Agent);
    expect(plain).not.toBeInstanceOf(https.Agent);
    const tunnel = transport({ insecure: false }, new URL('http://proxy.example:3128')).agent();
    expect(tunnel).toBeInstanceOf(https.Agent);
    expect(Object.getPrototypeOf(tunnel)).not.toBe(https.Agent.prototype);
    expect((tunnel as unknown as { keepAlive: boolean }).keepAlive).toBe(true);
  });

  it('a credential plugin\'s new client certificate gets a new agent; the same one keeps it', () => {
    const t = transport();
    const [cert1, key1] = [pem('server.crt'), pem('server.key')];
    const [cert2, key2] = [pem('ca.crt'), pem('ca.key')];
    const a = t.agent(cert1, key1);
    expect(t.agent(cert1, key1)).toBe(a);
    expect(t.agent(cert2, key2)).not.toBe(a);
  });
});

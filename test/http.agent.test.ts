// The agent every request to a cluster goes through (src/kube/http.ts): one
// keep-alive agent per cluster, so the exec upgrade can take over the pod
// GET's connection, and a proxy agent left as it is.
import https from 'node:https';
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../src/kube/config.js';
import { agentFor } from '../src/kube/http.js';

// agentFor keys on the Cluster object only; nothing else of it is read.
const cluster = (): Cluster => ({ server: 'https://127.0.0.1:6443', context: 'test', namespace: 'default' }) as unknown as Cluster;

describe('agentFor', () => {
  it('swaps client-node\'s plain https.Agent for one keep-alive agent per cluster', () => {
    const a = cluster();
    const first = agentFor(a, { agent: new https.Agent() }) as https.Agent;
    expect(first).toBeInstanceOf(https.Agent);
    expect((first as unknown as { keepAlive: boolean }).keepAlive).toBe(true);
    // The same agent for the GET and the upgrade, whatever agent client-node hands each.
    expect(agentFor(a, { agent: new https.Agent() })).toBe(first);
    expect(agentFor(cluster(), { agent: new https.Agent() })).not.toBe(first);
  });

  it('keeps skip-TLS-verify and the TLS server name of the kubeconfig', () => {
    const agent = agentFor(cluster(), { agent: new https.Agent(), rejectUnauthorized: false, servername: 'api.example' }) as https.Agent;
    expect(agent.options).toMatchObject({ rejectUnauthorized: false, servername: 'api.example' });
  });

  it('leaves a proxy agent (a subclass) and a missing agent alone', () => {
    class ProxyAgent extends https.Agent {}
    const proxy = new ProxyAgent();
    expect(agentFor(cluster(), { agent: proxy })).toBe(proxy);
    expect(agentFor(cluster(), {})).toBeUndefined();
  });
});

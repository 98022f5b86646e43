// Findings on captured status texts, for the cases a pod on this machine
// cannot show (its sandbox lacks CAP_SYS_RESOURCE, so no process here holds
// every capability).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { atLeast, findingsFor } from '../src/judge/findings.js';
import { statusRecord } from './helpers/records.js';
import { podPolicy } from '../src/sources/policy.js';
import { HOST_POLICY } from '../src/judge/policy.js';

const host = readFileSync(new URL('fixtures/status/pid1-host-6.18.txt', import.meta.url), 'utf8');
const nnp = readFileSync(new URL('fixtures/status/setpriv-nnp-6.18.txt', import.meta.url), 'utf8');
const POD = { pod: 'p', namespace: 'n', container: 'c' };
const item = (text: string, pid = 1, origin: { pod: string | null; namespace: string | null; container: string | null } = POD) =>
  statusRecord(origin, pid, text);
const policy = (securityContext: Record<string, unknown> = {}) =>
  podPolicy({ metadata: { name: 'p', namespace: 'n' }, spec: { containers: [{ name: 'c', securityContext }] } }, { name: 'c', securityContext });
const ids = (f: { id: string }[]) => f.map((x) => x.id).sort();
const full = host.replace(/^CapEff:.*$/m, 'CapEff:\t000001ffffffffff').replace(/^CapBnd:.*$/m, 'CapBnd:\t000001ffffffffff');

describe('findingsFor', () => {
  it('every capability is effectively privileged; without privileged: true in the spec that is one exceeds-spec finding', () => {
    const f = findingsFor(item(full), policy({}));
    const exceeds = f.filter((x) => x.id === 'exceeds-spec');
    expect(exceeds).toHaveLength(1);
    expect(exceeds[0]).toMatchObject({ severity: 'critical', control: 'Privileged Containers' });
    expect(exceeds[0].message).toMatch(/CAP_SYS_ADMIN.*neither the runtime's default set nor capabilities.add grants \(the container is not privileged\)/);
    expect(ids(f)).not.toContain('all-capabilities'); // the same control, told once
    const asked = findingsFor(item(full), policy({ privileged: true }));
    expect(ids(asked)).toContain('all-capabilities');
    expect(ids(asked)).not.toContain('exceeds-spec');
  });

  it('a capability the spec drops by name must be gone', () => {
    const f = findingsFor(item(nnp), policy({ capabilities: { drop: ['NET_BIND_SERVICE'] } }));
    expect(f.find((x) => x.id === 'exceeds-spec')!.message).toMatch(/drops CAP_NET_BIND_SERVICE, but the process still has it/);
  });

  it('drop ALL with an add is honoured when the bounding set holds only the added ones', () => {
    const f = findingsFor(item(nnp), policy({ capabilities: { drop: ['ALL'], add: ['CHOWN', 'NET_BIND_SERVICE'] } }));
    expect(ids(f)).not.toContain('exceeds-spec');
  });

  it('PID 1 that ignores SIGTERM, vs one that blocks it', () => {
    const ignoring = item(nnp); // trap "" TERM: SigIgn has SIGTERM
    expect(findingsFor(ignoring, policy()).find((x) => x.id === 'pid1-ignores-sigterm')!.message).toMatch(/ignores SIGTERM/);
    const blocking = item(nnp.replace(/^SigIgn:.*$/m, 'SigIgn:\t0000000000000000').replace(/^SigBlk:.*$/m, 'SigBlk:\t0000000000004000'));
    expect(ids(findingsFor(blocking, policy()))).not.toContain('pid1-ignores-sigterm');
    expect(ids(findingsFor(item(nnp, 7), policy()))).not.toContain('pid1-ignores-sigterm');
  });

  it('local processes are not held to pod rules (root, PID 1)', () => {
    const local = item(host, 1, { pod: null, namespace: null, container: null });
    expect(ids(findingsFor(local, HOST_POLICY))).not.toContain('runs-as-root');
    expect(ids(findingsFor(local, HOST_POLICY))).not.toContain('pid1-ignores-sigterm');
  });

  it('a malformed SigCgt never makes PID 1 look like it has no handler', () => {
    const broken = item(nnp.replace(/^SigIgn:.*$/m, 'SigIgn:\t0000000000000000').replace(/^SigCgt:.*$/m, 'SigCgt:\tnot-a-mask')
      .split('\n').filter((l) => !l.startsWith('SigBlk:')).join('\n'));
    expect(ids(findingsFor(broken, policy()))).not.toContain('pid1-ignores-sigterm');
  });

  it('severity order for --fail-on', () => {
    expect(atLeast('critical', 'warning')).toBe(true);
    expect(atLeast('warning', 'critical')).toBe(false);
  });
});

// -o sarif on judged records built from captured status texts: the mapping
// rules (levels, rules, locations, fingerprints, failures), and every log
// valid against the OASIS SARIF 2.1.0 schema.
import { readFileSync } from 'node:fs';
import type { Log, Result } from 'sarif';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/judge/finding.js';
import type { Judged } from '../src/judge/judge.js';
import { HOST_POLICY } from '../src/judge/policy.js';
import { failure } from '../src/record/failure.js';
import { failedRecord } from '../src/record/record.js';
import { renderJson } from '../src/render/json.js';
import { sarifLog } from '../src/render/sarif.js';
import { DESCRIBED_IDS, HOMEPAGE } from '../src/render/sarif-rules.js';
import { containerPolicy, FULL, inPod, NNP } from './helpers/captured.js';
import { at, failedAt, judged, statusRecord } from './helpers/records.js';
import { sarifErrors } from './helpers/schemas.js';

const NOW = Date.parse('2026-12-02T09:14:03.410Z');

/** The log of these items, as the tool writes it and reads back, checked against the schema first. */
function log(items: Judged[]): Log {
  const doc = JSON.parse(renderJson(sarifLog(items, { now: NOW }))) as Log;
  expect(sarifErrors(doc)).toEqual([]);
  return doc;
}
const results = (l: Log): Result[] => l.runs[0].results ?? [];

describe('-o sarif: results and rules', () => {
  // PID 1 that ignores SIGTERM (warning), root with no filter and NoNewPrivs (info), and one with every capability (critical).
  const sigterm = judged(statusRecord(inPod('web'), 1, NNP), containerPolicy('app'));
  const privileged = judged(statusRecord(inPod('ops', 'debug'), 1, FULL), containerPolicy('debug', { privileged: true }));

  it('one run of kubectl-procstatus, its version, its home, and when it started', () => {
    const run = log([sigterm]).runs[0];
    expect(run.tool.driver).toMatchObject({ name: 'kubectl-procstatus', version: expect.any(String), informationUri: HOMEPAGE });
    expect(run.invocations).toEqual([{ executionSuccessful: true, startTimeUtc: '2026-12-02T09:14:03.410Z' }]);
  });

  it('a finding is a result at its severity\'s level, with its message', () => {
    const l = log([sigterm, privileged]);
    const levels = Object.fromEntries(results(l).map((r) => [r.ruleId, r.level]));
    expect(levels).toMatchObject({ 'pid1-ignores-sigterm': 'warning', 'all-capabilities': 'error', 'runs-as-root': 'note' });
    const all = [...sigterm.judgement.findings, ...privileged.judgement.findings];
    expect(results(l).map((r) => r.message.text)).toEqual(all.map((f) => f.message));
    for (const r of results(l)) expect(l.runs[0].tool.driver.rules![r.ruleIndex!].id).toBe(r.ruleId);
  });

  it('one rule per finding id seen, none for the rest; each with its level and the page that explains it', () => {
    const rules = log([sigterm, privileged]).runs[0].tool.driver.rules!;
    const seen = new Set([...sigterm.judgement.findings, ...privileged.judgement.findings].map((f) => f.id));
    expect(rules.map((r) => r.id)).toEqual([...seen].sort());
    const byId = Object.fromEntries(rules.map((r) => [r.id, r]));
    expect(byId['pid1-ignores-sigterm']).toMatchObject({
      helpUri: 'https://man7.org/linux/man-pages/man2/kill.2.html', defaultConfiguration: { level: 'warning' },
      shortDescription: { text: 'PID 1 does not handle SIGTERM' }, properties: { tags: ['reliability'] },
    });
    expect(byId['all-capabilities']).toMatchObject({
      helpUri: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline', defaultConfiguration: { level: 'error' },
    });
    expect(byId['runs-as-root']).toMatchObject({
      helpUri: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted', defaultConfiguration: { level: 'note' },
    });
    for (const r of rules) expect(r.fullDescription!.text.length).toBeGreaterThan(r.shortDescription!.text.length);
    expect(log([]).runs[0].tool.driver.rules).toEqual([]);
  });

  it('an id the tool gives later gets a rule all the same, described by its control', () => {
    const novel: Finding = { id: 'proc-mount-unmasked', severity: 'critical', control: 'Privileged Containers',
      message: 'something new. https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline' };
    const item: Judged = { record: sigterm.record, judgement: { podSecurity: null, findings: [novel] } };
    const [rule] = log([item]).runs[0].tool.driver.rules!;
    expect(rule).toMatchObject({ id: 'proc-mount-unmasked', name: 'ProcMountUnmasked', shortDescription: { text: 'Privileged Containers' },
      helpUri: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline', defaultConfiguration: { level: 'error' } });
  });

  it('every id the judging stage can give has a description of its own', () => {
    const source = ['findings.ts', 'relations.ts', 'drift.ts'].map((f) => readFileSync(new URL(`../src/judge/${f}`, import.meta.url), 'utf8')).join('\n');
    const ids = new Set([...source.matchAll(/(?:id: |: )'([a-z0-9]+(?:-[a-z0-9]+)+)'/g)].map((m) => m[1]));
    expect(ids.size).toBeGreaterThanOrEqual(22);
    expect([...ids].filter((id) => !DESCRIBED_IDS.includes(id))).toEqual([]);
  });

  it("the driver's informationUri is .krew.yaml's homepage", () => {
    const krew = readFileSync(new URL('../.krew.yaml', import.meta.url), 'utf8');
    expect(krew).toContain(`homepage: ${HOMEPAGE}\n`);
  });
});

describe('-o sarif: where a result is', () => {
  it('a logical location per process under its container, pod and namespace, and a relative URI GitHub can show', () => {
    const l = log([judged(statusRecord(inPod('web'), 1, NNP), containerPolicy('app'))]);
    const run = l.runs[0];
    expect(run.logicalLocations).toEqual([
      { name: 'default', fullyQualifiedName: 'default', kind: 'namespace' },
      { name: 'web', fullyQualifiedName: 'default/web', kind: 'pod', parentIndex: 0 },
      { name: 'app', fullyQualifiedName: 'default/web/app', kind: 'container', parentIndex: 1 },
      { name: 'pid 1', fullyQualifiedName: 'default/web/app/pid 1', kind: 'process', parentIndex: 2 },
    ]);
    for (const r of results(l)) {
      expect(r.locations).toEqual([{
        physicalLocation: { artifactLocation: { uri: 'namespaces/default/pods/web/containers/app' },
          region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 } },
        logicalLocations: [{ index: 3, fullyQualifiedName: 'default/web/app/pid 1' }],
        message: { text: 'pid 1 (cat)' },
      }]);
    }
  });

  it("a node's own processes sit under the node, this machine's alone", () => {
    const onNode = log([judged(statusRecord({ node: 'node-1' }, 1, FULL), HOST_POLICY)]);
    expect(results(onNode)[0].locations![0]).toMatchObject({
      physicalLocation: { artifactLocation: { uri: 'nodes/node-1/processes/process_api' } },
      logicalLocations: [{ fullyQualifiedName: 'node node-1/pid 1' }],
    });
    const local = log([judged(statusRecord({}, 1, FULL), HOST_POLICY)]);
    expect(local.runs[0].logicalLocations).toEqual([{ name: 'pid 1', fullyQualifiedName: 'pid 1', kind: 'process' }]);
    expect(results(local)[0].locations![0].physicalLocation!.artifactLocation!.uri).toBe('processes/process_api');
  });
});

describe('-o sarif: fingerprints', () => {
  const prints = (items: Judged[]) => results(log(items)).map((r) => r.partialFingerprints!);
  const one = (pod: string, container = 'app', namespace = 'default', text = NNP) =>
    judged(statusRecord(inPod(pod, container, namespace), 1, text), containerPolicy(container));

  it('the same in every run, and under the key GitHub reads', () => {
    const a = prints([one('web')]);
    expect(prints([one('web')])).toEqual(a);
    for (const p of a) {
      expect(p['procstatusFinding/v1']).toMatch(/^[0-9a-f]{64}$/);
      expect(p.primaryLocationLineHash).toBe(p['procstatusFinding/v1']);
    }
    expect(new Set(a.map((p) => p.primaryLocationLineHash)).size).toBe(a.length);
  });

  it("the same for a Deployment's replicas and after a rollout, which rename the pod; not across namespaces or containers", () => {
    const web = prints([one('web-6c9d5b7f4-xk2zq')]);
    expect(prints([one('web-6c9d5b7f4-9bq7t')])).toEqual(web);
    expect(prints([one('web-58f7cd9b4d-tz5lw')])).toEqual(web);
    expect(results(log([one('web-6c9d5b7f4-xk2zq')]))[0].locations![0].physicalLocation!.artifactLocation!.uri)
      .toBe('namespaces/default/pods/web-*/containers/app');
    expect(prints([one('web-6c9d5b7f4-xk2zq', 'app', 'staging')])).not.toEqual(web);
    expect(prints([one('web-6c9d5b7f4-xk2zq', 'sidecar')])).not.toEqual(web);
    expect(prints([one('db-0')])).not.toEqual(prints([one('db-1')]));
  });

  it('a message that quotes what changes at every start (a host uid range) keeps its fingerprint; another finding does not', () => {
    const userns = (outside: number) => judged(statusRecord(inPod('u'), 1, NNP, { uid_map: `0 ${outside} 65536\n` }), containerPolicy('app'));
    const [a, b] = [userns(65536), userns(131072)].map((j) => results(log([j])).find((r) => r.ruleId === 'userns-root')!);
    expect(a.message.text).not.toBe(b.message.text);
    expect(a.partialFingerprints).toEqual(b.partialFingerprints);
    const other = results(log([one('u')])).find((r) => r.ruleId === 'runs-as-root');
    expect(other!.partialFingerprints).not.toEqual(a.partialFingerprints);
  });
});

describe('-o sarif: what could not be read', () => {
  it('is no result: one error notification per failure, at its place, and the run did not succeed', () => {
    const gone = failedAt(inPod('web'), 42, 'no such process');
    const crashF = failure('not running', at(inPod('crashy')), 'container "app" of pod default/crashy is not running: waiting (CrashLoopBackOff)');
    const crash = [1, 7].map((pid) => failedRecord(at(inPod('crashy')), pid, crashF));
    const readOk = judged(statusRecord(inPod('web'), 1, NNP), containerPolicy('app'));
    const l = log([readOk, judged(gone, containerPolicy('app')), ...crash.map((r) => judged(r, containerPolicy('app')))]);
    const inv = l.runs[0].invocations![0];
    expect(inv.executionSuccessful).toBe(false);
    expect(results(l).every((r) => r.locations![0].logicalLocations![0].fullyQualifiedName === 'default/web/app/pid 1')).toBe(true);
    expect(inv.toolExecutionNotifications).toEqual([
      { level: 'error', message: { text: 'pid 42 in default/web (container app): no such process' },
        locations: [{ physicalLocation: expect.objectContaining({ artifactLocation: { uri: 'namespaces/default/pods/web/containers/app' } }),
          logicalLocations: [{ index: expect.any(Number), fullyQualifiedName: 'default/web/app/pid 42' }] }],
        properties: { failureKind: 'failed' } },
      { level: 'error', message: { text: 'container "app" of pod default/crashy is not running: waiting (CrashLoopBackOff)' },
        locations: [{ physicalLocation: expect.objectContaining({ artifactLocation: { uri: 'namespaces/default/pods/crashy/containers/app' } }),
          logicalLocations: [{ index: expect.any(Number), fullyQualifiedName: 'default/crashy/app' }] }],
        properties: { failureKind: 'not running' } },
    ]);
  });

  it('a cut read is told once for its container, not once per process it cost', () => {
    const cut = failure('output cut', at(inPod('flood')), 'output cut at 65536 bytes (--max-bytes)');
    const lost = failedRecord(at(inPod('flood')), 1, { ...failure('output cut', at(inPod('flood')), 'output cut before this process'), within: cut });
    const whole = failedRecord(at(inPod('flood')), null, cut);
    const notes = log([judged(lost, containerPolicy('app')), judged(whole, containerPolicy('app'))]).runs[0].invocations![0].toolExecutionNotifications!;
    expect(notes.map((n) => n.message.text)).toEqual(['default/flood (container app): output cut at 65536 bytes (--max-bytes)']);
  });
});

describe('-o sarif: untrusted text', () => {
  it('a forged Name reaches no viewer raw: its controls are visible escapes, and the log is valid', () => {
    const EVIL = 'ev\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202e\ufffe';
    const forged = judged(statusRecord(inPod('hostile'), 1, NNP.replace(/^Name:.*$/m, `Name:\t${EVIL}`)), containerPolicy('app'));
    const local = judged(statusRecord({}, 1, FULL.replace(/^Name:.*$/m, `Name:\t${EVIL}/x`)), HOST_POLICY);
    const text = renderJson(sarifLog([forged, local], { now: NOW }));
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    const l = log([forged, local]);
    // eslint-disable-next-line no-control-regex
    expect(JSON.stringify(JSON.parse(text))).not.toMatch(/\\u00(1b|07|9b)|\u202e/);
    const sig = results(l).find((r) => r.ruleId === 'pid1-ignores-sigterm')!;
    expect(sig.message.text).toContain('PID 1 (ev\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202e\\ufffe)');
    expect(sig.locations![0].message!.text).toBe('pid 1 (ev\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202e\\ufffe)');
    const uri = results(l).find((r) => r.locations![0].physicalLocation!.artifactLocation!.uri!.startsWith('processes/'))!
      .locations![0].physicalLocation!.artifactLocation!.uri!;
    expect(uri).toBe(`processes/${encodeURIComponent('ev\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202e\\ufffe/x')}`);
  });
});

describe('-o sarif: replicas that drift apart', () => {
  const drift = (pods: string[]) => ({
    namespace: 'shop', owner: 'ReplicaSet api-6d4cf56db9', container: 'api',
    findings: [{ id: 'replica-drift', severity: 'warning' as const,
      message: `ReplicaSet api-6d4cf56db9 in shop, container api: its pods share one template, yet Seccomp filter in ${pods[0]} (node node-1); Seccomp disabled in ${pods[1]} (node node-2)` }],
    replicas: pods.map((pod, i) => ({ pod, node: `node-${i + 1}`, runtime: null, kubelet: null,
      state: { CapBnd: null, CapEff: null, Seccomp: null, NoNewPrivs: null, LSM: null, UidMap: null, GidMap: null } })),
  });
  const logOf = (d: ReturnType<typeof drift>[]) => {
    const doc = JSON.parse(renderJson(sarifLog([], { now: NOW }, d))) as Log;
    expect(sarifErrors(doc)).toEqual([]);
    return doc;
  };

  it('a result of its rule at the owner\'s container: the owner in the logical tree, the workload\'s artifact', () => {
    const l = logOf([drift(['api-6d4cf56db9-m9q4r', 'api-6d4cf56db9-t5w8z'])]);
    const [r] = results(l);
    expect(r).toMatchObject({ ruleId: 'replica-drift', level: 'warning' });
    expect(l.runs[0].tool.driver.rules!.map((x) => x.id)).toEqual(['replica-drift']);
    expect(r.locations![0].physicalLocation!.artifactLocation!.uri).toBe('namespaces/shop/pods/api-*/containers/api');
    expect(r.locations![0].logicalLocations![0].fullyQualifiedName).toBe('shop/ReplicaSet api-6d4cf56db9/api');
    expect(l.runs[0].logicalLocations!.map((x) => x.kind)).toEqual(['namespace', 'owner', 'container']);
  });

  it('one alert from rollout to rollout: the fingerprint leaves out the pods and nodes its message names', () => {
    const a = results(logOf([drift(['api-6d4cf56db9-m9q4r', 'api-6d4cf56db9-t5w8z'])]))[0];
    const b = results(logOf([drift(['api-7f8b9c6d5-x2x4z', 'api-7f8b9c6d5-q7w9k'])]))[0];
    expect(a.partialFingerprints).toEqual(b.partialFingerprints);
    const other = { ...drift(['api-6d4cf56db9-m9q4r', 'api-6d4cf56db9-t5w8z']), container: 'sidecar' };
    expect(results(logOf([other]))[0].partialFingerprints).not.toEqual(a.partialFingerprints);
  });
});

// Hostile containers and a failing API server: every case is one clear
// error, a non-zero exit, no hang, and whatever did arrive is kept.
import { describe, expect, inject, it } from 'vitest';
import { runCliAsync } from './helpers/cli.js';

const cluster = inject('cluster');
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe.skipIf(!cluster)('a hostile container', () => {
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', cluster!.kubeconfig, ...args]);

  it.each(['table', 'wide', 'yaml'])('a forged Name with terminal escapes is neutralised in -o %s', async (output) => {
    const r = await cli('hostile', '--pid', '1', '-o', output);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(output === 'yaml' ? '\\e]0;pwned\\a\\e[2Jevil' : '\\x1b]0;pwned\\x07\\x1b[2Jevil');
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
  });

  it('-o json escapes it, and malformed masks are errors for those fields only', async () => {
    const r = await cli('hostile', '--pid', '1', '-o', 'json');
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    const [item] = JSON.parse(r.stdout).items;
    expect(item.name).toBe('\u001b]0;pwned\u0007\u001b[2Jevil');
    // SigIgn wrapped in colour escapes, SigCgt 32 digits long, CapBnd hidden with SGR 8.
    expect(item.signals.ignored).toMatchObject({ names: null, error: expect.stringMatching(/malformed/) });
    expect(item.signals.caught).toMatchObject({ names: null, error: expect.stringMatching(/malformed/) });
    expect(item.capabilities.bounding).toMatchObject({ names: null });
    // All 64 bits set: bits past CAP_CHECKPOINT_RESTORE stay visible by number.
    expect(item.capabilities.effective.names).toContain('CAP_63');
    expect(item.capabilities.effective.names).toHaveLength(64);
  });

  it('a flood is cut at --max-bytes: the socket is closed, what was parsed kept, the cut reported', async () => {
    const r = await cli('hostile', '--pid', '1,2', '--max-bytes', '65536', '-o', 'json');
    expect(r.code).toBe(1);
    const items = JSON.parse(r.stdout).items;
    expect(items[0]).toMatchObject({ pid: 1, error: null });
    expect(items[1]).toMatchObject({ pid: 2, error: expect.stringMatching(/cut at the --max-bytes limit/) });
    expect(r.stderr).toMatch(/^error: default\/hostile \(container app\): output cut at 65536 bytes \(--max-bytes\)/m);
    // The cut is in the document too, not only on stderr: an item for the container.
    expect(items).toContainEqual(expect.objectContaining({ pod: 'hostile', container: 'app', pid: null, error: expect.stringMatching(/output cut at 65536 bytes/) }));
  });

  it('a cat that never stops (yes) is cut too, and nothing is invented', async () => {
    const r = await cli('flood', '--pid', '1', '--max-bytes', '65536', '-o', 'json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).items[0]).toMatchObject({ pid: 1, error: expect.stringMatching(/cut/), capabilities: null });
  });
});

describe.skipIf(!cluster)('faults on the way', () => {
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', cluster!.kubeconfig, '--request-timeout', '5s', ...args]);

  it('the websocket closes mid-stream: what arrived is parsed, the rest is an error, exit 1', async () => {
    const r = await cli('flaky-midstream', '--pid', '1,2', '-o', 'json');
    expect(r.code).toBe(1);
    const items = JSON.parse(r.stdout).items;
    expect(items[0]).toMatchObject({ pid: 1, name: 'sh' });
    expect(items[1]).toMatchObject({ pid: 2, error: expect.stringMatching(/closed without a status/) });
    expect(r.stderr).toMatch(/^error: default\/flaky-midstream \(container app\): the exec stream closed without a status/m);
  });

  it('a stream that ends without a Status frame is an error, not a success', async () => {
    const r = await cli('flaky-nostatus', '--pid', '1');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Process: 1 \(sh\)/);
    expect(r.stderr.trim()).toBe('error: default/flaky-nostatus (container app): the exec stream closed without a status; the output may be incomplete');
  });

  it('a 500 Status on the exec upgrade', async () => {
    const r = await cli('broken-500', '--pid', '1');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toMatch(/^error: create pods\/exec default\/broken-500: Internal error occurred: .* \(HTTP 500\)$/);
  });

  it('a 500 Status on the pod GET', async () => {
    const r = await cli('broken-get', '--pid', '1');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error: get pods default\/broken-get: Internal error occurred: .* \(HTTP 500\)$/);
  });

  it('a non-zero exit with partial stdout keeps every PID that came back', async () => {
    const r = await cli('web', '--pid', '1,3999999,2', '-o', 'json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).items.map((i: { pid: number; error: string | null }) => [i.pid, i.error]))
      .toEqual([[1, null], [3999999, 'no such process'], [2, null]]);
  });
});

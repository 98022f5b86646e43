// Decoding checked against oracles that share no code with it: libcap's
// `capsh --decode`, Python's signal module, and the kernel's own status of
// processes started with known capabilities (setpriv) and dispositions (trap).
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CAPABILITY_NAMES, capabilityName, decodeCapabilities } from '../src/decode/capabilities.js';
import { decodeSignals, signalName } from '../src/decode/signals.js';
import { parseStatus } from '../src/procfs/status.js';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function capshNames(mask: string): string[] {
  const out = execFileSync('capsh', [`--decode=${mask}`], { encoding: 'utf8' }).trim();
  const list = out.slice(out.indexOf('=') + 1);
  return list === '' ? [] : list.split(',').map((n) => n.toUpperCase());
}

/** Masks that cover every single bit, the full set, and a few mixes. */
function sampleMasks(): string[] {
  const masks = ['0000000000000000', '000001ffffffffff', '00000000a80425fb', '0000000000000400', '0000000000200000'];
  for (let bit = 0; bit < CAPABILITY_NAMES.length; bit++) masks.push((1n << BigInt(bit)).toString(16).padStart(16, '0'));
  let x = 0x2545f4914f6cdd1dn;
  for (let i = 0; i < 20; i++) {
    x = (x * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
    masks.push((x & ((1n << 41n) - 1n)).toString(16).padStart(16, '0'));
  }
  return masks;
}

describe.skipIf(!has('capsh'))('capabilities agree with capsh --decode', () => {
  it.each(sampleMasks())('%s', (mask) => {
    expect(decodeCapabilities(mask).names).toEqual(capshNames(mask));
  });

  it('keeps a bit beyond the table visible by its number', () => {
    // capsh prints unknown bits as numbers too; the tool says CAP_<n>.
    const mask = ((1n << 41n) | (1n << 63n) | 1n).toString(16).padStart(16, '0');
    expect(decodeCapabilities(mask).names).toEqual(['CAP_CHOWN', 'CAP_41', 'CAP_63']);
    expect(capshNames(mask).slice(1)).toEqual(['41', '63']);
  });
});

describe.skipIf(!has('python3'))("signals agree with Python's signal module", () => {
  const py = execFileSync('python3', ['-c', [
    'import signal',
    'names = {int(s): s.name for s in signal.Signals}',
    'print(signal.SIGRTMIN, signal.SIGRTMAX)',
    'for n in range(1, 65): print(n, names.get(n, "-"))',
  ].join('\n')], { encoding: 'utf8' }).trim().split('\n');
  const [rtmin, rtmax] = py[0].split(' ').map(Number);
  const table = new Map(py.slice(1).map((line) => line.split(' ')).map(([n, name]) => [Number(n), name]));

  it('names 1..31 like Python', () => {
    for (let n = 1; n <= 31; n++) {
      // Python names some numbers by an alias (SIGIOT for 6 on some builds, SIGPOLL/SIGIO).
      const aliases: Record<string, string> = { SIGIOT: 'SIGABRT', SIGPOLL: 'SIGIO', SIGCLD: 'SIGCHLD' };
      const name = table.get(n)!;
      expect(signalName(n), `signal ${n}`).toBe(aliases[name] ?? name);
    }
  });

  it('places SIGRTMIN and SIGRTMAX where glibc does', () => {
    expect(signalName(rtmin)).toBe('SIGRTMIN');
    expect(signalName(rtmax)).toBe('SIGRTMAX');
    expect(signalName(rtmin + 1)).toBe('SIGRTMIN+1');
    expect(signalName(rtmax - 1)).toBe(`SIGRTMIN+${rtmax - 1 - rtmin}`);
    expect(signalName(32)).toBe('SIG32');
    expect(signalName(33)).toBe('SIG33');
  });

  it('maps bit N to signal N+1 across the whole mask', () => {
    const all = decodeSignals('ffffffffffffffff').names!;
    expect(all).toHaveLength(64);
    expect(all[0]).toBe('SIGHUP');
    expect(all[14]).toBe('SIGTERM');
    expect(all[63]).toBe('SIGRTMAX');
  });

  it("decodes the guide's SigCgt sample from the bits, not the guide's list", () => {
    const mask = 0x1a0016623n;
    const expected: string[] = [];
    for (let bit = 0; bit < 64; bit++) {
      if ((mask >> BigInt(bit)) & 1n) {
        const n = bit + 1;
        expected.push(n <= 31 ? table.get(n)! : n < rtmin ? `SIG${n}` : n === rtmin ? 'SIGRTMIN' : `SIGRTMIN+${n - rtmin}`);
      }
    }
    // The guide listed SIGQUIT, SIGUSR2 and SIGWINCH, whose bits are not set.
    expect(decodeSignals('00000001a0016623').names).toEqual(expected);
    expect(expected).toEqual(expect.arrayContaining(['SIGTERM', 'SIGCHLD', 'SIGPWR', 'SIG32', 'SIG33']));
    expect(expected).not.toContain('SIGWINCH');
  });
});

const canSetpriv = has('setpriv') && has('capsh') && spawnSync('setpriv', ['--bounding-set=-all', 'true']).status === 0;

describe.skipIf(!canSetpriv)("the kernel's status of processes with known capabilities and dispositions", () => {
  function statusOf(prefix: string[], script: string) {
    const text = execFileSync(prefix[0], [...prefix.slice(1), 'sh', '-c', script], { encoding: 'utf8' });
    return parseStatus(text).fields;
  }

  it('setpriv bounding set and no_new_privs', () => {
    const f = statusOf(['setpriv', '--inh-caps=-all', '--bounding-set=-all,+net_bind_service,+kill', '--no-new-privs', '--'],
      'cat /proc/self/status');
    expect(decodeCapabilities(f.CapBnd).names).toEqual(['CAP_KILL', 'CAP_NET_BIND_SERVICE']);
    expect(f.NoNewPrivs).toBe('1');
  });

  it('setpriv ambient capability', () => {
    const f = statusOf(['setpriv', '--inh-caps=+net_raw', '--ambient-caps=+net_raw', '--'], 'cat /proc/self/status');
    expect(decodeCapabilities(f.CapAmb).names).toEqual(['CAP_NET_RAW']);
    expect(decodeCapabilities(f.CapInh).names).toEqual(['CAP_NET_RAW']);
  });

  it('trap sets caught and ignored signals', () => {
    // The trapping shell is the process read; $$ is its PID.
    const f = statusOf(['env'], 'trap "echo" TERM USR1 USR2; trap "" HUP PIPE; cat /proc/$$/status');
    const caught = decodeSignals(f.SigCgt).names!;
    expect(caught).toEqual(expect.arrayContaining(['SIGTERM', 'SIGUSR1', 'SIGUSR2']));
    expect(decodeSignals(f.SigIgn).names).toEqual(expect.arrayContaining(['SIGHUP', 'SIGPIPE']));
    expect(caught).not.toContain('SIGHUP');
  });

  it('a process without handlers catches no SIGTERM', () => {
    const f = statusOf(['env'], 'exec cat /proc/self/status');
    expect(decodeSignals(f.SigCgt).names).not.toContain('SIGTERM');
  });
});

describe('capability table', () => {
  it('ends at CAP_CHECKPOINT_RESTORE, bit 40', () => {
    expect(CAPABILITY_NAMES).toHaveLength(41);
    expect(capabilityName(40)).toBe('CAP_CHECKPOINT_RESTORE');
    expect(capabilityName(10)).toBe('CAP_NET_BIND_SERVICE');
  });
});

// kubectl's printers and psgo's columns, end to end: the built tool against
// the test API server's pods, whose /proc, /etc/passwd and /proc/stat are real.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { has, runCliAsync } from './helpers/cli.ts';
import { kubectlHome } from './apiserver/kubectl.ts';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';

const cluster = inject('cluster');

describe.skipIf(!cluster)('kubectl printers over the -o json document', () => {
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', cluster!.kubeconfig, ...args]);

  it('-o jsonpath with range and quoted literals: one line per process, tab-separated', async () => {
    const r = await cli('web', '--all-pids', '-o', 'jsonpath={range .items[*]}{.pid}{"\\t"}{.name}{"\\n"}{end}');
    expect(r.code).toBe(0);
    const json = JSON.parse((await cli('web', '--all-pids', '-o', 'json')).stdout).items as { pid: number; name: string }[];
    expect(r.stdout).toBe(json.map((i) => `${i.pid}\t${i.name}\n`).join(''));
    expect(r.stdout).toMatch(/^1\tsh\n/);
  });

  it('-o jsonpath lists print space-separated, as kubectl prints them; a missing key prints nothing', async () => {
    const r = await cli('web', '--pid', '1', '-c', 'sidecar', '-o', 'jsonpath={.items[0].capabilities.bounding.names}|{.items[0].nope}|');
    expect(r.stdout).toBe('["CAP_NET_BIND_SERVICE"]||');
  });

  it('-o custom-columns with --no-headers, and --sort-by over a numeric field', async () => {
    const r = await cli('busy', '--all-pids', '--no-headers', '--sort-by', '.rssBytes', '-o', 'custom-columns=PID:.pid,RSS:.rssBytes,USER:.user');
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => l.split(/\s+/));
    expect(rows.length).toBeGreaterThan(100);
    expect(rows[0]).toHaveLength(3);
    const rss = rows.map((row) => Number(row[1]));
    expect([...rss].sort((a, b) => a - b)).toEqual(rss);
    expect(rows.every((row) => row[2] === 'root')).toBe(true);
  });

  it('-o custom-columns-file and -o jsonpath-file read the template from a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'procstatus-printers-'));
    writeFileSync(join(dir, 'cols'), 'PID NAME\n.pid .name\n');
    writeFileSync(join(dir, 'tpl'), '{.items[0].name}');
    expect((await cli('web', '--pid', '1', '-o', `custom-columns-file=${join(dir, 'cols')}`)).stdout).toMatch(/^PID\s+NAME\n1\s+sh\n$/);
    expect((await cli('web', '--pid', '1', '-o', `jsonpath-file=${join(dir, 'tpl')}`)).stdout).toBe('sh');
  });

  it.skipIf(!existsSync(KUBECTL))("the template's own text prints as kubectl 1.33 prints it: CR, LF, tabs, ESC and all", async () => {
    const template = 'A\tB\r\n{"\\t\\r\\n"}{"\\u202e\\x1b[1m\\a\\x7f"}\x1b[0m\n';
    const home = kubectlHome();
    try {
      const theirs = spawnSync(KUBECTL, ['--kubeconfig', cluster!.kubeconfig, 'get', 'pods', '-A', '-o', `jsonpath=${template}`], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, HOME: home, KUBECONFIG: '' },
      });
      expect(theirs.status, theirs.stderr).toBe(0);
      expect(theirs.stdout).toBe('A\tB\r\n\t\r\n\u202e\x1b[1m\x07\x7f\x1b[0m\n');
      const ours = await cli('web', '--pid', '1', '-o', `jsonpath=${template}`);
      expect(ours.code, ours.stderr).toBe(0);
      expect(ours.stdout).toBe(theirs.stdout);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('a template that does not parse is bad usage before anything is read', async () => {
    const r = await cli('web', '--pid', '1', '-o', 'jsonpath={.items[');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: error parsing jsonpath {.items[, unterminated array\n');
  });
});

describe.skipIf(!has('python3'))("local mode: a process's own name and arguments cannot forge output", () => {
  // A process may name itself anything (prctl PR_SET_NAME) and take any arguments;
  // the kernel escapes only a newline and a backslash in status's Name, so the rest
  // arrive raw: ESC, TAB, CR, BEL, DEL, a C1 CSI and a bidi override.
  const NAME = 'ev\x1b\t\r\x07\x7f\u009b\u202e';
  const NAME_ESCAPED = 'ev\\x1b\\x09\\x0d\\x07\\x7f\\x9b\\u202e';
  const ARG = 'line one\nforged line\r\t\x1b[2J';
  const ARG_ESCAPED = 'line one\\x0aforged line\\x0d\\x09\\x1b[2J';
  const SCRIPT = [
    'import ctypes, sys, time',
    `ctypes.CDLL(None).prctl(15, ${JSON.stringify(NAME)}.encode(), 0, 0, 0)`,
    'print("ready", flush=True)',
    'time.sleep(600)',
  ].join('\n');
  let child: ChildProcess;
  let pid = '';

  beforeAll(async () => {
    child = spawn('python3', ['-c', SCRIPT, ARG], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => child.stdout!.once('data', resolve));
    pid = String(child.pid);
    // The kernel holds the name as set: the test's premise.
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8')).toBe(`${NAME}\n`);
  });
  afterAll(() => child?.kill('SIGKILL'));

  it('-o jsonpath: the name escaped, the template\'s newline raw', async () => {
    const r = await runCliAsync(['--pid', pid, '-o', 'jsonpath={.items[0].name}{"\\n"}']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${NAME_ESCAPED}\n`);
  });

  it('-o jsonpath over the arguments: one line per argument, however many newlines they hold', async () => {
    const r = await runCliAsync(['--pid', pid, '--cmdline', '-o', 'jsonpath={range .items[0].cmdline[*]}{@}{"\\r\\n"}{end}']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines.slice(-1)).toEqual([ARG_ESCAPED]);
    expect(lines).toHaveLength(4); // python3, -c, the script (its newlines escaped), the argument
    expect(lines[2]).not.toMatch(/\n/);
  });

  it('-o jsonpath-as-json: JSON escapes that parse back to the very name', async () => {
    const r = await runCliAsync(['--pid', pid, '-o', 'jsonpath-as-json={.items[0].name}']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(JSON.parse(r.stdout)).toEqual([NAME]);
  });

  it('-o custom-columns: one row for the process, the name escaped', async () => {
    const r = await runCliAsync(['--pid', pid, '--cmdline', '-o', 'custom-columns=PID:.pid,NAME:.name,LAST:.cmdline[-1]']);
    expect(r.code, r.stderr).toBe(0);
    const w = 6;
    expect(r.stdout).toBe(
      `${'PID'.padEnd(Math.max(w, pid.length + 3))}${'NAME'.padEnd(NAME_ESCAPED.length + 3)}LAST\n` +
        `${pid.padEnd(Math.max(w, pid.length + 3))}${NAME_ESCAPED}   ${ARG_ESCAPED}\n`,
    );
  });
});

describe.skipIf(!cluster)("psgo's columns from the same exec", () => {
  const cli = (...args: string[]) => runCliAsync(['--kubeconfig', cluster!.kubeconfig, ...args]);

  it('user names from the image, a start time from stat and btime, RSS in bytes', async () => {
    const [item] = JSON.parse((await cli('web', '--pid', '1', '-o', 'json')).stdout).items;
    expect(item.user).toBe('root');
    expect(item.group).toBe('root');
    const started = Date.parse(item.startTime);
    expect(started).toBeGreaterThan(Date.now() - 24 * 3600_000);
    expect(started).toBeLessThanOrEqual(Date.now());
    expect(item.rssBytes).toBe(Number(/(\d+) kB/.exec(item.vmRSS)![1]) * 1024);
    expect(item.cmdline).toBeNull();
    // No LSM on this kernel: attr/current answers EINVAL, which is a null label, not an error.
    expect(item.lsm).toBeNull();
    expect(item.uidMap).toEqual([{ inside: 0, outside: 0, count: 4294967295 }]);
  });

  it('an image with cat and no shell: explicit PIDs read in full through the framing, names fall back to numbers', async () => {
    const r = await cli('catonly', '--pid', '1', '-o', 'json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const [item] = JSON.parse(r.stdout).items;
    expect(item).toMatchObject({ pid: 1, name: 'server', error: null, user: null, group: null });
    expect(Date.parse(item.startTime)).toBeGreaterThan(0);
    expect(item.uidMap).toEqual([{ inside: 0, outside: 0, count: 4294967295 }]);
    // --all-pids needs a shell for its glob: said plainly.
    const all = await cli('catonly', '--all-pids');
    expect(all.code).toBe(1);
    expect(all.stderr).toMatch(/has no "sh" to run/);
  });

  it('the command line only when asked for, sanitised in tables', async () => {
    const [item] = JSON.parse((await cli('web', '--pid', '1', '--cmdline', '-o', 'json')).stdout).items;
    expect(item.cmdline[0]).toMatch(/sh$/);
    const wide = await cli('web', '--all-pids', '--cmdline', '-o', 'wide');
    expect(wide.stdout.split('\n')[0]).toMatch(/\bCOMMAND\b/);
    expect((await cli('web', '--all-pids', '-o', 'wide')).stdout.split('\n')[0]).not.toMatch(/COMMAND/);
  });
});

it('the README documents every field of the JSON item', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const field of ['user', 'group', 'startTime', 'rssBytes', 'lsm', 'uidMap', 'gidMap', 'kernelThread', 'cmdline']) {
    expect(readme, field).toContain(`"${field}"`);
  }
});

// The release (npm run release): the standalone executables and their
// archives. The release is built once per change of its inputs into
// .cache/release-test/ (scripts/release-cache.mjs); the first build fetches
// Node base binaries from npm (~250 MB, cached in .cache/node/).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readZip, writeTarGz, writeZip } from '../scripts/release-archive.mjs';
import { releaseUnavailable, testRelease } from '../scripts/release-cache.mjs';
import { archiveName, binName, TARGETS } from '../scripts/release-targets.mjs';
import { checkInjected, machoLoadCommands } from '../scripts/sea.mjs';

const unavailable = releaseUnavailable();
let dir = '';
const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'procstatus-release-test-')));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

beforeAll(async () => {
  if (!unavailable) dir = await testRelease();
}, 20 * 60_000);

const exe = (id: string) => join(dir, 'work', id, binName(TARGETS.find((t) => t.id === id)!));

/** An environment whose PATH holds nothing but an empty directory: no node, no shell tools. */
function bareEnv(): NodeJS.ProcessEnv {
  const empty = join(scratch, 'empty-path');
  mkdirSync(empty, { recursive: true });
  return { PATH: empty, HOME: scratch, LANG: 'C' };
}

function tarList(file: string): string[] {
  const r = spawnSync('tar', ['-tzvf', file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split('\n');
}

describe.skipIf(unavailable !== null)('release archives and executables', () => {
  test('the linux/amd64 executable runs with no node on PATH: --version and local mode', () => {
    const env = bareEnv();
    const noNode = spawnSync('/bin/sh', ['-c', 'command -v node'], { env });
    expect(noNode.status).not.toBe(0);

    const version = spawnSync(exe('linux-amd64'), ['--version'], { env, encoding: 'utf8' });
    expect(version.stderr).toBe('');
    expect(version.status).toBe(0);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(version.stdout).toBe(`kubectl-procstatus ${pkg.version}\n`);

    const local = spawnSync(exe('linux-amd64'), ['--pid', '1', '-o', 'json'], { env, encoding: 'utf8' });
    expect(local.stderr).toBe('');
    expect(local.status).toBe(0);
    const doc = JSON.parse(local.stdout);
    expect(doc.items[0].pid).toBe(1);
    expect(doc.items[0].error).toBeNull();
  });

  test('the linux/amd64 executable answers __complete like kubectl_complete-procstatus', () => {
    const r = spawnSync(exe('linux-amd64'), ['__complete', '--output', ''], { env: bareEnv(), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('table\nwide\njson\nyaml\nsarif\njunit\njsonpath=\njsonpath-file=\njsonpath-as-json=\ncustom-columns=\ncustom-columns-file=\n:6\n');
  });

  test('every standalone executable has the blob injected, the fuse flipped, and no broken signature', () => {
    for (const t of TARGETS.filter((x) => x.format)) {
      const bytes = readFileSync(exe(t.id));
      expect(checkInjected(bytes, null, t.format!), t.id).toEqual([]);
      // The bundle's own text is in every blob (code cache or not).
      expect(bytes.indexOf('kubectl procstatus'), t.id).toBeGreaterThan(0);
    }
    const macho = machoLoadCommands(readFileSync(exe('darwin-amd64')));
    expect(macho.segments).toContain('NODE_SEA');
    expect(macho.codeSignature).toBe(false);
  });

  test('the linux/arm64 executable runs under qemu-user, where it is installed', (ctx) => {
    const sysroot = '/usr/aarch64-linux-gnu';
    const qemu = spawnSync('/bin/sh', ['-c', 'command -v qemu-aarch64']);
    if (qemu.status !== 0 || !existsSync(join(sysroot, 'lib', 'ld-linux-aarch64.so.1'))) {
      ctx.skip('needs qemu-aarch64 and an arm64 sysroot (apt-get install qemu-user libc6-arm64-cross libstdc++6-arm64-cross)');
    }
    const r = spawnSync('qemu-aarch64', ['-L', sysroot, exe('linux-arm64'), '--version'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toMatch(/^kubectl-procstatus \d+\.\d+\.\d+\n$/);
  });

  test('each archive holds its executable, the completion hook, LICENSE and notices, with modes', () => {
    for (const t of TARGETS) {
      const file = join(dir, archiveName(t));
      if (t.archive === 'zip') {
        const entries = readZip(file);
        expect(entries.map((e) => e.name), t.id).toEqual(
          ['kubectl-procstatus.exe', 'kubectl_complete-procstatus.cmd', 'LICENSE', 'THIRD-PARTY-NOTICES']);
        expect(entries[0].data.subarray(0, 2).toString('latin1')).toBe('MZ');
        expect(entries[1].data.toString()).toContain('kubectl-procstatus.exe __complete %*');
        continue;
      }
      const lines = tarList(file);
      const names = lines.map((l) => l.split(/\s+/).pop());
      const expected = t.launcherFor
        ? ['kubectl-procstatus', 'kubectl-procstatus.cjs', `kubectl-procstatus-${t.launcherFor}`]
        : ['kubectl-procstatus'];
      expect(names, t.id).toEqual([...expected, 'kubectl_complete-procstatus', 'LICENSE', 'THIRD-PARTY-NOTICES']);
      expect(lines[0], t.id).toMatch(/^-rwxr-xr-x /);
      expect(lines.find((l) => l.endsWith(' LICENSE')), t.id).toMatch(/^-rw-r--r-- /);
    }
    const notices = spawnSync('tar', ['-xzOf', join(dir, archiveName(TARGETS[0])), 'THIRD-PARTY-NOTICES'], { encoding: 'utf8' });
    expect(notices.stdout).toMatch(/==== Node\.js 24\.\d+\.\d+ /);
    expect(notices.stdout).toContain('==== @kubernetes/client-node@');
    expect(readFileSync(join(dir, 'SHA256SUMS'), 'utf8').trim().split('\n')).toHaveLength(TARGETS.length);
  });

  test('darwin/arm64 launcher: a new enough node runs the bundle, else Rosetta runs the amd64 binary, else it explains', () => {
    const unpacked = join(scratch, 'darwin-arm64');
    mkdirSync(unpacked, { recursive: true });
    expect(spawnSync('tar', ['-xzf', join(dir, archiveName(TARGETS.find((t) => t.id === 'darwin-arm64')!)), '-C', unpacked]).status).toBe(0);
    // krew runs it through a symlink in its bin directory.
    const bin = join(scratch, 'krew-bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(join(unpacked, 'kubectl-procstatus'), join(bin, 'kubectl-procstatus'));

    const stubs = (name: string, files: Record<string, string>): string => {
      const d = join(scratch, name);
      mkdirSync(d, { recursive: true });
      for (const [f, body] of Object.entries(files)) {
        writeFileSync(join(d, f), `#!/bin/sh\n${body}\n`);
        chmodSync(join(d, f), 0o755);
      }
      return d;
    };
    const run = (path: string) =>
      spawnSync(join(bin, 'kubectl-procstatus'), ['--version'], { env: { PATH: `${path}:/usr/bin:/bin`, HOME: scratch }, encoding: 'utf8' });
    const realNode = process.execPath;

    // A local Node 24: the bundle runs on it.
    const node24 = stubs('node24', { node: `[ "$1" = --version ] && { echo v24.1.0; exit 0; }; exec "${realNode}" "$@"` });
    const viaNode = run(node24);
    expect(viaNode.stderr).toBe('');
    expect(viaNode.stdout).toMatch(/^kubectl-procstatus \d+\.\d+\.\d+\n$/);

    // Node 20 is too old; Rosetta (arch -x86_64) present: the amd64 binary beside the launcher.
    const rosetta = stubs('rosetta', {
      node: '[ "$1" = --version ] && echo v20.19.0',
      arch: '[ "$1" = -x86_64 ] || exit 1; shift; [ "$1" = /usr/bin/true ] && exit 0; echo "x86_64: $*"',
    });
    const viaRosetta = run(rosetta);
    expect(viaRosetta.stdout).toBe(`x86_64: ${join(unpacked, 'kubectl-procstatus-darwin-amd64')} --version\n`);

    // Neither: a clear message, nothing run.
    const neither = stubs('neither', { node: 'echo v22.18.0', arch: 'exit 1' });
    const none = run(neither);
    expect(none.status).toBe(127);
    expect(none.stderr).toContain('Node.js >= 22.19');
    expect(none.stderr).toContain('softwareupdate --install-rosetta');
  });
});

describe('the npm package', () => {
  test('carries the two bin executables, so npx kubectl-procstatus and npm install -g work', () => {
    const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' });
    expect(pack.status, pack.stderr).toBe(0);
    const files = (JSON.parse(pack.stdout)[0].files as { path: string; mode: number }[]);
    const bin = JSON.parse(readFileSync('package.json', 'utf8')).bin as Record<string, string>;
    expect(Object.keys(bin).sort()).toEqual(['kubectl-procstatus', 'kubectl_complete-procstatus']);
    for (const path of Object.values(bin)) {
      const file = files.find((f) => f.path === path);
      expect(file, path).toBeDefined();
      expect(file!.mode & 0o111, path).not.toBe(0);
      // A sh/JS launcher that picks the Node (scripts/build.mjs; test/launcher.test.ts runs it).
      expect(readFileSync(path, 'utf8').startsWith('#!/bin/sh\n":" //; '), path).toBe(true);
    }
    expect(files.map((f) => f.path).sort()).toEqual(['LICENSE', 'README.md', ...Object.values(bin), 'package.json'].sort());
  });
});

describe('archive writers', () => {
  test('tar.gz and zip hold the given entries and modes, byte for byte the same on every run', async () => {
    const entries = [
      { name: 'tool', data: '#!/bin/sh\necho hi\n', mode: 0o755 },
      { name: 'LICENSE', data: 'text\n'.repeat(1000), mode: 0o644 },
    ];
    const a = join(scratch, 'a.tar.gz');
    const b = join(scratch, 'b.tar.gz');
    await writeTarGz(a, entries, 1_700_000_000);
    await writeTarGz(b, entries, 1_700_000_000);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    const lines = tarList(a);
    expect(lines[0]).toMatch(/^-rwxr-xr-x root\/root\s+18 2023-11-14 \d\d:\d\d tool$/);
    expect(lines[1]).toMatch(/^-rw-r--r-- root\/root\s+5000 .* LICENSE$/);
    expect(spawnSync('tar', ['-xzOf', a, 'tool'], { encoding: 'utf8' }).stdout).toBe('#!/bin/sh\necho hi\n');

    const z = join(scratch, 'a.zip');
    const z2 = join(scratch, 'b.zip');
    await writeZip(z, entries, 1_700_000_000);
    await writeZip(z2, entries, 1_700_000_000);
    expect(readFileSync(z).equals(readFileSync(z2))).toBe(true);
    expect(readZip(z).map((e) => [e.name, e.mode, e.data.toString()])).toEqual(entries.map((e) => [e.name, e.mode, e.data]));
    const unzip = spawnSync('unzip', ['-t', z], { encoding: 'utf8' });
    if (!unzip.error) expect(unzip.stdout).toContain('No errors detected');
  });
});

if (unavailable) test.skip(`release archives and executables: ${unavailable}`, () => {});

// The krew manifest against krew's rules, and `kubectl krew install
// --manifest --archive` simulated for linux/amd64: the archive unpacked the
// way krew lays out its store, the plugin linked into krew's bin directory,
// and the real kubectl finding it, with no node on PATH.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { readZip } from '../scripts/release-archive.mjs';
import { releaseUnavailable, testRelease } from '../scripts/release-cache.mjs';
import { renderManifest, templateArchives, validateManifest } from '../scripts/release-krew.mjs';
import { archiveName, TARGETS } from '../scripts/release-targets.mjs';
import { namespacesUnavailableReason } from './apiserver/harness.ts';

interface Platform {
  selector: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  uri: string;
  sha256: string;
  bin: string;
  files: { from: string; to: string }[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { version: string; homepage: string; shortDescription: string; description: string; caveats: string; platforms: Platform[] };
}

const unavailable = releaseUnavailable();
const template = readFileSync('.krew.yaml', 'utf8');
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'procstatus-krew-test-')));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let dir = '';
let text = '';
let manifest: Manifest;
beforeAll(async () => {
  if (unavailable) return;
  dir = await testRelease();
  text = readFileSync(join(dir, 'procstatus.yaml'), 'utf8');
  manifest = load(text) as Manifest;
}, 20 * 60_000);

function entriesOf(file: string): string[] {
  if (file.endsWith('.zip')) return readZip(file).map((e) => e.name);
  const r = spawnSync('tar', ['-tzf', file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split('\n');
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const fileOf = (p: Platform) => join(dir, p.uri.split('/').pop()!);

describe('the .krew.yaml template', () => {
  test('names one archive per release target, all under the homepage releases of {{ .TagName }}', () => {
    expect(templateArchives(template).sort()).toEqual(TARGETS.map(archiveName).sort());
    const homepage = /^  homepage: (\S+)$/m.exec(template)![1];
    for (const m of template.matchAll(/addURIAndSha "([^"]+)" \.TagName/g)) {
      expect(m[1].startsWith(`${homepage}/releases/download/{{ .TagName }}/`), m[1]).toBe(true);
    }
  });

  test('renders as krew-release-bot would: version from the tag, uri and a 4-space sha256 line per platform', () => {
    const out = renderManifest(template, 'v9.8.7', (name) => createHash('sha256').update(name).digest('hex'));
    expect(out).not.toContain('{{');
    const m = load(out) as Manifest;
    expect(m.spec.version).toBe('v9.8.7');
    for (const p of m.spec.platforms) {
      expect(p.uri).toContain('/releases/download/v9.8.7/kubectl-procstatus-');
      expect(p.sha256).toBe(createHash('sha256').update(p.uri.split('/').pop()!).digest('hex'));
    }
    expect(m.spec.caveats).toContain('store/procstatus/v9.8.7"');
  });

  test("the caveats' Node floor for Apple silicon is package.json's engines", () => {
    const floor = /^>=\s*(\d+\.\d+)/.exec(pkg.engines.node)![1];
    expect(template).toContain(`Node.js ${floor} or later`);
  });
});

describe.skipIf(unavailable !== null)('the rendered manifest (release/procstatus.yaml)', () => {
  test("krew's structural rules: apiVersion, kind, name, version, descriptions", () => {
    expect(manifest.apiVersion).toBe('krew.googlecontainertools.github.com/v1alpha2');
    expect(manifest.kind).toBe('Plugin');
    expect(manifest.metadata.name).toBe('procstatus');
    expect(manifest.metadata.name).toMatch(/^[\w-]+$/);
    expect(manifest.spec.version).toBe(`v${pkg.version}`);
    const short = manifest.spec.shortDescription;
    expect(short).not.toContain('\n');
    expect(short.length).toBeGreaterThan(0);
    expect(short.length).toBeLessThanOrEqual(50);
    for (const line of manifest.spec.description.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    for (const line of manifest.spec.caveats.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(manifest.spec.description).not.toMatch(/usage|kubectl procstatus|\s--?[a-z]/i);
  });

  test('platforms: os/arch selectors without overlap, sha256 of each archive, bin and LICENSE installed, .exe on Windows', () => {
    const seen = new Set<string>();
    for (const p of manifest.spec.platforms) {
      expect(Object.keys(p.selector)).toEqual(['matchLabels']);
      expect(Object.keys(p.selector.matchLabels!).sort()).toEqual(['arch', 'os']);
      const key = `${p.selector.matchLabels!.os}/${p.selector.matchLabels!.arch}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
      expect(p.sha256).toMatch(/^[a-f0-9]{64}$/);
      expect(p.sha256, key).toBe(sha256(fileOf(p)));
      const entries = entriesOf(fileOf(p));
      expect(entries, key).toContain(p.bin);
      expect(p.files.map((f) => f.from), key).toContain(p.bin);
      expect(p.files.map((f) => f.from), key).toContain('LICENSE');
      expect(entries, key).toContain('LICENSE');
      for (const f of p.files) expect(entries, `${key}: ${f.from}`).toContain(f.from);
      if (p.selector.matchLabels!.os === 'windows') expect(p.bin).toMatch(/\.exe$/);
    }
    expect([...seen].sort()).toEqual(['darwin/amd64', 'darwin/arm64', 'linux/amd64', 'linux/arm64', 'windows/amd64']);
  });

  test('passes the release\'s own krew check, which catches each rule when broken', () => {
    const archives = Object.fromEntries(manifest.spec.platforms.map((p) => {
      const file = fileOf(p);
      return [file.split('/').pop()!, { sha256: sha256(file), entries: entriesOf(file) }];
    }));
    expect(validateManifest(text, archives)).toEqual([]);

    const broken = (change: (m: Manifest) => void): string[] => {
      const m = structuredClone(manifest);
      change(m);
      return validateManifest(dump(m), archives);
    };
    const first = (m: Manifest) => m.spec.platforms[0];
    expect(broken((m) => (m.apiVersion = 'krew.googlecontainertools.github.com/v1alpha1')).join()).toMatch(/apiVersion/);
    expect(broken((m) => (m.metadata.name = 'proc status')).join()).toMatch(/does not match/);
    expect(broken((m) => (m.spec.shortDescription = 'x'.repeat(51))).join()).toMatch(/more than 50/);
    expect(broken((m) => (m.spec.description += 'Usage: kubectl procstatus POD --pid 1\n')).join()).toMatch(/usage text/);
    expect(broken((m) => (m.spec.description += `${'word '.repeat(20)}\n`)).join()).toMatch(/longer than 80/);
    expect(broken((m) => (first(m).sha256 = first(m).sha256.toUpperCase())).join()).toMatch(/64 lowercase hex/);
    expect(broken((m) => (first(m).sha256 = '0'.repeat(64))).join()).toMatch(/does not match/);
    expect(broken((m) => (first(m).selector.matchLabels!.distro = 'debian')).join()).toMatch(/key distro/);
    expect(broken((m) => (m.spec.platforms[1].selector.matchLabels!.arch = 'amd64')).join()).toMatch(/both select linux\/amd64/);
    expect(broken((m) => (first(m).bin = 'kubectl-nothere')).join()).toMatch(/not installed/);
    expect(broken((m) => (first(m).files = first(m).files.filter((f) => f.from !== 'LICENSE'))).join()).toMatch(/no LICENSE/);
    const windows = (m: Manifest) => m.spec.platforms.find((p) => p.selector.matchLabels!.os === 'windows')!;
    expect(broken((m) => (windows(m).bin = 'kubectl-procstatus')).join()).toMatch(/\.exe/);
  });
});

describe.skipIf(unavailable !== null)('kubectl krew install, simulated for linux/amd64', () => {
  let krewRoot = '';
  let env: NodeJS.ProcessEnv = {};
  // The suite's shared fixture cluster (test/setup/cluster.global.ts), or null where it cannot run.
  const api = inject('cluster');

  beforeAll(() => {
    if (unavailable) return;
    // What `kubectl krew install --manifest procstatus.yaml --archive ARCHIVE` does with KREW_OS=linux KREW_ARCH=amd64:
    // unpack, move each `files` match into store/NAME/VERSION, link bin into KREW_ROOT/bin, keep a receipt.
    krewRoot = join(scratch, 'krew');
    const platform = manifest.spec.platforms.find((p) => p.selector.matchLabels?.os === 'linux' && p.selector.matchLabels?.arch === 'amd64')!;
    const download = join(scratch, 'download');
    mkdirSync(download, { recursive: true });
    expect(spawnSync('tar', ['-xzf', fileOf(platform), '-C', download]).status).toBe(0);
    const store = join(krewRoot, 'store', manifest.metadata.name, manifest.spec.version);
    for (const op of platform.files) {
      const pattern = new RegExp(`^${op.from.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
      const to = join(store, op.to);
      mkdirSync(to, { recursive: true });
      for (const name of readdirSync(download).filter((n) => pattern.test(n))) renameSync(join(download, name), join(to, name));
    }
    mkdirSync(join(krewRoot, 'bin'), { recursive: true });
    symlinkSync(join(store, platform.bin), join(krewRoot, 'bin', `kubectl-${manifest.metadata.name}`));
    mkdirSync(join(krewRoot, 'receipts'), { recursive: true });
    writeFileSync(join(krewRoot, 'receipts', `${manifest.metadata.name}.yaml`),
      dump({ ...manifest, status: { source: { name: 'default' } } }));
    // The caveats' one-time step for completion.
    copyFileSync(join(store, 'kubectl_complete-procstatus'), join(krewRoot, 'bin', 'kubectl_complete-procstatus'));

    // PATH: krew's bin and a directory holding only kubectl. No node anywhere.
    const tools = join(scratch, 'tools');
    mkdirSync(tools, { recursive: true });
    symlinkSync('/usr/bin/kubectl', join(tools, 'kubectl'));
    env = { PATH: `${join(krewRoot, 'bin')}:${tools}`, HOME: scratch, KUBECONFIG: join(scratch, 'no-kubeconfig') };
  });

  const kubectl = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    spawnSync('kubectl', args, { env: { ...env, ...extra }, encoding: 'utf8', timeout: 60_000 });

  test('no node on PATH, and kubectl procstatus --version runs the standalone binary', () => {
    expect(spawnSync('/bin/sh', ['-c', 'command -v node'], { env }).status).not.toBe(0);
    const r = kubectl(['procstatus', '--version']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`kubectl-procstatus ${pkg.version}\n`);
  });

  test('kubectl plugin list finds it in krew\'s bin directory', () => {
    const r = kubectl(['plugin', 'list']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(join(krewRoot, 'bin', 'kubectl-procstatus'));
    expect(r.stderr).not.toMatch(/warning/i);
  });

  test('completion through the shim and the standalone binary: flags and -o values', () => {
    const flags = kubectl(['__complete', 'procstatus', '--cont']);
    expect(flags.stdout.split('\n').map((l) => l.split('\t')[0])).toEqual(['--container', '--context', ':4', '']);
    const output = kubectl(['__complete', 'procstatus', '-o', '']);
    expect(output.stdout).toBe('table\nwide\njson\nyaml\nsarif\njunit\njsonpath=\njsonpath-file=\njsonpath-as-json=\ncustom-columns=\ncustom-columns-file=\n:6\n');
  });

  test('against the test API server: completion lists pods and the plugin reads one', (ctx) => {
    if (!api) return ctx.skip(namespacesUnavailableReason());
    const pods = kubectl(['__complete', 'procstatus', ''], { KUBECONFIG: api.kubeconfig });
    const names = pods.stdout.trim().split('\n');
    expect(names).toContain('web');
    expect(names.pop()).toBe(':4');
    const containers = kubectl(['__complete', 'procstatus', 'web', '-c', ''], { KUBECONFIG: api.kubeconfig });
    expect(containers.stdout.split('\n').map((l) => l.split('\t')[0])).toEqual(expect.arrayContaining(['app', 'sidecar', 'init', '0', '1', ':4']));

    const run = kubectl(['procstatus', 'web', '--pid', '1', '-o', 'json'], { KUBECONFIG: api.kubeconfig });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const item = JSON.parse(run.stdout).items[0];
    expect([item.pod, item.namespace, item.container, item.pid]).toEqual(['web', 'default', 'app', 1]);
  });
});

if (unavailable) test.skip(`krew manifest and install: ${unavailable}`, () => {});

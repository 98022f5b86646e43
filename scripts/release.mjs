// npm run release: the krew release, in release/.
//
//   node scripts/release.mjs [--only linux-amd64,...] [--tag v0.1.0] [--out release] [--prebuilt DIR]
//
// --prebuilt DIR takes DIR/<target>/<executable> where present instead of
// building it: the macOS executables after `codesign` on a Mac (RELEASING.md).
//
// For each target of scripts/release-targets.mjs: a standalone executable
// (scripts/sea.mjs) and its archive with LICENSE and THIRD-PARTY-NOTICES;
// then SHA256SUMS, and, when every target was built, the krew manifest
// release/procstatus.yaml rendered from .krew.yaml and checked against krew's
// rules. Base Node binaries come from npm (scripts/release-node.mjs).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeTarGz, writeZip } from './release-archive.mjs';
import { renderManifest, validateManifest } from './release-krew.mjs';
import { nodeBase } from './release-node.mjs';
import { archiveName, binName, hostNodePackage, parseNodeSpec, TARGETS } from './release-targets.mjs';
import { buildSea, SEA_FUSE } from './sea.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/**
 * @param {{ only?: string[], tag?: string, out?: string, build?: boolean, prebuilt?: string, log?: (line: string) => void }} o
 *   build: false to use dist/ as it is (tests, which must not rewrite dist/ under other running tests)
 * @returns {Promise<{ archives: Record<string, { path: string, sha256: string, entries: string[] }>, manifest: string | null, executables: Record<string, string> }>}
 */
export async function release(o = {}) {
  const log = o.log ?? ((line) => console.log(line));
  const out = resolve(root, o.out ?? 'release');
  const tag = o.tag ?? `v${pkg.version}`;
  const unknown = (o.only ?? []).filter((id) => !TARGETS.some((t) => t.id === id));
  if (unknown.length) throw new Error(`unknown target ${unknown.join(', ')}; targets: ${TARGETS.map((t) => t.id).join(', ')}`);
  const targets = o.only?.length ? TARGETS.filter((t) => o.only.includes(t.id)) : TARGETS;
  const prebuilt = o.prebuilt ? resolve(o.prebuilt) : null;
  if (prebuilt && (prebuilt === out || prebuilt.startsWith(`${out}/`))) throw new Error('--prebuilt must be outside the output directory, which is emptied first');
  const work = join(out, 'work');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  // dist/ as `npm run build` makes it; the standalone builds embed the dispatcher.
  if (o.build !== false) {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const { bundle, wrap } = await import('./build.mjs');
  const code = await bundle('src/completion/dispatch.ts');
  const seaMain = join(work, 'kubectl-procstatus.sea.cjs');
  writeFileSync(seaMain, code);

  // The executables: every SEA target asked for, and those a launcher needs.
  const needed = new Set(targets.flatMap((t) => (t.launcherFor ? [t.launcherFor] : t.node ? [t.id] : [])));
  const executables = {};
  const nodeLicense = {};
  for (const t of TARGETS.filter((x) => needed.has(x.id))) {
    const { version } = parseNodeSpec(t.node);
    const base = nodeBase(t.node);
    const maker = nodeBase(`${hostNodePackage()}@${version}`);
    const exe = join(work, t.id, binName(t));
    mkdirSync(join(work, t.id), { recursive: true });
    const given = prebuilt && join(prebuilt, t.id, binName(t));
    if (given && existsSync(given)) {
      copyFileSync(given, exe);
      chmodSync(exe, 0o755);
      if (readFileSync(exe).indexOf(`${SEA_FUSE}:1`) < 0) throw new Error(`${given} is not a single-executable application`);
      executables[t.id] = exe;
      nodeLicense[t.id] = { version, file: base.license ?? maker.license };
      log(`${t.id}: prebuilt ${given}`);
      continue;
    }
    const started = Date.now();
    const r = await buildSea({ main: seaMain, base: base.bin, blobMaker: maker.bin, format: t.format, out: exe });
    executables[t.id] = exe;
    nodeLicense[t.id] = { version, file: base.license ?? maker.license };
    log(`${t.id}: ${t.node}, code cache ${r.codeCache ? 'on' : 'off'}, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  const mtime = releaseTime();
  const shim = { name: 'kubectl_complete-procstatus', path: join(root, 'plugins/kubectl_complete-procstatus'), mode: 0o755 };
  const license = { name: 'LICENSE', path: join(root, 'LICENSE'), mode: 0o644 };
  const archives = {};
  const packages = await packageNotices();
  for (const t of targets) {
    const sea = t.launcherFor ?? t.id;
    const notices = { name: 'THIRD-PARTY-NOTICES', data: thirdPartyNotices(nodeLicense[sea], packages), mode: 0o644 };
    let entries;
    if (t.launcherFor) {
      const launcher = readFileSync(join(root, 'plugins', t.id, 'kubectl-procstatus'), 'utf8')
        .replaceAll('@NODE_MIN@', minimumNode());
      entries = [
        { name: 'kubectl-procstatus', data: launcher, mode: 0o755 },
        { name: 'kubectl-procstatus.cjs', data: wrap(code), mode: 0o644 },
        { name: `kubectl-procstatus-${t.launcherFor}`, path: executables[t.launcherFor], mode: 0o755 },
        shim, license, notices,
      ];
    } else if (t.os === 'windows') {
      entries = [
        { name: binName(t), path: executables[t.id], mode: 0o755 },
        { name: 'kubectl_complete-procstatus.cmd', path: join(root, 'plugins/kubectl_complete-procstatus.cmd'), mode: 0o644 },
        license, notices,
      ];
    } else {
      entries = [{ name: binName(t), path: executables[t.id], mode: 0o755 }, shim, license, notices];
    }
    const file = join(out, archiveName(t));
    await (t.archive === 'zip' ? writeZip : writeTarGz)(file, entries, mtime);
    archives[archiveName(t)] = { path: file, sha256: await sha256File(file), entries: entries.map((e) => e.name) };
    log(`${archiveName(t)}: ${archives[archiveName(t)].sha256}`);
  }
  writeFileSync(join(out, 'SHA256SUMS'),
    Object.entries(archives).map(([name, a]) => `${a.sha256}  ${name}\n`).join(''));

  let manifest = null;
  if (targets.length === TARGETS.length) {
    manifest = renderManifest(readFileSync(join(root, '.krew.yaml'), 'utf8'), tag, (name) => {
      if (!archives[name]) throw new Error(`.krew.yaml names ${name}, which the release does not build`);
      return archives[name].sha256;
    });
    const problems = validateManifest(manifest, archives);
    if (problems.length) throw new Error(`the krew manifest breaks krew's rules:\n  ${problems.join('\n  ')}`);
    writeFileSync(join(out, 'procstatus.yaml'), manifest);
    log(`procstatus.yaml: krew manifest for ${tag}`);
  } else {
    log('no krew manifest: it needs every target (run without --only)');
  }
  return { archives, manifest, executables };
}

/** package.json's engines.node, ">=22.19" → "22.19": the launcher's floor for a local Node. */
function minimumNode() {
  const m = /^>=\s*(\d+\.\d+)/.exec(pkg.engines?.node ?? '');
  if (!m) throw new Error(`package.json engines.node "${pkg.engines?.node}" is not of the form >=MAJOR.MINOR`);
  return m[1];
}

/** Archive timestamps: $SOURCE_DATE_EPOCH, else the last commit's time, so rebuilds give the same bytes. */
function releaseTime() {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  try {
    return Number(execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: root, encoding: 'utf8' }).trim());
  } catch {
    return 0;
  }
}

/**
 * The licenses of what the executable carries: Node.js itself for a
 * standalone build, then the npm packages the bundle carries (esbuild's
 * list of its inputs), the same for every target.
 */
function thirdPartyNotices(node, packages) {
  const head = [
    'kubectl-procstatus is distributed under the Apache License 2.0 (LICENSE).',
    'It includes the software below, under the licenses that follow.',
    '',
  ];
  if (node?.file) {
    head.push(`==== Node.js ${node.version} (https://nodejs.org), the runtime of this executable ====`, '',
      readFileSync(node.file, 'utf8').trim(), '');
  }
  return `${head.join('\n')}\n${packages}`;
}

async function packageNotices() {
  const { bundleWithInputs } = await import('./build.mjs');
  const { packages } = await bundleWithInputs('src/main.ts');
  const parts = [];
  for (const key of packages) {
    const dir = join(root, key);
    const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const licenseFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|-|$)/i.test(f));
    const spdx = typeof meta.license === 'string' ? meta.license : meta.license?.type ?? 'see the package';
    parts.push(`==== ${meta.name}@${meta.version} (${spdx}) ====`, '',
      licenseFile ? readFileSync(join(dir, licenseFile), 'utf8').trim() : `No license file in the package; package.json says: ${spdx}.`, '');
  }
  return parts.join('\n');
}

function sha256File(file) {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, tag: { type: 'string' }, out: { type: 'string' }, prebuilt: { type: 'string' } },
  });
  const started = Date.now();
  try {
    await release({ only: values.only?.split(',').filter(Boolean), tag: values.tag, out: values.out, prebuilt: values.prebuilt });
    console.log(`release done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } catch (err) {
    console.error(`release: ${err.message}`);
    process.exit(1);
  }
}

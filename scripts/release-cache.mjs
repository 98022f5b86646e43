// The release for the test suite: built once into .cache/release-test/ and
// reused while its inputs (sources, scripts, plugins, template, lockfile) are
// unchanged. Test files run in parallel, so a lock directory makes the others
// wait for the one that builds.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBase } from './release-node.mjs';
import { hostNodePackage, parseNodeSpec, TARGETS } from './release-targets.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
export const TEST_RELEASE = join(root, '.cache/release-test');
const LOCK = `${TEST_RELEASE}.lock`;
const INPUTS = ['src', 'plugins', 'scripts', 'dist/kubectl-procstatus', 'LICENSE', '.krew.yaml', 'package.json', 'package-lock.json'];

function inputsKey() {
  const h = createHash('sha256');
  const add = (path) => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) add(join(path, name));
      return;
    }
    h.update(relative(root, path)).update('\0').update(readFileSync(path)).update('\0');
  };
  for (const input of INPUTS) add(join(root, input));
  return h.digest('hex');
}

/** Every npm package of Node the release needs: the targets' bases and this machine's blob makers. */
export function nodeSpecs() {
  const specs = new Set();
  for (const t of TARGETS.filter((x) => x.node)) {
    specs.add(t.node);
    specs.add(`${hostNodePackage()}@${parseNodeSpec(t.node).version}`);
  }
  return [...specs];
}

/**
 * null when the release can be built here, else why not: base binaries that
 * are neither cached nor reachable on the npm registry.
 */
export function releaseUnavailable() {
  const missing = nodeSpecs().filter((spec) => {
    const { name, version } = parseNodeSpec(spec);
    return !existsSync(join(root, '.cache/node', `${name}-${version}`, '.complete'));
  });
  if (missing.length === 0) return null;
  const r = spawnSync('npm', ['view', missing[0], 'version'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0 && r.stdout.trim()) return null;
  return `the npm registry is unreachable (npm view ${missing[0]} failed), and ${missing.join(', ')} ` +
    'are not cached in .cache/node/';
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The release of the current tree (every target, and the manifest), built
 * from dist/ as `npm test` leaves it; returns its directory.
 */
export async function testRelease() {
  const key = inputsKey();
  const done = join(TEST_RELEASE, '.done');
  mkdirSync(dirname(LOCK), { recursive: true });
  for (const started = Date.now(); ;) {
    if (existsSync(done) && readFileSync(done, 'utf8') === key) return TEST_RELEASE;
    try {
      mkdirSync(LOCK);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      // Another test file is building it; a lock older than 20 minutes was left by a killed run.
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs > 20 * 60_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() - started > 20 * 60_000) throw new Error('timed out waiting for another test file to build the release');
      await sleep(1000);
    }
  }
  try {
    if (existsSync(done) && readFileSync(done, 'utf8') === key) return TEST_RELEASE;
    for (const spec of nodeSpecs()) nodeBase(spec);
    const { release } = await import('./release.mjs');
    await release({ out: relative(root, TEST_RELEASE), build: false, log: () => {} });
    writeFileSync(done, key);
    return TEST_RELEASE;
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

// The executable's first lines (scripts/build.mjs, launcher()): in a clone it
// runs on the clone's node_modules/node, elsewhere on PATH's node, and a Node
// older than package.json's engines.node gets one error line and exit 1.
// Copies of the built dist/ files are run from scratch directories laid out
// as a clone or as a global install, with PATHs holding chosen nodes.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BUNDLE } from './helpers/cli.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const [minMajor, minMinor] = /^>=\s*(\d+)\.(\d+)/.exec(pkg.engines.node)!.slice(1).map(Number);
const NEED = `error: kubectl-procstatus needs Node.js ${minMajor}.${minMinor} or later`;
const OLD = '20.11.1';
const COMPLETE = join(dirname(BUNDLE), 'kubectl_complete-procstatus');

const newEnough = (v: string): boolean => {
  const [a, b] = v.replace(/^v/, '').split('.').map(Number);
  return a > minMajor || (a === minMajor && b >= minMinor);
};
/** A real Node the tool accepts: this one, or the project's own. */
const realNode = newEnough(process.versions.node) ? process.execPath : join(dirname(BUNDLE), '..', 'node_modules', '.bin', 'node');

let scratch = '';
/** Each fake node appends its name to this log when started, so a test sees which Node ran, and how often. */
let log = '';

/** A directory holding `node`: a real Node started through a script that logs `name`, optionally made to report an old version. */
function nodeDir(name: string, old: boolean): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  const preload = join(dir, 'old-version.cjs');
  // process.versions is what the launcher checks; an old Node is imitated by
  // reporting an old version (the real one still runs the code).
  writeFileSync(preload, `Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '${OLD}' } });\n`);
  writeFileSync(
    join(dir, 'node'),
    `#!/bin/sh\necho ${name} >> '${log}'\nexec '${realNode}' ${old ? `--require '${preload}' ` : ''}"$@"\n`,
  );
  chmodSync(join(dir, 'node'), 0o755);
  return dir;
}

/** A clone-like layout: DIR/dist/<tool copies> and, if given, DIR/node_modules/node/bin/node. */
function layout(name: string, cloneNode?: string): string {
  const root = join(scratch, name);
  mkdirSync(join(root, 'dist'), { recursive: true });
  copyFileSync(BUNDLE, join(root, 'dist', 'kubectl-procstatus'));
  copyFileSync(COMPLETE, join(root, 'dist', 'kubectl_complete-procstatus'));
  chmodSync(join(root, 'dist', 'kubectl-procstatus'), 0o755);
  chmodSync(join(root, 'dist', 'kubectl_complete-procstatus'), 0o755);
  if (cloneNode) {
    mkdirSync(join(root, 'node_modules', 'node', 'bin'), { recursive: true });
    symlinkSync(join(cloneNode, 'node'), join(root, 'node_modules', 'node', 'bin', 'node'));
  }
  return root;
}

function run(file: string, path: string[], args = ['--version']) {
  writeFileSync(log, '');
  const r = spawnSync(file, args, { env: { PATH: path.join(':'), HOME: scratch }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ran: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

let old = '';
let current = '';
let cloneCurrent = '';
let cloneOld = '';
let oldClone = '';
let newClone = '';
let global = '';

beforeAll(() => {
  scratch = realpathSync(mkdtempSync(join(tmpdir(), 'procstatus-launcher-test-')));
  log = join(scratch, 'ran.log');
  old = nodeDir('path-old', true);
  current = nodeDir('path-current', false);
  cloneCurrent = nodeDir('clone-current', false);
  cloneOld = nodeDir('clone-old', true);
  newClone = layout('clone', cloneCurrent);
  oldClone = layout('clone-with-old-node', cloneOld);
  global = layout('global');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const VERSION = /^kubectl-procstatus \d+\.\d+\.\d+\n$/;

describe('outside a clone (npm install -g, npx): node from PATH', () => {
  test('a new enough node runs it, started once', () => {
    const r = run(join(global, 'dist', 'kubectl-procstatus'), [current]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(VERSION);
    expect(r.ran).toEqual(['path-current']);
  });

  test('an old node: one error line naming its version, exit 1, nothing run', () => {
    const r = run(join(global, 'dist', 'kubectl-procstatus'), [old]);
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: `${NEED} (found v${OLD})\n` });
    expect(r.ran).toEqual(['path-old']);
  });

  test('no node at all: one error line, exit 1', () => {
    const empty = join(scratch, 'empty');
    mkdirSync(empty, { recursive: true });
    expect(run(join(global, 'dist', 'kubectl-procstatus'), [empty])).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `${NEED} (no node on PATH)\n`,
    });
  });

  test('the completion hook has the same launcher', () => {
    const r = run(join(global, 'dist', 'kubectl_complete-procstatus'), [old], ['__complete', '']);
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: `error: kubectl_complete-procstatus needs Node.js ${minMajor}.${minMinor} or later (found v${OLD})\n` });
  });
});

describe('in a clone: the clone\'s node_modules/node', () => {
  test('is used although PATH\'s node is old, started once', () => {
    const r = run(join(newClone, 'dist', 'kubectl-procstatus'), [old]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(VERSION);
    expect(r.ran).toEqual(['clone-current']);
  });

  test('also when the tool is reached through a symlink elsewhere (a bin directory)', () => {
    const bin = join(scratch, 'bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(join(newClone, 'dist', 'kubectl-procstatus'), join(bin, 'kubectl-procstatus'));
    // The launcher resolves links with readlink(1), from /usr/bin or /bin.
    const r = run('kubectl-procstatus', [bin, old, '/usr/bin', '/bin']);
    expect(r.stdout).toMatch(VERSION);
    expect(r.ran).toEqual(['clone-current']);
  });

  test('arguments and exit codes pass through', () => {
    const r = run(join(newClone, 'dist', 'kubectl-procstatus'), [old], ['--pid', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: invalid --pid "x": not a number\n/);
    expect(r.ran).toEqual(['clone-current']);
  });

  test('an old clone node gives way to a new enough node on PATH', () => {
    const r = run(join(oldClone, 'dist', 'kubectl-procstatus'), [current]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(VERSION);
    expect(r.ran).toEqual(['clone-old', 'path-current']);
  });

  test('an old clone node and an old PATH node: one error line, exit 1', () => {
    const r = run(join(oldClone, 'dist', 'kubectl-procstatus'), [old]);
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: `${NEED} (found v${OLD})\n` });
  });
});

// A real old Node, where the machine has one (Debian's nodejs package, say).
const systemNode = spawnSync('sh', ['-c', 'PATH=/usr/local/bin:/usr/bin:/bin command -v node'], { encoding: 'utf8' }).stdout.trim();
const systemVersion = systemNode ? spawnSync(systemNode, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';
const realOld = systemVersion !== '' && !newEnough(systemVersion);
if (!realOld) console.warn(`skipping the real old Node case: no node older than ${minMajor}.${minMinor} in /usr/local/bin:/usr/bin:/bin`);

describe.skipIf(!realOld)(`a real old Node (${systemNode} ${systemVersion})`, () => {
  test('refused with its version', () => {
    const dir = join(scratch, 'system');
    mkdirSync(dir, { recursive: true });
    symlinkSync(systemNode, join(dir, 'node'));
    expect(run(join(global, 'dist', 'kubectl-procstatus'), [dir])).toMatchObject({ code: 1, stdout: '', stderr: `${NEED} (found ${systemVersion})\n` });
  });

  test('in a clone, the clone\'s Node runs instead', () => {
    const dir = join(scratch, 'system2');
    mkdirSync(dir, { recursive: true });
    symlinkSync(systemNode, join(dir, 'node'));
    const r = run(join(newClone, 'dist', 'kubectl-procstatus'), [dir]);
    expect(r.stdout).toMatch(VERSION);
    expect(r.ran).toEqual(['clone-current']);
  });
});

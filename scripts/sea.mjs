// One Node single-executable application: a CommonJS bundle injected into an
// official Node binary.
// https://nodejs.org/docs/latest-v24.x/api/single-executable-applications.html
//
//   1. The blob: `node --experimental-sea-config` run by a Node of the same
//      version as the target binary (the docs require it), on this machine.
//   2. The V8 code cache (useCodeCache) is only valid for the very binary that
//      compiled it, so it is turned on only when the blob maker and the target
//      are the same file; every other target starts from source.
//   3. The base's code signature is removed first (Mach-O: macho-unsign, PE:
//      portable-executable-signature): injection breaks it, and macOS kills a
//      binary whose signature does not match, while it runs an unsigned one.
//      Signing the result needs codesign/signtool on their own systems (RELEASING.md).
//   4. postject injects the blob and flips the SEA fuse; then the result is
//      checked: fuse flipped, blob present byte for byte, and for Mach-O the
//      NODE_SEA segment present and no signature left.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unsign } from 'macho-unsign';
import { signatureGet, signatureSet } from 'portable-executable-signature';
import postject from 'postject';
import { NODE_FLAGS } from './node-flags.mjs';

export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const SEA_RESOURCE = 'NODE_SEA_BLOB';
export const MACHO_SEGMENT = 'NODE_SEA';

/**
 * @param {{ main: string, base: string, blobMaker: string, format: 'elf' | 'macho' | 'pe', out: string, codeCache?: boolean }} o
 *   main: the bundle; base: the target's Node binary; blobMaker: a Node of the
 *   same version that runs here; out: the executable to write; codeCache:
 *   false to leave it out where it could be used (for measuring).
 * @returns {Promise<{ codeCache: boolean, blobBytes: number }>}
 */
export async function buildSea(o) {
  const baseBytes = readFileSync(o.base);
  const codeCache = o.codeCache !== false && sameFile(baseBytes, readFileSync(o.blobMaker));
  const work = mkdtempSync(join(tmpdir(), 'procstatus-sea-'));
  try {
    const config = join(work, 'sea-config.json');
    const blobFile = join(work, 'sea.blob');
    writeFileSync(config, JSON.stringify({
      main: o.main,
      output: blobFile,
      disableExperimentalSEAWarning: true,
      useCodeCache: codeCache,
      // The flags the launcher gives Node (build.mjs NODE_FLAGS); NODE_OPTIONS may still add to them.
      execArgv: NODE_FLAGS,
      // A snapshot needs a main written for it (v8.startupSnapshot), and is
      // tied to the binary like the code cache.
      useSnapshot: false,
    }));
    execFileSync(o.blobMaker, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    const blob = readFileSync(blobFile);

    writeFileSync(o.out, unsigned(baseBytes, o.format));
    chmodSync(o.out, 0o755);
    await quietly(() => postject.inject(o.out, SEA_RESOURCE, blob, {
      sentinelFuse: SEA_FUSE,
      machoSegmentName: o.format === 'macho' ? MACHO_SEGMENT : undefined,
    }));
    chmodSync(o.out, 0o755);
    const problems = checkInjected(readFileSync(o.out), blob, o.format);
    if (problems.length) throw new Error(`${o.out}: ${problems.join('; ')}`);
    return { codeCache, blobBytes: blob.length };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function unsigned(bytes, format) {
  if (format === 'macho') {
    const u = unsign(bytes);
    return u ? Buffer.from(u) : bytes;
  }
  if (format === 'pe') return signatureGet(bytes) ? Buffer.from(signatureSet(bytes, null)) : bytes;
  return bytes;
}

/** What a finished SEA must show, whichever platform it is for; [] when all is well. */
export function checkInjected(exe, blob, format) {
  const problems = [];
  if (exe.indexOf(`${SEA_FUSE}:1`) < 0) problems.push('the SEA fuse is not flipped');
  if (exe.indexOf(`${SEA_FUSE}:0`) >= 0) problems.push('an unflipped SEA fuse is left');
  if (blob && exe.indexOf(blob) < 0) problems.push('the SEA blob is not in the executable');
  if (format === 'macho') {
    const cmds = machoLoadCommands(exe);
    if (!cmds.segments.includes(MACHO_SEGMENT)) problems.push(`no ${MACHO_SEGMENT} segment`);
    if (cmds.codeSignature) problems.push('a code signature is left (it would no longer match)');
  }
  if (format === 'pe' && signatureGet(exe)) problems.push('an Authenticode signature is left (it would no longer match)');
  if (format === 'elf' && exe.readUInt32BE(0) !== 0x7f454c46) problems.push('not an ELF file');
  return problems;
}

/** Segment names and whether LC_CODE_SIGNATURE is present, from a thin 64-bit Mach-O. */
export function machoLoadCommands(buf) {
  if (buf.readUInt32LE(0) !== 0xfeedfacf) throw new Error('not a thin 64-bit little-endian Mach-O');
  const ncmds = buf.readUInt32LE(16);
  const segments = [];
  let codeSignature = false;
  for (let i = 0, off = 32; i < ncmds; i++) {
    const cmd = buf.readUInt32LE(off);
    const size = buf.readUInt32LE(off + 4);
    if (cmd === 0x19) segments.push(buf.toString('latin1', off + 8, off + 24).replace(/\0+$/, '')); // LC_SEGMENT_64
    if (cmd === 0x1d) codeSignature = true; // LC_CODE_SIGNATURE
    off += size;
  }
  return { segments, codeSignature };
}

function sameFile(a, b) {
  return a.length === b.length && sha256(a) === sha256(b);
}

export function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** postject logs progress and LIEF warnings to the console; keep them for a failure only. */
async function quietly(fn) {
  const saved = { log: console.log, warn: console.warn, error: console.error };
  const lines = [];
  console.log = console.warn = console.error = (...a) => lines.push(a.join(' '));
  try {
    return await fn();
  } catch (err) {
    err.message += `\n${lines.join('\n')}`;
    throw err;
  } finally {
    Object.assign(console, saved);
  }
}

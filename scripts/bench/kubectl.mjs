// Which kubectl binary the benchmark times. `kubectl` on PATH is often not
// kubectl itself: the Google Cloud SDK installs a dispatcher
// (google-cloud-sdk/bin/kubectl) that asks the API server for its version
// (GET /version) and then re-execs a matching kubectl.1.XX beside it. Timing
// the dispatcher adds a round trip and a second process start to every
// yardstick run, so the bench resolves the real binary:
//   1. --kubectl PATH|1.XX, else $KUBECTL (same forms);
//   2. else `kubectl` on PATH, symlinks followed; when its directory holds
//      kubectl.1.XX siblings, it is a dispatcher: the highest 1.XX is used;
//   3. else `kubectl` on PATH as it is.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** kubectl.1.XX files beside a dispatcher, highest minor first. */
function siblings(dir) {
  let names = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => /^kubectl\.1\.(\d+)$/.exec(n))
    .filter(Boolean)
    .sort((a, b) => Number(b[1]) - Number(a[1]))
    .map((m) => join(dir, m[0]));
}

/**
 * → { path, version, how } or throws with a reason. `want` is the --kubectl
 * flag's value (a path, or a version "1.33" picked beside the dispatcher).
 */
export function resolveKubectl(want = process.env.KUBECTL || null) {
  const found = onPath('kubectl');
  const real = found ? realpathSync(found) : null;
  const beside = real ? siblings(dirname(real)) : [];
  let path;
  let how;
  if (want && /^1\.\d+$/.test(want)) {
    path = beside.find((p) => p.endsWith(`kubectl.${want}`));
    if (!path) throw new Error(`no kubectl.${want} beside ${real ?? '(no kubectl on PATH)'}`);
    how = `kubectl.${want} beside the dispatcher ${found}`;
  } else if (want) {
    path = want;
    how = 'given (--kubectl / $KUBECTL)';
  } else if (beside.length > 0) {
    path = beside[0];
    how = `highest kubectl.1.XX beside the dispatcher ${found} → ${real}`;
  } else if (found) {
    path = found;
    how = 'kubectl on PATH';
  } else {
    throw new Error('kubectl is not on PATH; give one with --kubectl PATH or KUBECTL=PATH');
  }
  const r = spawnSync(path, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${path} version --client failed: ${(r.stderr || r.error?.message || '').trim()}`);
  const version = JSON.parse(r.stdout).clientVersion?.gitVersion ?? 'unknown';
  return { path, version, how };
}

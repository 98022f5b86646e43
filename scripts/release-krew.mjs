// The krew manifest: rendered from the repository's .krew.yaml, the
// krew-release-bot template, and checked against krew's rules.
//
// Rendering here does what krew-release-bot does with the template
// (https://github.com/rajatjindal/krew-release-bot, pkg/source/template.go),
// for the two constructs the template uses: {{ .TagName }}, and
// {{addURIAndSha "URL" .TagName}} (optionally `| indent N`), which becomes
// `uri: URL` and `sha256: ...` of the asset; here the asset is the local
// archive of the same file name.
//
// The rules are krew's own: pkg/index/validation/validate.go (apiVersion,
// kind, name, sha256 form, selectors of os/arch only), the krew-index checks
// of cmd/validate-krew-manifest (line lengths, no two platforms selecting the
// same os/arch, every platform installs), and the krew-index guidelines
// (https://krew.sigs.k8s.io/docs/developer-guide/plugin-manifest/): a short
// description of at most 50 characters, no usage text in the description, a
// LICENSE installed with the plugin, and .exe binaries on Windows.
import { load as loadYaml } from 'js-yaml';

export const API_VERSION = 'krew.googlecontainertools.github.com/v1alpha2';

const ADD_URI_AND_SHA = /\{\{-?\s*addURIAndSha\s+"([^"]*)"\s+\.TagName\s*(?:\|\s*indent\s+(\d+)\s*)?-?\}\}/g;
const TAG_NAME = /\{\{-?\s*\.TagName\s*-?\}\}/g;

/**
 * The template → manifest text. `sha256Of(fileName)` gives the sha256 of the
 * archive a URL names (its last path segment).
 */
export function renderManifest(template, tag, sha256Of) {
  const text = template.replace(ADD_URI_AND_SHA, (_, url, indent) => {
    const uri = url.replace(TAG_NAME, tag);
    const sha = sha256Of(decodeURIComponent(new URL(uri).pathname.split('/').pop()));
    // As the bot writes it: a 4-space indented sha256 line, or with `| indent N`, N spaces.
    return indent === undefined ? `uri: ${uri}\n    sha256: ${sha}` : `uri: ${uri}\n${' '.repeat(Number(indent))}sha256: ${sha}`;
  }).replace(TAG_NAME, tag);
  const left = /\{\{.*?\}\}/.exec(text);
  if (left) throw new Error(`.krew.yaml: template construct not rendered: ${left[0]}`);
  return text;
}

/** Archive file names the template refers to, e.g. kubectl-procstatus-linux-amd64.tar.gz. */
export function templateArchives(template) {
  return [...template.matchAll(ADD_URI_AND_SHA)].map((m) => m[1].split('/').pop().replace(TAG_NAME, ''));
}

// Every os/arch a krew platform could mean; a selector must match one of them,
// and no two platforms may match the same.
const OSES = ['darwin', 'linux', 'windows', 'freebsd'];
const ARCHES = ['386', 'amd64', 'arm', 'arm64', 'ppc64le', 's390x', 'riscv64', 'loong64'];

/** Kubernetes label selector semantics, over the labels {os, arch}. */
export function selectorMatches(selector, labels) {
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector?.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const ok = e.operator === 'In' ? has && (e.values ?? []).includes(labels[e.key])
      : e.operator === 'NotIn' ? !has || !(e.values ?? []).includes(labels[e.key])
        : e.operator === 'Exists' ? has
          : e.operator === 'DoesNotExist' ? !has : false;
    if (!ok) return false;
  }
  return true;
}

/**
 * What krew would install from one platform: paths relative to the install
 * directory, given the archive's entry names (krew's `files` operations: each
 * `from` glob matched at the archive root, its matches moved into `to`).
 */
export function installedFiles(entries, files) {
  const out = new Set();
  for (const op of files ?? []) {
    const re = globToRegExp(String(op.from).replace(/^\.\//, ''));
    const to = String(op.to ?? '.').replace(/^\.\/?/, '').replace(/\/$/, '');
    for (const e of entries) {
      if (re.test(e)) out.add((to ? `${to}/` : '') + e.split('/').pop());
    }
  }
  return out;
}

function globToRegExp(glob) {
  let re = '';
  for (const ch of glob) re += ch === '*' ? '[^/]*' : ch === '?' ? '[^/]' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${re}$`);
}

function lineLengthOk(text, max) {
  // krew's rule: a longer line is allowed only when it is one word.
  return String(text ?? '').split('\n').every((l) => l.length <= max || !l.trim().includes(' '));
}

/**
 * Manifest text → problems ([] when krew would accept it).
 * archives: file name → { sha256, entries } of the local archive each URI names.
 */
export function validateManifest(text, archives, expectedName = 'procstatus') {
  const problems = [];
  let m;
  try {
    m = loadYaml(text);
  } catch (err) {
    return [`not YAML: ${err.message}`];
  }
  const spec = m?.spec ?? {};
  if (m?.apiVersion !== API_VERSION) problems.push(`apiVersion is ${m?.apiVersion}, not ${API_VERSION}`);
  if (m?.kind !== 'Plugin') problems.push(`kind is ${m?.kind}, not Plugin`);
  const name = m?.metadata?.name;
  if (typeof name !== 'string' || !/^[\w-]+$/.test(name)) problems.push(`metadata.name ${name} does not match ^[\\w-]+$`);
  if (name !== expectedName) problems.push(`metadata.name is ${name}, not ${expectedName}`);
  if (!/^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(String(spec.version))) {
    problems.push(`spec.version ${spec.version} is not a v-prefixed semantic version`);
  }
  const short = spec.shortDescription;
  if (typeof short !== 'string' || short.trim() === '') problems.push('no shortDescription');
  else {
    if (short.includes('\n')) problems.push('shortDescription is not one line');
    if (short.length > 50) problems.push(`shortDescription has ${short.length} characters, more than 50`);
  }
  const description = spec.description;
  if (typeof description !== 'string' || description.trim() === '') problems.push('no description');
  else {
    if (!lineLengthOk(description, 80)) problems.push('description has lines longer than 80 characters');
    if (/\busage\b|^\s*\$ |kubectl procstatus|(^|\s)--?[a-z]/im.test(description)) {
      problems.push('description contains usage text (commands or flags)');
    }
  }
  if (!lineLengthOk(spec.caveats, 80)) problems.push('caveats has lines longer than 80 characters');
  if (spec.homepage !== undefined && !/^https:\/\//.test(spec.homepage)) problems.push('homepage is not an https URL');

  const platforms = Array.isArray(spec.platforms) ? spec.platforms : [];
  if (platforms.length === 0) problems.push('no platforms');
  platforms.forEach((p, i) => {
    const where = `platforms[${i}]`;
    const sel = p.selector;
    if (!sel || (!sel.matchLabels && !(sel.matchExpressions ?? []).length)) problems.push(`${where}: empty selector`);
    const keys = [...Object.keys(sel?.matchLabels ?? {}), ...(sel?.matchExpressions ?? []).map((e) => e.key)];
    for (const k of keys) if (k !== 'os' && k !== 'arch') problems.push(`${where}: selector key ${k} is not os or arch`);
    const matched = OSES.flatMap((os) => ARCHES.map((arch) => ({ os, arch }))).filter((l) => selectorMatches(sel, l));
    if (matched.length === 0) problems.push(`${where}: selector matches no os/arch`);
    if (typeof p.uri !== 'string' || !/^https:\/\//.test(p.uri)) problems.push(`${where}: uri is not an https URL`);
    if (!/^[a-f0-9]{64}$/.test(String(p.sha256))) problems.push(`${where}: sha256 is not 64 lowercase hex characters`);
    if (typeof p.bin !== 'string' || p.bin === '') problems.push(`${where}: no bin`);
    if (!Array.isArray(p.files) || p.files.length === 0) problems.push(`${where}: no files operations`);
    if (matched.some((l) => l.os === 'windows') && !String(p.bin).endsWith('.exe')) {
      problems.push(`${where}: bin ${p.bin} on Windows does not end in .exe`);
    }
    const file = typeof p.uri === 'string' ? decodeURIComponent(p.uri.split('/').pop()) : '';
    const archive = archives?.[file];
    if (!archive) {
      problems.push(`${where}: no local archive ${file} to check`);
      return;
    }
    if (archive.sha256 !== p.sha256) problems.push(`${where}: sha256 ${p.sha256} does not match ${file} (${archive.sha256})`);
    const installed = installedFiles(archive.entries, p.files);
    if (!installed.has(String(p.bin).replace(/^\.\//, ''))) problems.push(`${where}: bin ${p.bin} is not installed from ${file}`);
    if (![...installed].some((f) => /^LICEN[CS]E/i.test(f.split('/').pop()))) problems.push(`${where}: no LICENSE installed from ${file}`);
  });
  for (const os of OSES) {
    for (const arch of ARCHES) {
      const hits = platforms.map((p, i) => (selectorMatches(p.selector, { os, arch }) ? i : -1)).filter((i) => i >= 0);
      if (hits.length > 1) problems.push(`platforms ${hits.join(' and ')} both select ${os}/${arch}`);
    }
  }
  return problems;
}

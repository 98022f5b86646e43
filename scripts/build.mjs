// Bundles src/ into one executable file, dist/kubectl-procstatus.
//
// The bundle is CommonJS, because Node's single-executable applications
// embed one CJS script (https://nodejs.org/api/single-executable-applications.html);
// the plain bundle is kept as dist/kubectl-procstatus.cjs for that build.
//
// The executable wraps it for start-up speed. Node's compile cache
// (https://nodejs.org/api/module.html#module-compile-cache) only covers code
// compiled after module.enableCompileCache() runs, never the script that calls
// it, and parsing a 1.5 MB script costs about as much as all of Node's own
// start-up. So the executable is a few lines that turn the cache on and
// compile the bundle, carried in the same file as one string literal (which
// V8 scans, not parses); from the second run on, the compiled code comes from
// the cache.
import { NODE_FLAGS } from './node-flags.mjs';
import { build } from 'esbuild';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { brotliCompressSync, constants as zlib } from 'node:zlib';

const root = new URL('..', import.meta.url);
const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8'));
await mkdir(new URL('dist/', root), { recursive: true });

/**
 * client-node's KubeConfig (config.js) imports its whole generated API client
 * (gen/index.js, every model class), the openapi middleware, and undici,
 * only for makeApiClient() and fetch dispatchers. This tool never calls
 * those: it asks the auth-provider authenticators for a header
 * (applyToHTTPSOptions, src/kube/auth-provider.ts), which needs none of
 * them. The bundle gets stubs in their place that throw if anything ever
 * reaches them.
 */
const unusedByKubeConfig = {
  name: 'client-node-unused',
  setup(b) {
    const stubbed = /^(\.\/gen\/index\.js|\.\/middleware\.js|undici)$/;
    b.onResolve({ filter: stubbed }, (args) =>
      /@kubernetes[\\/]client-node[\\/]dist[\\/]config\.js$/.test(args.importer)
        ? { path: args.path, namespace: 'unused-by-kubeconfig' }
        : undefined);
    b.onLoad({ filter: /.*/, namespace: 'unused-by-kubeconfig' }, (args) => ({
      contents: `const no = () => { throw new Error(${JSON.stringify(`${args.path} is not part of the kubectl-procstatus bundle`)}); };
        export const createConfiguration = no, ServerConfiguration = no, setHeaderMiddleware = no;
        export class Agent { constructor() { no(); } }
        export class ProxyAgent { constructor() { no(); } }`,
      loader: 'js',
    }));
  },
};

/**
 * Packages only a few kubeconfigs need, imported dynamically: client-node
 * (with openid-client, jose, jsonpath-plus...) for a user with an
 * auth-provider, socks for a socks5:// proxy-url. Each is built apart as a
 * CommonJS part and carried in the bundle brotli-compressed, as data: a run
 * that does not import it neither evaluates, compiles nor even holds its
 * source (a quarter of the bundle, which every start would read and keep in
 * memory). Its first import decompresses and compiles it (through the
 * compile cache too). One file still, as a single-executable build needs.
 */
const ON_DEMAND = /^(@kubernetes\/client-node\/dist\/config\.js|socks)$/;

/**
 * Each part, built and compressed once per process: the same for every
 * entry point (a build bundles the tool and its completion, a release more).
 * Calls with plugins of their own (tests that instrument the bundle) build
 * their parts afresh, so the plugins reach them.
 */
const parts = new Map();

function onDemandParts(extra, partInputs) {
  const shared = !(extra.plugins ?? []).length;
  return {
    name: 'on-demand-parts',
    setup(b) {
      b.onResolve({ filter: ON_DEMAND }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, namespace: 'on-demand' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'on-demand' }, async (args) => {
        let made = shared ? parts.get(args.path) : undefined;
        if (!made) {
          made = buildPart(args.path, extra);
          if (shared) parts.set(args.path, made);
        }
        const { inputs, contents } = await made;
        partInputs.push(...inputs);
        return { loader: 'js', contents };
      });
    },
  };
}

async function buildPart(path, extra) {
  const part = await build({
    ...options({}, extra),
    entryPoints: undefined,
    stdin: { contents: `module.exports = require(${JSON.stringify(path)});`, resolveDir: new URL('.', root).pathname, loader: 'js' },
    banner: { js: BUNDLE_URL },
  });
  const data = brotliCompressSync(part.outputFiles[0].contents, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).toString('base64');
  const name = path.replace(/^@kubernetes\/|\/dist\/.*$/g, '');
  return {
    inputs: Object.keys(part.metafile.inputs),
    contents: `const M = require("node:module");
            const m = new M(__filename + "#${name}");
            m.filename = m.id;
            m._compile(require("node:zlib").brotliDecompressSync(Buffer.from(${JSON.stringify(data)}, "base64")).toString("utf8"), m.id);
            module.exports = m.exports;`,
  };
}

const BUNDLE_URL = 'var __bundleUrl=require("node:url").pathToFileURL(__filename).href;';

/** esbuild's options for the bundle and its parts. */
function options(define, extra) {
  return {
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    write: false,
    metafile: true,
    // ESM dependencies (client-node) read import.meta.url, which a
    // CommonJS bundle lacks; give them this file's URL.
    define: { __VERSION__: JSON.stringify(pkg.version), 'import.meta.url': '__bundleUrl', ...define },
    plugins: [unusedByKubeConfig, ...(extra.plugins ?? [])],
    logLevel: 'warning',
  };
}

/**
 * One entry point → a minified CommonJS bundle, as a string; `define` adds
 * compile-time constants; `extra` more esbuild plugins and a banner line
 * (tests instrument the bundle with them).
 */
export async function bundle(entry, define = {}, extra = {}) {
  return (await bundleWithInputs(entry, define, extra)).text;
}

/**
 * The bundle and the npm packages it carries (from esbuild's metafile), as
 * directories under node_modules: what the release's notices must cover.
 */
export async function bundleWithInputs(entry, define = {}, extra = {}) {
  const partInputs = [];
  const base = options(define, extra);
  const result = await build({
    ...base,
    entryPoints: [new URL(entry, root).pathname],
    banner: { js: `${BUNDLE_URL}${extra.banner ?? ''}` },
    plugins: [onDemandParts(extra, partInputs), ...base.plugins],
  });
  const packages = new Set();
  for (const input of [...Object.keys(result.metafile.inputs), ...partInputs]) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) packages.add(m[1]);
  }
  return { text: result.outputFiles[0].text, packages: [...packages].sort() };
}

/** package.json's engines.node, ">=22.19" → [22, 19]: the oldest Node the executable agrees to run on. */
function minimumNode() {
  const m = /^>=\s*(\d+)\.(\d+)/.exec(pkg.engines?.node ?? '');
  if (!m) throw new Error(`package.json engines.node "${pkg.engines?.node}" is not of the form >=MAJOR.MINOR`);
  return [Number(m[1]), Number(m[2])];
}

/**
 * How the executable picks its Node: first lines that are both a POSIX shell
 * script and JavaScript (`":" //;` is a no-op command to sh, a string and a
 * comment to JS). sh follows symlinks to the file's real place; in a clone,
 * ../node_modules/node/bin/node is the project's own Node (the `node` dev
 * dependency), used even when an older `node` is first on PATH; elsewhere
 * (npm install -g, npx) it is `node` from PATH. The JS then checks
 * process.versions (no second Node start): a Node older than engines.node
 * gets one error line, exit 1; if that was the clone's Node, PATH's is tried.
 * Old Nodes must be able to parse these lines, so they are ES5 only. Run as
 * `node FILE` (the darwin/arm64 launcher, benchmarks), the sh lines do nothing.
 */

function launcher(name) {
  const [major, minor] = minimumNode();
  const flags = NODE_FLAGS.join(' ');
  const need = `error: ${name} needs Node.js ${major}.${minor} or later`;
  return [
    '#!/bin/sh',
    '":" //; f=$0; while [ -L "$f" ]; do l=$(readlink "$f"); case $l in /*) f=$l ;; *) case $f in */*) f=${f%/*}/$l ;; *) f=$l ;; esac ;; esac; done',
    '":" //; case $f in */*) n=${f%/*}/../node_modules/node/bin/node ;; *) n=../node_modules/node/bin/node ;; esac',
    `":" //; if [ -x "$n" ]; then KUBECTL_PROCSTATUS_CLONE_NODE=1 exec "$n" ${flags} "$f" "$@"; fi`,
    `":" //; command -v node >/dev/null 2>&1 || { echo "${need} (no node on PATH)" >&2; exit 1; }`,
    `":" //; exec node ${flags} "$f" "$@"`,
    '"use strict";',
    `// ${name}: the lines above choose the Node; see scripts/build.mjs.`,
    '(function () {',
    '  var clone = process.env.KUBECTL_PROCSTATUS_CLONE_NODE === "1";',
    '  delete process.env.KUBECTL_PROCSTATUS_CLONE_NODE;',
    '  var v = process.versions.node.split(".").map(Number);',
    `  if (v[0] > ${major} || (v[0] === ${major} && v[1] >= ${minor})) return;`,
    '  if (clone) {',
    `    var r = require("child_process").spawnSync("node", ${JSON.stringify(NODE_FLAGS)}.concat([__filename], process.argv.slice(2)), { stdio: "inherit" });`,
    '    if (!r.error) { if (r.signal) process.kill(process.pid, r.signal); process.exit(r.status === null ? 1 : r.status); }',
    '  }',
    `  process.stderr.write(${JSON.stringify(need)} + " (found v" + process.versions.node + ")\\n");`,
    '  process.exit(1);',
    '})();',
  ];
}

/** The executable: choose the Node, enable the compile cache, then compile the bundle it carries. */
export function wrap(code, name = 'kubectl-procstatus') {
  return [
    ...launcher(name),
    '// The bundle below is compiled through Node\'s compile cache (see scripts/build.mjs).',
    'const M = require("node:module");',
    'try { if (M.enableCompileCache) M.enableCompileCache(); } catch (e) {}',
    'const m = new M(__filename, module);',
    'm.filename = __filename;',
    'm.paths = module.paths;',
    `m._compile(${JSON.stringify(code)}, __filename);`,
    '',
  ].join('\n');
}

async function write(name, text, mode) {
  const file = new URL(`dist/${name}`, root).pathname;
  await writeFile(file, text);
  if (mode) await chmod(file, mode);
  console.log(`built ${file} (${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB)`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const code = await bundle('src/main.ts');
  await write('kubectl-procstatus.cjs', code);
  await write('kubectl-procstatus', wrap(code), 0o755);
  // kubectl_complete-procstatus: kubectl's completion hook for the plugin (npm's bin installs it beside the tool).
  const completion = await bundle('src/completion/main.ts');
  await write('kubectl_complete-procstatus', wrap(completion, 'kubectl_complete-procstatus'), 0o755);
}

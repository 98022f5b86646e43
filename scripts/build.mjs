// Bundles src/ into one executable CommonJS file, dist/kubectl-procstatus:
// CommonJS because Node's single-executable applications embed one CJS script.
// https://nodejs.org/api/single-executable-applications.html
import { build } from 'esbuild';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const outfile = new URL('../dist/kubectl-procstatus', import.meta.url).pathname;
await mkdir(new URL('../dist/', import.meta.url), { recursive: true });

const result = await build({
  entryPoints: [new URL('../src/main.ts', import.meta.url).pathname],
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  write: false,
  // ESM dependencies (yargs 18, client-node) read import.meta.url, which a
  // CommonJS bundle lacks; give them this file's URL.
  define: { __VERSION__: JSON.stringify(pkg.version), 'import.meta.url': '__bundleUrl' },
  banner: {
    // Compile cache: V8 keeps the compiled bundle on disk between runs, which
    // takes most of the parse cost off start-up. https://nodejs.org/api/module.html#module-compile-cache
    js:
      '#!/usr/bin/env node\n' +
      'try{require("node:module").enableCompileCache?.()}catch{}\n' +
      'var __bundleUrl=require("node:url").pathToFileURL(__filename).href;',
  },
  logLevel: 'warning',
});
await writeFile(outfile, result.outputFiles[0].contents);
await chmod(outfile, 0o755);
console.log(`built ${outfile} (${(result.outputFiles[0].contents.length / 1024).toFixed(0)} KiB)`);

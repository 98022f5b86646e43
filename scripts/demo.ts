// npm run demo: a newcomer's first five minutes. Builds the tool, starts the
// in-repo test API server (test/apiserver/) with a small cluster
// (test/fixtures/demo.json: five pods that are real namespaced process
// trees), writes a kubeconfig for it, and shows `kubectl procstatus` at work
// on it. Usage:
//
//   npm run demo                 on a terminal: the tour, then the cluster stays up until Ctrl-C;
//                                otherwise: the tour, then exit
//   npm run demo -- --tour       the tour, then exit (what tests and CI run)
//   npm run demo -- --serve      no tour: start the cluster and keep it up until Ctrl-C
//   npm run demo -- --local      this machine only (also the fallback where namespaces cannot be made)
//   npm run demo -- --dir DIR    where the kubeconfig goes (default .demo/ in the clone)
//
// Everything it starts (the server, whose containers die with it, and the
// tour's commands) is stopped, and the kubeconfig removed, on exit, Ctrl-C
// (SIGINT), SIGTERM and SIGHUP. Run by the project's Node 24 (npm scripts put
// node_modules/.bin first on PATH), which runs the test server's .ts files.

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  REPO_ROOT,
  canMakeNamespaces,
  ephemeralUnavailableReason,
  namespacesUnavailableReason,
  startApiServer,
  withSbin,
} from '../test/apiserver/harness.ts';
import type { ApiServerHandle } from '../test/apiserver/harness.ts';

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'demo.json');
const DIST = path.join(REPO_ROOT, 'dist');
const TOOL = path.join(DIST, 'kubectl-procstatus');
const CA = path.join(REPO_ROOT, 'test', 'apiserver', 'certs', 'ca.crt');

const USAGE = `usage: npm run demo [-- --tour | --serve | --local] [--dir DIR]
  (no flag)  the tour, then keep the cluster up until Ctrl-C on a terminal; the tour only otherwise
  --tour     run the tour and exit
  --serve    start the cluster and keep it up until Ctrl-C, without running the tour
  --local    show local mode on this machine only (no cluster)
  --dir DIR  where to write the kubeconfig (default: .demo/ in the clone)
`;

function usage(message: string): never {
  process.stderr.write(`error: ${message}\nhint: npm run demo -- --help\n`);
  process.exit(2);
}

let values: { tour?: boolean; serve?: boolean; local?: boolean; dir?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      tour: { type: 'boolean' },
      serve: { type: 'boolean' },
      local: { type: 'boolean' },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (e) {
  usage((e as Error).message);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if ([values.tour, values.serve, values.local].filter(Boolean).length > 1) usage('use one of --tour, --serve, --local');

const interactive = process.stdout.isTTY === true;
const runTour = !values.serve;
const serve = values.serve || (!values.tour && !values.local && interactive);

// ---- output ---------------------------------------------------------------

const bold = (s: string): string => (interactive && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string): string => (interactive && !process.env.NO_COLOR ? `\x1b[2m${s}\x1b[0m` : s);
const say = (s = ''): void => void process.stdout.write(`${s}\n`);

/** Quotes a word for a POSIX shell, for the lines the user copies (never run by us through a shell). */
function shq(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

// ---- clean-up -------------------------------------------------------------

let api: ApiServerHandle | undefined;
let kubeconfigFile: string | undefined;
let createdDir: string | undefined;
let current: ChildProcess | undefined;
let stopping: Promise<void> | undefined;

/** Stops what this run started: the tour's current command, the server (and so its containers), the kubeconfig. */
function cleanUp(): Promise<void> {
  stopping ??= (async () => {
    if (current && current.exitCode === null && current.signalCode === null) current.kill('SIGTERM');
    await api?.stop();
    api = undefined;
    removeKubeconfig();
  })();
  return stopping;
}

function removeKubeconfig(): void {
  if (kubeconfigFile) fs.rmSync(kubeconfigFile, { force: true });
  if (createdDir) {
    try {
      fs.rmdirSync(createdDir); // only if empty: it may hold the user's files by now
    } catch {
      // not empty, or gone
    }
  }
}

let servingForever = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    if (servingForever) say(`\n${sig === 'SIGINT' ? 'Ctrl-C' : sig}: stopping the demo cluster.`);
    void cleanUp().then(() => process.exit(servingForever ? 0 : 128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1)));
  });
}
// Last resort on any other exit: the server also exits by itself when its
// stdin (a pipe from here) closes, and its containers die with it.
process.on('exit', () => {
  if (api) {
    try {
      process.kill(api.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  removeKubeconfig();
});

// ---- steps ----------------------------------------------------------------

/** Newest modification time under these paths (files and directories, recursively); 0 if none exist. */
function newest(paths: string[]): number {
  let t = 0;
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      continue;
    }
    t = Math.max(t, st.mtimeMs);
    if (st.isDirectory()) t = Math.max(t, newest(fs.readdirSync(p).map((n) => path.join(p, n))));
  }
  return t;
}

/** dist/ is missing, or older than what it is built from. */
function stale(): boolean {
  const outputs = ['kubectl-procstatus', 'kubectl_complete-procstatus'].map((f) => path.join(DIST, f));
  if (!outputs.every((f) => fs.existsSync(f))) return true;
  const built = Math.min(...outputs.map((f) => fs.statSync(f).mtimeMs));
  const inputs = ['src', 'scripts/build.mjs', 'package.json', 'package-lock.json'].map((p) => path.join(REPO_ROOT, p));
  return newest(inputs) > built;
}

/**
 * npm run build, when dist/ is stale. Not always: rewriting dist/ while
 * something else runs it (the end-to-end tests, a second shell) would break that.
 */
function build(): void {
  if (!stale()) return;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}error: the build failed (node scripts/build.mjs)\n`);
    process.exit(1);
  }
  say(dim(`built dist/kubectl-procstatus in ${((Date.now() - t0) / 1000).toFixed(1)} s`));
}

function has(cmd: string, env: NodeJS.ProcessEnv): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1" >/dev/null', 'sh', cmd], { env }).status === 0;
}

interface Step {
  /** argv after `kubectl procstatus` (or a whole argv when `kubectl` is set). */
  args: string[];
  why: string;
  /** A real kubectl command rather than the plugin (skipped without kubectl). */
  kubectl?: boolean;
  /** Needs ephemeral containers (capsh). */
  debug?: boolean;
  /** A sweep that adds `--debug-image busybox:1.36` (for the distroless pod) where ephemeral containers work. */
  sweepDebug?: boolean;
  /** Piped into jq with these arguments. */
  jq?: string[];
}

const JQ_NET_ADMIN = '.items[] | select(.capabilities.effective.names | index("CAP_NET_ADMIN")) | "\\(.namespace)/\\(.pod) \\(.container) pid \\(.pid) \\(.name)"';

const TOUR: Step[] = [
  { kubectl: true, args: ['get', 'pods', '-A'], why: 'the demo cluster, as real kubectl sees it: five pods, each a real process tree' },
  { args: ['web', '--pid', '1', '--signals'], why: 'does PID 1 catch SIGTERM? `sleep` has no handler, so every rollout waits out the grace period (pid1-ignores-sigterm)' },
  { args: ['payments', '--all-pids'], why: 'every process of the default container, read in one exec' },
  { args: ['payments', '-c', '1', '--pid', '1', '--capabilities'], why: '-c 1: the second container by index, a proxy left with only CAP_NET_BIND_SERVICE' },
  { args: ['netdebug', '-n', 'ops', '--pid', '1', '--capabilities'], why: 'CAP_NET_ADMIN added: Pod Security privileged; and against the spec, allowPrivilegeEscalation: false while NoNewPrivs is 0' },
  { args: ['hardened', '--pid', '1'], why: 'a hardened pod (uid 65534, drop ALL, no_new_privs): nothing to warn about; no seccomp filter keeps it at Pod Security baseline (info)' },
  { args: ['distroless', '--pid', '1'], why: 'a distroless image has no cat: one error line and a hint' },
  { args: ['distroless', '--pid', '1', '--debug-image', 'busybox:1.36'], debug: true, why: 'read it through an ephemeral debug container sharing its PID namespace' },
  { args: ['-A', '--pid', '1', '--fail-on', 'warning'], sweepDebug: true, why: 'sweep every namespace; exit 3 because findings of warning or worse exist (for CI gates)' },
  { args: ['-A', '--all-pids', '--capabilities', '-o', 'json'], sweepDebug: true, jq: ['-r', JQ_NET_ADMIN], why: 'JSON for scripts: which processes hold CAP_NET_ADMIN?' },
];

interface Shell {
  env: NodeJS.ProcessEnv;
  /** How the plugin is invoked: ['kubectl', 'procstatus'] or ['kubectl-procstatus']. */
  plugin: string[];
  kubectl: boolean;
  jq: boolean;
  debug: boolean;
}

function argvOf(step: Step, sh: Shell): string[] {
  if (step.kubectl) return ['kubectl', ...step.args];
  const args = step.sweepDebug && sh.debug ? [...step.args, '--debug-image', 'busybox:1.36'] : step.args;
  return [...sh.plugin, ...args];
}

function shown(step: Step, sh: Shell): string {
  const argv = argvOf(step, sh);
  const line = argv.map(shq).join(' ');
  return step.jq ? `${line} | jq ${step.jq.map(shq).join(' ')}` : line;
}

function available(step: Step, sh: Shell): string | undefined {
  if (step.kubectl && !sh.kubectl) return 'kubectl is not installed';
  if (step.debug && !sh.debug) return ephemeralUnavailableReason();
  return undefined;
}

/** Runs one command with the terminal as its output; resolves with its exit status. */
function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'inherit', 'inherit'] });
    current = child;
    child.on('error', (e) => {
      say(`error: ${argv[0]}: ${e.message}`);
      resolve(127);
    });
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)));
  });
}

/** tool | jq ...: the pipe is made here, not by a shell. */
function runPiped(argv: string[], jqArgs: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const tool = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const jq = spawn('jq', jqArgs, { env, stdio: ['pipe', 'inherit', 'inherit'] });
    current = tool;
    tool.stdout.pipe(jq.stdin);
    jq.stdin.on('error', () => {}); // jq gone early: its own exit says why
    let toolCode = 0;
    tool.on('close', (code) => (toolCode = code ?? 1));
    jq.on('close', (code) => resolve(toolCode || (code ?? 1)));
  });
}

/** The JQ_NET_ADMIN filter without jq: the tool's JSON, parsed here. */
function runNetAdminFilter(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const tool = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'inherit'] });
    current = tool;
    const chunks: Buffer[] = [];
    tool.stdout.on('data', (d: Buffer) => chunks.push(d));
    tool.on('close', (code) => {
      try {
        type Item = { namespace: string; pod: string; container: string; pid: number; name: string; capabilities?: { effective?: { names?: string[] | null } } };
        const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { items: Item[] };
        for (const i of doc.items) {
          if (i.capabilities?.effective?.names?.includes('CAP_NET_ADMIN')) say(`${i.namespace}/${i.pod} ${i.container} pid ${i.pid} ${i.name}`);
        }
      } catch (e) {
        say(`error: the JSON did not parse: ${(e as Error).message}`);
      }
      resolve(code ?? 1);
    });
  });
}

async function tour(sh: Shell): Promise<void> {
  for (const step of TOUR) {
    if (stopping) return;
    say();
    say(`${dim('#')} ${dim(step.why)}`);
    say(bold(`$ ${shown(step, sh)}`));
    const skip = available(step, sh);
    if (skip) {
      say(dim(`(skipped: ${skip})`));
      continue;
    }
    const argv = argvOf(step, sh);
    let code: number;
    if (!step.jq) code = await run(argv, sh.env);
    else if (sh.jq) code = await runPiped(argv, step.jq, sh.env);
    else {
      say(dim('(jq is not installed: the same filter, applied here)'));
      code = await runNetAdminFilter(argv, sh.env);
    }
    if (code !== 0) say(dim(`(exit ${code})`));
  }
  current = undefined;
}

function writeKubeconfig(dir: string, a: ApiServerHandle): string {
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true });
    createdDir = dir;
  }
  const file = path.join(dir, 'kubeconfig');
  // One cluster, one user, one context: https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/
  // (JSON is YAML.) Mode 0600: it holds the token.
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'procstatus-demo', cluster: { server: a.url, 'certificate-authority-data': fs.readFileSync(CA).toString('base64') } }],
    users: [{ name: 'procstatus-demo-admin', user: { token: a.token } }],
    contexts: [{ name: 'procstatus-demo', context: { cluster: 'procstatus-demo', user: 'procstatus-demo-admin', namespace: 'default' } }],
    'current-context': 'procstatus-demo',
  };
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  kubeconfigFile = file;
  return file;
}

async function local(why?: string): Promise<void> {
  if (why) say(`${why}: showing local mode on this machine instead.`);
  const env = { ...process.env, PATH: `${DIST}:${process.env.PATH ?? ''}` };
  const steps: [string[], string][] = [
    [['--pid', '1'], 'PID 1 of this machine: identity, findings, capabilities, signals'],
    [['--all-pids', '--capabilities'], 'every process of this machine, capabilities only'],
  ];
  for (const [args, why2] of steps) {
    say();
    say(`${dim('#')} ${dim(why2)}`);
    say(bold(`$ ${['kubectl-procstatus', ...args].join(' ')}`));
    const code = await run([TOOL, ...args], env);
    if (code !== 0) say(dim(`(exit ${code})`));
  }
}

async function main(): Promise<void> {
  const t0 = Date.now();
  build();
  if (values.local) return local();
  if (!canMakeNamespaces()) return local(namespacesUnavailableReason());

  say(dim('starting the demo cluster (test/apiserver/ with test/fixtures/demo.json)...'));
  api = await startApiServer({ fixture: FIXTURE, timeoutMs: 60_000 });
  const a = api;
  const dir = path.resolve(values.dir ?? path.join(REPO_ROOT, '.demo'));
  const kubeconfig = writeKubeconfig(dir, a);
  say(dim(`cluster up at ${a.url} in ${((Date.now() - t0) / 1000).toFixed(1)} s; kubeconfig: ${kubeconfig}`));

  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig, PATH: withSbin(`${DIST}:${process.env.PATH ?? ''}`) };
  const kubectl = has('kubectl', env);
  const sh: Shell = {
    env,
    kubectl,
    plugin: kubectl ? ['kubectl', 'procstatus'] : ['kubectl-procstatus'],
    jq: has('jq', env),
    debug: ephemeralUnavailableReason() === '',
  };
  if (!kubectl) say(dim('kubectl is not installed: the tour runs the plugin as kubectl-procstatus (kubectl procstatus ... once kubectl is on PATH)'));

  if (runTour) {
    await tour(sh);
    if (stopping) return;
    say();
    say(dim(`tour done in ${((Date.now() - t0) / 1000).toFixed(1)} s`));
  } else {
    say();
    say('Things to try:');
    for (const step of TOUR) say(`  ${shown(step, sh)}\n      ${dim(step.why)}`);
  }

  if (!serve) {
    await cleanUp();
    return;
  }
  say();
  say(bold('The demo cluster is up. In another shell:'));
  say(`  export KUBECONFIG=${shq(kubeconfig)} PATH=${shq(DIST)}:"$PATH"`);
  say('  kubectl get pods -A');
  say('  kubectl procstatus web --pid 1 --signals');
  say('Ctrl-C stops it and removes everything it started.');
  servingForever = true;
  // Serve until a signal (handled above) or until the server dies on its own.
  await waitForExit(a.pid);
  if (!stopping) {
    process.stderr.write(`error: the demo API server exited on its own\n${a.stderr()}`);
    await cleanUp();
    process.exit(1);
  }
}

/** Resolves when the process is gone (polled: it is our child, but the harness owns its handle). */
function waitForExit(pid: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      try {
        process.kill(pid, 0);
      } catch {
        clearInterval(timer);
        resolve();
      }
    }, 500);
  });
}

main().then(
  () => {
    if (!servingForever) process.exit(0);
  },
  async (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    await cleanUp();
    process.exit(1);
  },
);

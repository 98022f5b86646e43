// Timing one command, and A/B pairs of them, through runner.py (wall time,
// client CPU and max RSS from wait4(2)). Timing lives in the bench alone:
// tests never assert on time.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const RUNNER = join(fileURLToPath(new URL('.', import.meta.url)), 'runner.py');

/** A command that failed (non-zero exit, killed, or not started): its first stderr line says why. */
export class RunFailed extends Error {}

/**
 * Starts runner.py. → { once(argv, env, {stdout, timeoutS}), stop() }.
 * once() resolves { ms, cpu, kib, stdout } or rejects with RunFailed.
 * Commands run one at a time, in the order asked.
 */
export function startRunner() {
  const child = spawn('python3', [RUNNER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = [];
  let gone = null;
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(JSON.parse(line)));
  child.on('exit', (code, signal) => {
    gone = new RunFailed(`the runner exited (${signal ?? code})`);
    for (const w of waiting.splice(0)) w.reject(gone);
  });
  child.stdin.on('error', () => {}); // the runner is gone: 'exit' says so
  return {
    async once(argv, env, { stdout = false, timeoutS = 0 } = {}) {
      if (gone) throw gone;
      const r = await new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(`${JSON.stringify({ argv, env, stdout, timeout_s: timeoutS })}\n`);
      });
      if (r.status !== 0) {
        const why = r.status === -9 && timeoutS ? `killed after ${timeoutS} s` : `exited ${r.status}`;
        const lines = r.stderr.trim().split('\n');
        const first = (lines.find((l) => /error/i.test(l)) ?? lines[0]).slice(0, 200);
        const command = [argv[0].split('/').pop(), ...argv.slice(1)].join(' ');
        throw new RunFailed(`${command} ${why}${first ? `: ${first}` : ''}`);
      }
      return { ms: r.ms, cpu: r.cpu_ms, kib: r.maxrss_kib, stdout: r.stdout };
    },
    /** Ends the runner; a command it is timing gets SIGTERM first (runner.py). */
    stop() {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    },
  };
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Medians of wall and CPU time, and the highest max RSS (MiB), over runs. */
export const summary = (rs) => ({
  ms: median(rs.map((r) => r.ms)),
  cpu: median(rs.map((r) => r.cpu)),
  mib: Math.max(...rs.map((r) => r.kib)) / 1024,
  runs: rs.length,
});

/** Interleaved A/B pairs: a warm-up each, then `runs` pairs, alternating which goes first. */
export async function pair(runner, a, b, env, runs) {
  await runner.once(a, env);
  await runner.once(b, env);
  const ra = [];
  const rb = [];
  for (let i = 0; i < runs; i++) {
    const [first, second, rf, rs] = i % 2 === 0 ? [a, b, ra, rb] : [b, a, rb, ra];
    rf.push(await runner.once(first, env));
    rs.push(await runner.once(second, env));
  }
  return { ours: summary(ra), yard: summary(rb) };
}

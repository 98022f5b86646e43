// The scale section of the bench: sweeps of thousands of pod objects of
// realistic size (~12 KB each, test/apiserver/cluster/realistic.ts), served
// by one test API server from a few real process trees (fixture podSets,
// run.sharesProcessesOf). The sets are nested by a label, so one server
// answers every size: the pods of set i carry `bench-size=s<size i>`, and
// the sweep of size i selects the sets up to it
// (`-l 'bench-size in (s50,s1000)'` is the 1,000-pod sweep). Each size is
// swept with `--pid 1 -o json` and with the default table; the server's
// request log says how many list requests (chunks) and exec upgrades each
// made. kubectl has no command that does this work, so these rows carry our
// figures against the targets, without a yardstick.
import { kindOf } from './serverlog.mjs';
import { summary } from './timing.mjs';

export const LABEL = 'bench-size';

/** The fixture: nested sets of realistic pods, one process tree each. */
export function scaleFixture(sizes) {
  return {
    namespaces: ['default'],
    podSets: sizes.map((size, i) => ({
      count: size - (sizes[i - 1] ?? 0),
      prefix: `scale${i}`,
      trees: 1,
      realistic: true,
      labels: { [LABEL]: `s${size}` },
    })),
  };
}

/** The selector of the first `size` pods. */
export const selectorOf = (sizes, size) => `${LABEL} in (${sizes.filter((s) => s <= size).map((s) => `s${s}`).join(',')})`;

export const OUTPUTS = [
  { name: '-o json', args: ['-o', 'json'] },
  { name: 'table', args: [] },
];

/** Requests by kind (list, get, exec, other), and the chunk sizes the lists asked for. */
export function tally(requests) {
  const n = { list: 0, get: 0, exec: 0, other: 0 };
  const limits = new Set();
  for (const r of requests) {
    n[kindOf(r)]++;
    if (kindOf(r) === 'list') limits.add(new URLSearchParams(r.query).get('limit') ?? 'none');
  }
  return { ...n, limits: [...limits] };
}

/**
 * Sweeps every size with every output. `runsOf(size)` says how many runs a
 * size gets (the median is kept; requests are counted on the first run).
 * → [{ size, output, ms, cpu, mib, runs, requests } | { size, output, error }]
 */
export async function sweepSizes({ runner, tap, env, tool, sizes, runsOf, timeoutS, say }) {
  const rows = [];
  for (const size of sizes) {
    for (const out of OUTPUTS) {
      const argv = [tool, '-l', selectorOf(sizes, size), '--pid', '1', ...out.args];
      try {
        const rs = [];
        let requests = null;
        for (let i = 0; i < runsOf(size); i++) {
          const mark = tap.mark();
          rs.push(await runner.once(argv, env, { timeoutS }));
          await new Promise((r) => setTimeout(r, 200)); // the last log lines
          requests ??= tally(tap.since(mark));
        }
        const s = summary(rs);
        rows.push({ size, output: out.name, ...s, requests });
        say(`${size} pods, ${out.name}: ${(s.ms / 1000).toFixed(1)} s, ${s.cpu.toFixed(0)} ms CPU, ${s.mib.toFixed(0)} MiB, ` +
          `${requests.list} list requests, ${requests.exec} execs (${s.runs} run${s.runs > 1 ? 's' : ''})`);
      } catch (e) {
        rows.push({ size, output: out.name, error: e.message });
        say(`${size} pods, ${out.name}: failed: ${e.message}`);
      }
    }
  }
  return rows;
}

/** Client CPU per container: the slope between the smallest and `upper` size, per output. */
export function slopes(rows, lower, upper) {
  return OUTPUTS.map((out) => {
    const a = rows.find((r) => r.output === out.name && r.size === lower && !r.error);
    const b = rows.find((r) => r.output === out.name && r.size === upper && !r.error);
    return { output: out.name, lower, upper, perContainer: a && b ? (b.cpu - a.cpu) / (upper - lower) : null };
  });
}

// The bench's report: markdown tables for the README, on stdout.
import { describe } from './serverlog.mjs';

const mark = (ok) => (ok ? '✔' : '✘');
const fmt = (x, digits = 0) => (x == null || Number.isNaN(x) ? '–' : x.toFixed(digits));
const thousands = (n) => n.toLocaleString('en-US');

export function machineLine({ date, cpus, cpuModel, memGiB, os, node, kubectl, load, runs, quick, seconds }) {
  const l = load;
  return `${date}: ${cpus} cores (${cpuModel}), ${memGiB} GiB, ${os}, Node ${node}, kubectl ${kubectl}; ` +
    `load average ${fmt(l.start, 1)} at the start, ${fmt(l.mean, 1)} on average and ${fmt(l.max, 1)} at most during the run ` +
    `(1-minute, sampled every ${l.every} s); medians of ${runs} interleaved pairs${quick ? ' (--quick: fewer pairs and a smaller scale section)' : ''}; ` +
    `${fmt(seconds)} s in all.`;
}

/** The paired cases: ours against the yardstick. */
export function pairedTable(rows) {
  const out = [
    '| case | yardstick | ours ms | yardstick ms | ratio | target | ours CPU ms | yardstick CPU ms | CPU ratio | ours MiB | yardstick MiB |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    if (r.error) {
      out.push(`| ${r.name} | ${r.yardstick} | failed: ${r.error.replaceAll('|', '\\|')} | | | | | | | | |`);
      continue;
    }
    const ratio = r.ours.ms / r.yard.ms;
    const cpuRatio = r.ours.cpu / r.yard.cpu;
    const target = r.cpuTarget
      ? `≤ ${r.target}x wall ${mark(ratio <= r.target)}, CPU ${mark(cpuRatio <= r.target)}`
      : `≤ ${r.target}x ${mark(ratio <= r.target)}`;
    const mem = r.memTarget ? ` (≤ ${r.memTarget} ${mark(r.ours.mib <= r.memTarget)})` : '';
    out.push(`| ${r.name} | ${r.yardstick} | ${fmt(r.ours.ms)} | ${fmt(r.yard.ms)} | ${ratio.toFixed(2)}x | ${target} | ` +
      `${fmt(r.ours.cpu)} | ${fmt(r.yard.cpu)} | ${cpuRatio.toFixed(2)}x | ${fmt(r.ours.mib)}${mem} | ${fmt(r.yard.mib)} |`);
  }
  return out;
}

/** What crossed the delaying proxy, and what the server saw. */
export function tripsTable(trips, rttMs) {
  const out = [
    `| round trips at ${rttMs} ms RTT | TCP connections | TLS handshakes (resumed) | HTTP requests |`,
    '|---|---|---|---|',
  ];
  for (const t of trips) {
    if (t.error) {
      out.push(`| \`${t.name}\` | failed: ${t.error.replaceAll('|', '\\|')} | | |`);
      continue;
    }
    const counts = new Map();
    for (const q of t.requests) {
      const k = describe(q).replace(/\/pods\/[^/ ]+/, '/pods/NAME');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const list = [...counts].map(([k, n]) => `${n > 1 ? `${n}× ` : ''}\`${k}\``).join(', ');
    out.push(`| \`${t.name}\` | ${t.connections} | ${t.clientHellos} (${t.resumed}) | ${t.requests.length}: ${list} |`);
  }
  return out;
}

/** Every sweep of the scale section. */
export function scaleTable(rows, selectorOf) {
  const out = [
    '| pods | output | runs | wall s | client CPU ms | CPU ms per container | peak MiB | list requests (limit) | exec upgrades | other requests |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const pods = `${thousands(r.size)} (\`-l '${selectorOf(r.size)}'\`)`;
    if (r.error) {
      out.push(`| ${pods} | ${r.output} | failed: ${r.error.replaceAll('|', '\\|')} | | | | | | | |`);
      continue;
    }
    const q = r.requests;
    out.push(`| ${pods} | ${r.output} | ${r.runs} | ${(r.ms / 1000).toFixed(1)} | ${fmt(r.cpu)} | ${(r.cpu / r.size).toFixed(2)} | ` +
      `${fmt(r.mib)} | ${q.list} (${q.limits.join(', ')}) | ${q.exec} | ${q.get + q.other} |`);
  }
  return out;
}

/**
 * The scale targets: CPU per container as a slope, peak memory at the
 * largest size and how far it moved from the smallest.
 */
export function scaleTargets({ slopes, rows, sizes, cpuTarget, memTarget }) {
  const out = [
    '| scale target | -o json | table | target |',
    '|---|---|---|---|',
  ];
  const by = (output, size) => rows.find((r) => r.output === output && r.size === size && !r.error);
  const [json, table] = slopes;
  const slopeCell = (s) => (s.perContainer == null ? 'failed' : `${s.perContainer.toFixed(2)} ms ${mark(s.perContainer <= cpuTarget)}`);
  out.push(`| client CPU per container: slope from ${thousands(json.lower)} to ${thousands(json.upper)} pods | ` +
    `${slopeCell(json)} | ${slopeCell(table)} | ≤ ${cpuTarget} ms |`);
  const [low, top] = [sizes[0], sizes.at(-1)];
  const memCell = (output) => {
    const r = by(output, top);
    return r ? `${fmt(r.mib)} MiB ${mark(r.mib <= memTarget)}` : 'failed';
  };
  out.push(`| peak memory at ${thousands(top)} pods | ${memCell(json.output)} | ${memCell(table.output)} | ≤ ${memTarget} MiB |`);
  const growth = (output) => {
    const [a, b] = [by(output, low), by(output, top)];
    return a && b ? `${b.mib - a.mib >= 0 ? '+' : ''}${fmt(b.mib - a.mib)} MiB` : 'failed';
  };
  out.push(`| peak memory growth from ${thousands(low)} to ${thousands(top)} pods | ${growth(json.output)} | ${growth(table.output)} | none |`);
  return out;
}

/** The transport's floor per connection, and its share of each output's per-container slope. */
export function transportTable(transport, slopes) {
  const out = [
    '| transport floor | connections | client CPU ms per connection | resumed | share of the per-container slope |',
    '|---|---|---|---|---|',
  ];
  const what = 'one resumed TLS connection + websocket upgrade + `cat /proc/sys/kernel/random/boot_id` (`scripts/bench/transport.mjs`)';
  if (transport.error) {
    out.push(`| ${what} | failed: ${transport.error.replaceAll('|', '\\|')} | | | |`);
    return out;
  }
  const shares = slopes
    .filter((s) => s.perContainer)
    .map((s) => `${s.output}: ${((100 * transport.perConnectionMs) / s.perContainer).toFixed(0)}%`)
    .join(', ');
  out.push(`| ${what} | ${transport.count}, ${transport.concurrency} at a time; median of ${transport.runs} run${transport.runs > 1 ? 's' : ''} | ` +
    `${transport.perConnectionMs.toFixed(2)} | ${transport.resumed}/${transport.count} | ${shares || '–'} |`);
  return out;
}

import type { Judged } from '../judge/judge.js';
import { isHostMap, type IdRange } from '../procfs/idmap.js';
import { CAPABILITY_SETS, seccompLine, SIGNAL_SETS, type ProcRecord } from '../record/record.js';
import { safe } from '../safe.js';
import { displayWidth, formatColumns } from './columns.js';
import type { Show } from './document.js';
import { setText } from './names.js';
import { hanging, section } from './sections.js';

export interface TableStyle {
  /** Columns to wrap to. */
  width: number;
  color: boolean;
  /** The time elapsed times are counted to (ms since the epoch). */
  now?: number;
}


interface Column {
  head: string;
  cell: (item: ProcRecord, j: Judged) => string;
}

/** What the table renderers are told: which sections, how wide, and whether to print headers. */
export interface TableSpec {
  show: Show;
  wide: boolean;
  noHeaders: boolean;
  /**
   * One process was asked for (one PID of one pod, node or this machine):
   * the detail view, with every set in full. Decided from the question, not
   * from how many processes came back, so a script always gets the same shape.
   */
  detail?: boolean;
}

/**
 * Columns a table has because of what the read asked for, whatever its rows
 * hold: a sweep always names the pod and container (-A the namespace, as
 * kubectl does), so a script sees the same columns for one pod as for a
 * thousand, and a table that streams past its first block needs none later
 * that it did not have.
 */
export interface TableHints {
  /** Several namespaces (-A). */
  namespaces: boolean;
  /** Several pods or containers (a sweep, --all-containers). */
  origins: boolean;
  /** A node read. */
  nodes: boolean;
  /** Several nodes (`nodes`, `nodes -l`): a NODE column. */
  manyNodes: boolean;
  threads: boolean;
  cmdline: boolean;
  debug: boolean;
}

const NO_HINTS: TableHints = { namespaces: false, origins: false, nodes: false, manyNodes: false, threads: false, cmdline: false, debug: false };

/** Rows gathered before a long table commits to its columns and widths. */
export const TABLE_BLOCK = 500;

/** A known set of items as text: the detail view for one (unless -o wide), rows for more. */
export function renderTable(items: Judged[], opts: TableSpec, style: TableStyle): string {
  const table = new TableStream({ detail: items.length === 1 && !opts.wide, ...opts }, style, NO_HINTS);
  return table.add(items) + table.end();
}

/**
 * A table written as its rows come. Up to TABLE_BLOCK rows are held, so a
 * short read is laid out as a whole (and one process gets the detail view);
 * past that, the columns and their widths are fixed from the first block
 * and every later row is written as it comes, in the same layout.
 */
export class TableStream {
  private held: Judged[] = [];
  private fixed: { columns: Column[]; widths: number[] } | null = null;

  constructor(private readonly opts: TableSpec, private readonly style: TableStyle, private readonly hints: TableHints) {}

  add(items: readonly Judged[]): string {
    const ok = items.filter((j) => j.record.failure === null);
    if (this.opts.detail) return ok.map((j) => renderDetail(j, this.opts, this.style)).join('\n');
    if (this.fixed) return this.lines(ok, this.fixed);
    this.held.push(...ok);
    if (this.held.length <= TABLE_BLOCK) return '';
    const held = this.held;
    this.held = [];
    this.fixed = plan(held, this.opts, this.style, this.hints);
    return this.lines(held, this.fixed, true);
  }

  end(): string {
    if (this.fixed || this.held.length === 0) return '';
    const held = this.held;
    this.held = [];
    return this.lines(held, plan(held, this.opts, this.style, this.hints), true);
  }

  private lines(items: Judged[], layout: { columns: Column[]; widths: number[] }, head = false): string {
    if (items.length === 0) return '';
    const rows = items.map((j) => layout.columns.map((c) => cellText(c, j)));
    return formatColumns(head && !this.opts.noHeaders ? layout.columns.map((c) => c.head) : null, rows, layout.widths, this.style.color);
  }
}

/** A cell as printed: made safe, and never empty (`<none>`, as kubectl prints a missing value), so `awk '{print $N}'` counts right. */
function cellText(c: Column, j: Judged): string {
  return safe(c.cell(j.record, j)) || '<none>';
}

/** The columns for these items (and, for a streamed table, those the hints say may come), and their widths. */
function plan(items: Judged[], opts: TableSpec, style: TableStyle, hints: TableHints): { columns: Column[]; widths: number[] } {
  const columns = columnsFor(items.map((j) => j.record), items, opts, style, hints);
  const rows = items.map((j) => columns.map((c) => cellText(c, j)));
  const head = columns.map((c) => c.head);
  // One line per row, whatever the width, as kubectl prints lists: each column as wide as its widest cell.
  return { columns, widths: head.map((h, c) => Math.max(opts.noHeaders ? 0 : h.length, ...rows.map((r) => displayWidth(r[c])))) };
}

function columnsFor(items: ProcRecord[], judged: Judged[], opts: TableSpec, style: TableStyle, hints: TableHints): Column[] {
  const wide = opts.wide;
  const columns: Column[] = [];
  const origins = new Set(items.map((i) => `${i.where.namespace}/${i.where.pod}/${i.where.container}`));
  // A node read (src/sources/node.ts) carries its node, and host processes with no pod: <host>, and <none> where a pod's sandbox has no container.
  const node = (i: ProcRecord) => i.where.node ?? '';
  const nodeRead = hints.nodes || items.some((i) => i.where.node !== null);
  if (new Set(items.map(node)).size > 1 || hints.manyNodes) columns.push({ head: 'NODE', cell: node });
  if ((items.some((i) => i.where.pod !== null) && origins.size > 1) || nodeRead || hints.origins) {
    if (new Set(items.map((i) => i.where.namespace)).size > 1 || hints.namespaces) {
      columns.push({ head: 'NAMESPACE', cell: (i) => i.where.namespace ?? '<none>' });
    }
    columns.push({ head: 'POD', cell: (i) => i.where.pod ?? '<host>' }, { head: 'CONTAINER', cell: (i) => i.where.container ?? '<none>' });
  }
  columns.push({ head: 'PID', cell: (i) => String(i.pid) });
  if (items.some((i) => i.tid !== null) || hints.threads) columns.push({ head: 'TID', cell: (i) => (i.tid === null ? '' : String(i.tid)) });
  if (wide) columns.push({ head: 'PPID', cell: (i) => num(i.ppid) });
  columns.push({ head: 'NAME', cell: (i) => i.name ?? '' });
  if (wide || opts.show.capabilities) {
    columns.push({ head: 'STATE', cell: (i) => (i.state ?? '').split(' ')[0] });
    columns.push({ head: 'UID', cell: (i) => (i.uid ? String(i.uid[1]) : '') });
  }
  if (wide) {
    columns.push({ head: 'THREADS', cell: (i) => num(i.threads) });
    columns.push({ head: 'NNP', cell: (i) => (i.noNewPrivs === null ? '' : i.noNewPrivs ? '1' : '0') });
    columns.push({ head: 'SECCOMP', cell: (i) => i.seccomp ?? '' });
    // psgo's user, huser, etime, time, pcpu, nice, pgid, tty, rss and label descriptors.
    columns.push({ head: 'USER', cell: (i) => i.user ?? (i.uid ? String(i.uid[1]) : '') });
    if (items.some((i) => i.hostUser !== null && i.hostUser !== i.user)) {
      columns.push({ head: 'HUSER', cell: (i) => i.hostUser ?? i.user ?? (i.uid ? String(i.uid[1]) : '') });
    }
    columns.push({ head: 'ELAPSED', cell: (i) => etime(i, style.now ?? Date.now()) });
    columns.push({ head: 'TIME', cell: (i) => (i.cpuSeconds === null ? '' : clock(Math.floor(i.cpuSeconds), true)) });
    columns.push({ head: '%CPU', cell: (i) => (i.pcpu === null ? '' : i.pcpu.toFixed(1)) });
    columns.push({ head: 'NI', cell: (i) => (i.nice === null ? (i.failure === null && i.pgid !== null ? '-' : '') : String(i.nice)) });
    columns.push({ head: 'PGID', cell: (i) => num(i.pgid, '') });
    columns.push({ head: 'TTY', cell: (i) => i.tty ?? '' });
    columns.push({ head: 'RSS', cell: (i) => (i.rssBytes === null ? '' : String(i.rssBytes / 1024)) });
    if (items.some((i) => i.lsm) || hints.nodes) columns.push({ head: 'LABEL', cell: (i) => i.lsm?.label ?? '' });
    if (items.some((i) => i.uidMap && !isHostMap(i.uidMap)) || hints.origins || hints.nodes) columns.push({ head: 'USERNS', cell: (i) => mapText(i.uidMap) });
  }
  const caps = (key: (typeof CAPABILITY_SETS)[number][0], head: string): Column => ({
    head, cell: (i) => setText(i.capabilities?.[key], 'capabilities'),
  });
  const sigs = (key: (typeof SIGNAL_SETS)[number][0], head: string): Column => ({
    head, cell: (i) => setText(i.signals?.[key], 'signals'),
  });
  const both = opts.show.capabilities && opts.show.signals;
  if (opts.show.capabilities) {
    columns.push(caps('effective', both ? 'CAP_EFF' : 'EFFECTIVE'));
    if (!both || wide) {
      columns.push(caps('permitted', both ? 'CAP_PRM' : 'PERMITTED'), caps('bounding', both ? 'CAP_BND' : 'BOUNDING'),
        caps('ambient', both ? 'CAP_AMB' : 'AMBIENT'));
    }
    if (wide) columns.push(caps('inheritable', both ? 'CAP_INH' : 'INHERITABLE'));
  }
  if (opts.show.signals) {
    if (!both || wide) columns.push(sigs('blocked', both ? 'SIG_BLK' : 'BLOCKED'));
    columns.push(sigs('ignored', both ? 'SIG_IGN' : 'IGNORED'), sigs('caught', both ? 'SIG_CGT' : 'CAUGHT'));
    if (!both || wide) columns.push(sigs('pending', both ? 'SIG_PND' : 'PENDING'));
    if (wide) columns.push(sigs('sharedPending', both ? 'SIG_SHDPND' : 'SHARED_PENDING'));
  }
  if (items.some((i) => i.cmdline !== null) || hints.cmdline) columns.push({ head: 'COMMAND', cell: (i) => (i.cmdline ?? []).join(' ') });
  if (items.some((i) => i.debugContainer) || hints.debug) columns.push({ head: 'READ VIA', cell: (i) => i.debugContainer ?? '' });
  // The Pod Security Standards level each process meets, judged on its kernel state (src/judge/pss.ts).
  const streamedPods = hints.origins || hints.nodes;
  if (judged.some((j) => j.record.where.pod !== null && j.judgement.podSecurity) || streamedPods) {
    // A * where the level rests on a control the kernel could show but this read could not see (the spec said instead).
    columns.push({ head: 'LEVEL', cell: (_, j) => (j.judgement.podSecurity ? `${j.judgement.podSecurity.level}${j.judgement.podSecurity.assumed ? '*' : ''}` : '') });
  }
  if (judged.some((j) => j.judgement.findings.length) || streamedPods) {
    columns.push({ head: 'FINDINGS', cell: (_, j) => findingsCell(j.judgement.findings) });
  }
  return columns;
}

/**
 * One line for a row's findings: each id once, with its severity's letter,
 * and how many times it was found when more than once (exceeds-spec(C)x3):
 * the detail view and -o json say each one in full.
 */
export function findingsCell(findings: readonly { id: string; severity: string }[]): string {
  const counts = new Map<string, number>();
  for (const f of findings) {
    const key = `${f.id}(${f.severity[0].toUpperCase()})`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => (n > 1 ? `${key}x${n}` : key)).join(',') || 'none';
}

function renderDetail(j: Judged, opts: TableSpec, style: TableStyle): string {
  const item = j.record;
  const { podSecurity, findings } = j.judgement;
  const out: string[] = [];
  const node = item.where.node;
  const onNode = node ? `node ${node}, ` : '';
  const where = item.where.pod !== null ? `   ${onNode}pod ${item.where.namespace}/${item.where.pod}, container ${item.where.container ?? '<none>'}`
    : node ? `   node ${node}, host process` : '';
  const thread = item.tid !== null ? ` thread ${item.tid}` : '';
  out.push(safe(`Process: ${item.pid}${thread} (${item.name ?? '?'})${where}`));
  if (item.debugContainer) out.push(safe(`Read via: ephemeral debug container ${item.debugContainer}, sharing the container's PID namespace`));
  out.push(safe(`State:   ${item.state ?? '?'}`));
  if (item.where.pod !== null && podSecurity) {
    const unmet = [...new Set(podSecurity.unmet.map((u) => u.control))];
    const notJudged = [...new Set(podSecurity.controls.filter((c) => c.met === null).map((c) => c.control))];
    const assumed = podSecurity.controls.filter((c) => c.unverified).map((c) => c.control);
    out.push(...hanging('Level:   ', safe(`${podSecurity.level}${podSecurity.assumed ? '*' : ''}   (Pod Security Standards, on the kernel's state` +
      `${unmet.length ? `; unmet: ${unmet.join(', ')}` : ''}${notJudged.length ? `; not judged: ${notJudged.join(', ')}` : ''}` +
      `${assumed.length ? `; * from the spec, which this read could not check: ${[...new Set(assumed)].join(', ')}` : ''})`), style.width));
  }
  if (opts.show.capabilities && opts.show.signals) {
    const identity: [string, string][] = [
      ['PPid', num(item.ppid)],
      ...(item.tgid !== null && item.pid !== null && item.tgid !== item.pid ? [['Tgid', `${item.tgid}   (pid ${item.pid} is a thread of process ${item.tgid})`] as [string, string]] : []),
      ['Uid', item.uid ? `${item.uid.join(' ')}   (real effective saved fs)` : '?'],
      ['Gid', item.gid ? item.gid.join(' ') : '?'],
      ['Threads', num(item.threads)],
      ['NoNewPrivs', item.noNewPrivs === null ? '?' : item.noNewPrivs ? '1' : '0'],
      ['Seccomp', seccompLine(item) ?? '?'],
      ['NSpid', item.nspid ? item.nspid.join(' ') : '?'],
      ['VmRSS', item.vmRSS ?? '-'],
      ['User', (item.user ?? '-') + (item.hostUser !== null && item.hostUser !== item.user ? `   (on the host: ${item.hostUser})` : '')],
      ['Group', (item.group ?? '-') + (item.hostGroup !== null && item.hostGroup !== item.group ? `   (on the host: ${item.hostGroup})` : '')],
      ['Groups', item.supplementaryGroups ? item.supplementaryGroups.map((g) => g.name ?? String(g.id)).join(', ') || 'none' : '-'],
      ['Started', item.startTime ? `${item.startTime}   (${etime(item, style.now ?? Date.now())} ago)` : '-'],
      ['CPU', item.cpuSeconds !== null ? `${clock(Math.floor(item.cpuSeconds), true)}   (${item.pcpu?.toFixed(1) ?? '?'}% of its life)` : '-'],
      ['Nice', item.nice !== null ? String(item.nice) : item.pgid !== null ? '-   (real-time policy)' : '-'],
      ['Pgid', num(item.pgid, '-')],
      ['Tty', item.tty ?? '-'],
      ['LSM', item.lsm?.label ?? '-   (no LSM label)'],
      ['UidMap', item.uidMap ? mapText(item.uidMap) : '-'],
      ['GidMap', item.gidMap ? mapText(item.gidMap) : '-'],
    ];
    if (item.cmdline !== null) identity.push(['Cmdline', item.cmdline.length ? item.cmdline.join(' ') : '(none: a kernel thread or zombie)']);
    out.push(...identity.map(([k, v]) => safe(`${(k + ':').padEnd(12)}${v}`)));
  }
  if (findings.length) {
    out.push('');
    const rows = findings.map((f) => [f.severity.toUpperCase(), f.id, f.message].map((c) => safe(c)));
    out.push(section(opts.noHeaders ? null : ['FINDINGS', 'ID', 'MESSAGE'], rows, [false, false, true], style));
  }
  if (podSecurity && item.where.pod !== null && opts.show.capabilities && opts.show.signals) {
    out.push('');
    const rows = podSecurity.controls.map((c) => [c.control, c.level, c.judged, c.met === null ? '-' : c.met ? 'yes' : 'NO',
      c.unverified ? `${c.shows} (${c.unverified})` : c.shows].map((x) => safe(x)));
    out.push(section(opts.noHeaders ? null : ['CONTROLS', 'LEVEL', 'JUDGED', 'MET', 'SHOWS'], rows, [false, false, false, false, true], style));
  }
  if (opts.show.capabilities) {
    out.push('');
    const rows = CAPABILITY_SETS.map(([key, field]) => {
      const set = item.capabilities?.[key];
      return [field, key, set?.mask ?? '-', setText(set)].map((s) => safe(s));
    });
    out.push(section(opts.noHeaders ? null : ['CAPABILITIES', 'SET', 'MASK', 'NAMES'], rows, [false, false, false, true], style));
  }
  if (opts.show.signals) {
    out.push('');
    const s = item.signals;
    const rows = [
      ['SigQ', 'queued', s ? `${num(s.queued)}/${num(s.queueLimit)}` : '-', ''],
      ...SIGNAL_SETS.map(([key, field]) => {
        const set = s?.[key];
        return [field, label(key), set?.mask ?? '-', setText(set)];
      }),
    ].map((r) => r.map((c) => safe(c)));
    out.push(section(opts.noHeaders ? null : ['SIGNALS', 'SET', 'MASK', 'NAMES'], rows, [false, false, false, true], style));
  }
  return out.map((part) => part.replace(/\n$/, '')).join('\n') + '\n';
}

function num(n: number | null, missing = '?'): string {
  return n === null ? missing : String(n);
}

function label(key: string): string {
  return key === 'sharedPending' ? 'shared pending' : key;
}

/** How long a process has run: from /proc/uptime where it was read, else from its start time. */
function etime(i: ProcRecord, now: number): string {
  if (i.elapsedSeconds !== null) return clock(i.elapsedSeconds, false);
  return i.startTime ? clock(Math.max(0, Math.floor((now - Date.parse(i.startTime)) / 1000)), false) : '';
}

/** ps's etime ([[DD-]HH:]MM:SS) and, with `hours`, its time ([DD-]HH:MM:SS). */
export function clock(seconds: number, hours: boolean): string {
  let s = seconds;
  const days = Math.floor(s / 86400);
  s -= days * 86400;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return (days ? `${days}-` : '') + (hours || days || h ? `${two(h)}:` : '') + `${two(m)}:${two(sec)}`;
}

/** "0→100000 (65536)"; the host's own map reads "host". */
function mapText(map: readonly IdRange[] | null): string {
  if (!map) return '';
  if (isHostMap(map)) return 'host';
  return map.map((r) => `${r.inside}→${r.outside} (${r.count})`).join(', ');
}

// Soundness in practice (paper §7.3.1, DESIGN §7): every middlebox × transfer model ×
// failover point, graceful and crash, on a trace — the primary's committed output plus
// the standby's must equal one instance's output over the whole trace. One journaled
// unit per run; any non-equivalent run fails the check (exit 1) with its first difference.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { instrumentedLauncher, loadMbox, MODELS, readPcap, run, seededRandom, writePcapFile, type Launcher, type Model, type PcapRecord, type RunResult } from '../harness/index.js';
import { tableToCsv } from './csv.js';
import type { Experiment, ExperimentContext } from './registry.js';
import { MIDDLEBOX_DIR } from './runner.js';
import type { ExperimentResult, Table } from './types.js';

export const KINDS = ['graceful', 'crash'] as const;
export type Kind = (typeof KINDS)[number];

/**
 * The real trace of the full sweep, when the traces are the defaults: a LAN running
 * Skype (3284 packets) — 97 TCP conversations with handshakes, FIN and RST, 191 UDP
 * conversations, 190 hosts, ARP/DNS/mDNS/NTP/ICMP and a few IPv6 frames: many flows for
 * the keyed state of lb, nat, firewall and synblock, many hosts and services for
 * assetmon, TCP payload for ids, and frames each middlebox must skip.
 */
export const FULL_TRACE = 'skype-lan-mixed.pcap';
export const COMPACT_TRACE = 'small-mixed.pcap';
export const FULL_POINTS = 20;
/**
 * Compact mode only: middleboxes whose pairs move hundreds of KB per packet run on the
 * first N packets of the trace (ids: 170–380 KB per packet on small-mixed, BENCHMARKS.md).
 */
export const COMPACT_PREFIX: Readonly<Record<string, number>> = { ids: 300 };

/** The first `packets` packets of `src`, written once under <outDir>/work/ (never into the repository). */
export async function tracePrefix(ctx: ExperimentContext, src: string, packets: number): Promise<string> {
  const input = await ctx.traceInput(src);
  if (input.packets <= packets) return src;
  const dir = join(ctx.outDir, 'work');
  const out = join(dir, `${basename(src).replace(/\.pcap(ng)?$/, '')}-first${packets}-${input.sha256.slice(0, 8)}.pcap`);
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    const kept: PcapRecord[] = [];
    for await (const r of readPcap(src)) {
      if (kept.length >= packets) break;
      kept.push({ ...r, data: Buffer.from(r.data) });
    }
    await writePcapFile(`${out}.tmp`, kept);
    renameSync(`${out}.tmp`, out);
  }
  return out;
}
export const COMPACT_POINTS = 2;

/**
 * Middleboxes not run as pairs, with the reason (shown in the result's table and
 * summary, never hidden). Empty since the ids pair synchronises (harness 55e722b);
 * any build or run failure is reported per run and fails the check.
 */
export const NOT_RUN: Readonly<Record<string, string>> = {};

/**
 * `count` failover points for a trace of `packets` packets: the ends 1 and packets-1
 * plus distinct seeded random points in between (fewer when the trace is short).
 */
export function failoverPoints(packets: number, count: number, seed: number): number[] {
  if (packets < 2 || count < 1) return [];
  const lo = 1;
  const hi = packets - 1;
  const points = new Set<number>([lo]);
  if (count > 1) points.add(hi);
  const r = seededRandom(seed);
  const room = hi - lo + 1;
  while (points.size < Math.min(count, room)) points.add(lo + Math.floor(r() * room));
  return [...points].sort((a, b) => a - b);
}

/** A stable 32-bit seed for one (root seed, label) pair: FNV-1a over both. */
export function deriveSeed(root: number, label: string): number {
  let h = 0x811c9dc5 ^ root;
  for (const ch of label) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h >>> 0;
}

/** What one run keeps in the journal and the result (the full run record is large). */
export interface RunSummary {
  middlebox: string;
  trace: string;
  model: Model;
  kind: Kind;
  at: number;
  equivalent: boolean;
  firstDifference: RunResult['firstDifference'];
  resumedAt: number | null;
  stateBytesPerPacket: number;
  framesApplied: number;
  outputLines: number;
  outputPackets: number;
  ms: number;
  /** Set when the run itself failed (build, timeout, crash of the controller): counted as not equivalent. */
  error?: string;
}

/** A run's work folder under <outDir>/work. */
const workName = (u: { trace: string; middlebox: string; model: Model; kind: Kind; at: number }): string =>
  `${basename(u.trace)}-${u.middlebox}-${u.model.replace('+', '_')}-${u.kind}-${u.at}`;

interface Unit {
  middlebox: string;
  trace: string;
  sha256: string;
  model: Model;
  kind: Kind;
  at: number;
}

function summarize(u: Unit, r: RunResult, ms: number): RunSummary {
  return {
    middlebox: u.middlebox,
    trace: basename(u.trace),
    model: u.model,
    kind: u.kind,
    at: u.at,
    equivalent: r.equivalent,
    firstDifference: r.firstDifference,
    resumedAt: r.commit?.resumedAt ?? null,
    stateBytesPerPacket: Math.round(r.stateBytes.perPacketMean * 10) / 10,
    framesApplied: r.frames.applied,
    outputLines: r.output.singleLines,
    outputPackets: r.output.singlePackets,
    ms: Math.round(ms),
  };
}

/** The traces the sweep runs on: explicit --trace files as given; else the compact or full default. */
export function sweepTraces(ctx: ExperimentContext): string[] {
  if (ctx.explicitTraces) return ctx.traces;
  const want = ctx.compact ? COMPACT_TRACE : FULL_TRACE;
  const hit = ctx.traces.find((t) => basename(t) === want);
  return [hit ?? ctx.traces.find((t) => basename(t) === COMPACT_TRACE) ?? ctx.traces[0]!];
}

export interface SweepOptions {
  /** How to start a middlebox's pair (default: its instrumented build); tests pass fixtures. */
  launcher?: (middlebox: string) => Promise<Launcher>;
  /** Failover points per middlebox × model × kind (default: compact 3, full 20). */
  points?: number;
}

export const defaultLauncher = (m: string): Promise<Launcher> => instrumentedLauncher(loadMbox(join(MIDDLEBOX_DIR, m)));

export async function sweep(ctx: ExperimentContext, o: SweepOptions = {}): Promise<ExperimentResult> {
  const launch = o.launcher ?? defaultLauncher;
  const traces = sweepTraces(ctx);
  const perCell = o.points ?? (ctx.compact ? COMPACT_POINTS : FULL_POINTS);
  const boxes = ctx.middleboxes.filter((m) => !(m in NOT_RUN));
  const notRun = ctx.middleboxes.filter((m) => m in NOT_RUN);
  // Per middlebox, the traces it runs on: in compact mode a heavy pair gets a prefix of the trace.
  const pathsOf = new Map<string, string[]>();
  for (const m of boxes) {
    const cut = ctx.compact && !ctx.explicitTraces ? COMPACT_PREFIX[m] : undefined;
    pathsOf.set(m, cut ? await Promise.all(traces.map((t) => tracePrefix(ctx, t, cut))) : traces);
  }
  const paths = [...new Set([...pathsOf.values()].flat())];
  const inputs = await Promise.all(paths.map((t) => ctx.traceInput(t)));
  const seeds: Record<string, number> = {};
  const units: Unit[] = [];
  for (const t of inputs) {
    for (const kind of KINDS) {
      // The same points for every middlebox and model on a trace: the cells of the table compare like with like.
      const seed = deriveSeed(ctx.seed, `${basename(t.path)}:${kind}`);
      seeds[`${basename(t.path)}:${kind}`] = seed;
      const points = failoverPoints(t.packets, perCell, seed);
      for (const middlebox of boxes.filter((m) => pathsOf.get(m)!.includes(t.path))) for (const model of MODELS) for (const at of points) units.push({ middlebox, trace: t.path, sha256: t.sha256, model, kind, at });
    }
  }

  // Builds first (cached per middlebox by the harness), one at a time: make and the analyzer are heavy.
  const launchers = new Map<string, Launcher | Error>();
  for (const m of boxes) {
    try {
      launchers.set(m, await launch(m));
    } catch (e) {
      launchers.set(m, e as Error);
    }
  }

  const bar = ctx.progress(`${units.length} runs`, units.length);
  const runs = await ctx.pool(units, async (u) => {
    const id = `run:${u.middlebox}:${u.sha256.slice(0, 16)}:${u.model}:${u.kind}@${u.at}`;
    let s: RunSummary;
    try {
      s = await ctx.journal(id, async () => {
        const launcher = launchers.get(u.middlebox)!;
        if (launcher instanceof Error) throw launcher;
        const t0 = performance.now();
        const dir = join(ctx.outDir, 'work', workName({ ...u, trace: basename(u.trace) }));
        // The reference single instance does not depend on the model or the point: the harness runs it once per middlebox and trace.
        const r = await run({ launcher, trace: u.trace, model: u.model, failover: { kind: u.kind, at: u.at }, workDir: dir, heartbeatMs: 50, missLimit: 10, timeoutMs: 180_000, reuseReference: true });
        // Outputs of an equivalent run are the reference's again: drop them (600 runs would keep ~1 GB) but the
        // reference itself (single.*), which later runs reuse; keep a failure's outputs for diagnosis.
        if (r.equivalent) for (const f of readdirSync(dir)) if (!f.startsWith('single.')) rmSync(join(dir, f), { recursive: true, force: true });
        return summarize(u, r, performance.now() - t0);
      });
    } catch (e) {
      // Not journaled: a rerun tries again.
      s = { ...summarize(u, failedRun(), 0), equivalent: false, error: (e as Error).message.split('\n').filter((l) => l.trim()).slice(0, 4).join(' | ').slice(0, 600) };
    }
    bar.tick();
    return s;
  });
  bar.done();
  // The references are no longer needed once every run is checked.
  for (const r of runs) if (r.equivalent) rmSync(join(ctx.outDir, 'work', workName(r)), { recursive: true, force: true });
  return result(ctx, runs, inputs, seeds, notRun, perCell);
}

/** The fields `summarize` reads, for a run that produced no record. */
function failedRun(): RunResult {
  return {
    equivalent: false,
    firstDifference: null,
    commit: null,
    stateBytes: { total: 0, perPacketMean: 0, perPacket: [] },
    frames: { exported: 0, sent: 0, acked: -1, applied: -1, dropped: 0, discarded: 0, snapshots: 0 },
    output: { singleLines: 0, singlePackets: 0, primaryLines: 0, primaryPackets: 0, standbyLines: 0, standbyPackets: 0 },
  } as unknown as RunResult;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
};

function result(
  ctx: ExperimentContext,
  runs: RunSummary[],
  inputs: { path: string; sha256: string; packets: number }[],
  seeds: Record<string, number>,
  notRun: string[],
  perCell: number,
): ExperimentResult {
  const bad = runs.filter((r) => !r.equivalent);
  const cells = new Map<string, RunSummary[]>();
  for (const r of runs) {
    const k = `${r.middlebox}\0${r.model}\0${r.kind}`;
    cells.set(k, [...(cells.get(k) ?? []), r]);
  }
  const summary: Table = {
    id: 'soundness',
    title: 'Equivalence per middlebox, model and failover kind',
    columns: [
      { key: 'middlebox', label: 'middlebox' },
      { key: 'model', label: 'model' },
      { key: 'kind', label: 'failover' },
      { key: 'runs', label: 'runs' },
      { key: 'equivalent', label: 'equivalent' },
      { key: 'different', label: 'not equivalent' },
      { key: 'errors', label: 'failed to run' },
      { key: 'bytes', label: 'state bytes per packet (mean)', unit: 'B' },
      { key: 'ms', label: 'run time (median)', unit: 'ms' },
    ],
    rows: [...cells.values()].map((rs) => ({
      middlebox: rs[0]!.middlebox,
      model: rs[0]!.model,
      kind: rs[0]!.kind,
      runs: rs.length,
      equivalent: rs.filter((r) => r.equivalent).length,
      different: rs.filter((r) => !r.equivalent && !r.error).length,
      errors: rs.filter((r) => r.error).length,
      bytes: Math.round(rs.reduce((s, r) => s + r.stateBytesPerPacket, 0) / rs.length),
      ms: median(rs.map((r) => r.ms)),
    })),
  };
  const tables: Table[] = [summary];
  if (bad.length) {
    tables.push({
      id: 'soundness-failures',
      title: 'Runs that differ from one instance or failed to run (bugs)',
      columns: ['middlebox', 'trace', 'model', 'kind', 'at', 'verdict', 'what'].map((k) => ({ key: k, label: k })),
      rows: bad.map((r) => ({ middlebox: r.middlebox, trace: r.trace, model: r.model, kind: r.kind, at: r.at, verdict: r.error ? 'failed to run' : 'not equivalent', what: r.error ?? JSON.stringify(r.firstDifference) })),
    });
  }
  if (notRun.length) {
    tables.push({
      id: 'soundness-not-run',
      title: 'Middleboxes not run as pairs',
      columns: [{ key: 'middlebox', label: 'middlebox' }, { key: 'reason', label: 'reason' }],
      rows: notRun.map((m) => ({ middlebox: m, reason: NOT_RUN[m]! })),
    });
  }
  // Every run as CSV beside the result (too long for the report's tables).
  const all: Table = {
    id: 'runs',
    title: 'every run',
    columns: ['middlebox', 'trace', 'model', 'kind', 'at', 'equivalent', 'resumedAt', 'stateBytesPerPacket', 'framesApplied', 'ms', 'error'].map((k) => ({ key: k, label: k })),
    rows: runs.map((r) => ({ middlebox: r.middlebox, trace: r.trace, model: r.model, kind: r.kind, at: r.at, equivalent: r.equivalent, resumedAt: r.resumedAt, stateBytesPerPacket: r.stateBytesPerPacket, framesApplied: r.framesApplied, ms: r.ms, error: r.error ?? null })),
  };
  writeFileSync(join(ctx.outDir, 'runs.csv'), tableToCsv(all));

  const boxes = [...new Set(runs.map((r) => r.middlebox))];
  const failedToRun = bad.filter((r) => r.error);
  const traceNames = inputs.map((t) => `${basename(t.path)} (${t.packets} packets)`).join(', ');
  const text =
    `${runs.length} failover runs on ${traceNames}: ${boxes.length} middlebox${boxes.length === 1 ? '' : 'es'} (${boxes.join(', ')}) × ${MODELS.length} models × graceful and crash × ${perCell} points; ` +
    `${runs.length - bad.length} equivalent to one instance over the whole trace, ${bad.filter((r) => !r.error).length} not equivalent` +
    (failedToRun.length ? `, ${failedToRun.length} failed to run (${[...new Set(failedToRun.map((r) => `${r.middlebox} ${r.kind}@${r.at}`))].slice(0, 6).join(', ')}: ${failedToRun[0]!.error!.slice(0, 160)})` : '') +
    (notRun.length ? `; not run: ${notRun.map((m) => `${m} (${NOT_RUN[m]})`).join('; ')}` : '') +
    '.';
  return {
    meta: ctx.meta({ traces: inputs, middleboxes: boxes }, seeds, { pointsPerCell: perCell, models: [...MODELS], kinds: [...KINDS], notRun }),
    summary: text,
    tables,
    plots: [
      {
        id: 'soundness-runs',
        title: 'Runs per middlebox, model and failover kind, by verdict',
        spec: {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
          data: { values: summary.rows.flatMap((r) => [
            { middlebox: r.middlebox, model: r.model, failover: r.kind, verdict: 'equivalent', runs: r.equivalent },
            { middlebox: r.middlebox, model: r.model, failover: r.kind, verdict: 'not equivalent', runs: r.different },
            { middlebox: r.middlebox, model: r.model, failover: r.kind, verdict: 'failed to run', runs: r.errors },
          ]) },
          mark: 'bar',
          encoding: {
            x: { field: 'model', type: 'nominal', title: null },
            y: { field: 'runs', type: 'quantitative', aggregate: 'sum', title: 'runs' },
            color: { field: 'verdict', type: 'nominal', scale: { domain: ['equivalent', 'not equivalent', 'failed to run'], range: ['#4c9a2a', '#d62728', '#ff9f1c'] } },
            column: { field: 'middlebox', type: 'nominal', title: null },
            row: { field: 'failover', type: 'nominal', title: null },
          },
        },
      },
    ],
    paper: [
      {
        figure: '§7.3.1 soundness',
        what: 'runs whose output differs from one instance processing the whole trace',
        paper: 'PRADS and Snort, three models, one random failover point on a ~700k-packet trace: no difference in the logs',
        ours: `${bad.length} of ${runs.length} runs differ (logs and packet output), ${boxes.length} middleboxes, ${perCell} points per model and failover kind`,
        note:
          'The paper compares logs only, at one point per model, graceful failover; we also compare packet output byte for byte and crash the primary (output commit). ' +
          'Our traces are far shorter than the paper\'s 700k-packet university trace.',
      },
    ],
    data: { runs },
    check: { passed: bad.length === 0, detail: bad.length ? `${bad.length - failedToRun.length} non-equivalent and ${failedToRun.length} failed runs, first: ${bad[0]!.middlebox} ${bad[0]!.model} ${bad[0]!.kind}@${bad[0]!.at}: ${bad[0]!.error ?? JSON.stringify(bad[0]!.firstDifference).slice(0, 300)}` : `all ${runs.length} runs equivalent` },
  };
}

function brief(r: ExperimentResult): string {
  const lines = [r.summary];
  const t = r.tables[0];
  if (t) {
    const byBox = new Map<string, { runs: number; ok: number }>();
    for (const row of t.rows) {
      const b = byBox.get(String(row.middlebox)) ?? { runs: 0, ok: 0 };
      b.runs += Number(row.runs);
      b.ok += Number(row.equivalent);
      byBox.set(String(row.middlebox), b);
    }
    for (const [m, b] of byBox) lines.push(`  ${m.padEnd(10)} ${b.ok}/${b.runs} equivalent`);
  }
  for (const f of r.tables.find((x) => x.id === 'soundness-failures')?.rows ?? []) lines.push(`  ${String(f.verdict).toUpperCase()}: ${f.middlebox} ${f.model} ${f.kind}@${f.at}: ${String(f.what).slice(0, 160)}`);
  return lines.join('\n');
}

export const experiment: Experiment = {
  name: 'soundness',
  title: 'Soundness: failover equivalence over middleboxes × models × failover points, graceful and crash',
  run: (ctx) => sweep(ctx),
  brief,
};

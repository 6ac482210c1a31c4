// Failover (DESIGN §7): time to detect a crashed primary, take over and resume
// (kill -9 at seeded random packets, 10 ms heartbeat × 3 misses, p50/p99 over the
// trials), and replication throughput of each model's pair against one instance.
import { join } from 'node:path';
import { instrumentedLauncher, loadMbox, MODELS, plainLauncher, run, seededRandom, type Launcher, type Model, type RunResult } from '../harness/index.js';
import { compactTraces } from './fig11.js';
import { groupedBars } from './plot/index.js';
import { MIDDLEBOX_DIR, type Experiment, type ExperimentContext } from './index.js';
import type { ExperimentResult, PaperComparison } from './types.js';

export const HEARTBEAT_MS = 10;
export const MISS_LIMIT = 3;
/** Crash trials per middlebox: compact / full. */
export const TRIALS = { compact: 5, full: 30 } as const;
/** Compact mode replays the first packets of the first trace. */
export const COMPACT_PACKETS = 400;

interface Trial {
  middlebox: string;
  at: number;
  equivalent: boolean;
  detectionMs: number | null;
  takeoverMs: number | null;
  /** Kill → the standby's first own packet done (when the run record has the breakdown). */
  firstPacketMs: number | null;
  /** Kill → the standby's first output line or packet. */
  resumeMs: number | null;
  error: string | null;
}

interface Throughput {
  middlebox: string;
  kind: 'single' | Model;
  packets: number;
  replayMs: number;
  pps: number;
  equivalent: boolean;
  error: string | null;
}

/** Nearest-rank percentile. */
export function percentile(xs: number[], p: number): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
}

const ms = (x: number | null): number | null => (x === null ? null : Math.round(x * 10) / 10);
const firstPacket = (r: RunResult): number | null => (r.timings as { breakdown?: { firstPacketMs?: number | null } | null }).breakdown?.firstPacketMs ?? null;

async function runFailover(ctx: ExperimentContext): Promise<ExperimentResult> {
  const trace = (await compactTraces(ctx, COMPACT_PACKETS))[0]!;
  const input = await ctx.traceInput(trace);
  const trials = ctx.compact ? TRIALS.compact : TRIALS.full;
  const crashSeed = ctx.seed;
  const launchers = new Map<string, { plain: Launcher; inst: Launcher }>();
  const launch = async (m: string): Promise<{ plain: Launcher; inst: Launcher }> => {
    let l = launchers.get(m);
    if (!l) {
      const spec = loadMbox(join(MIDDLEBOX_DIR, m));
      launchers.set(m, (l = { plain: await plainLauncher(spec), inst: await instrumentedLauncher(spec) }));
    }
    return l;
  };
  const work = (tag: string): string => join(ctx.outDir, 'work', tag.replace(/[^A-Za-z0-9_-]/g, '-'));
  const timeoutMs = ctx.compact ? 180_000 : 900_000;

  // Timing measurements run alone and one after another (no pool): parallel runs would time each other.
  const tput: Throughput[] = [];
  const crash: Trial[] = [];
  const bar = ctx.progress('runs', ctx.middleboxes.length * (1 + MODELS.length + trials));
  for (const m of ctx.middleboxes) {
    for (const kind of ['single', ...MODELS] as const) {
      const unit = `tput|${m}|${input.sha256}|${kind}`;
      try {
        tput.push(
          await ctx.journal(unit, async (): Promise<Throughput> => {
            const l = await launch(m);
            const r = await run({ launcher: kind === 'single' ? l.plain : l.inst, trace, model: kind === 'single' ? 'all' : kind, failover: { kind: 'none' }, workDir: work(`${m}-tput-${kind}`), timeoutMs });
            return { middlebox: m, kind, packets: r.packets, replayMs: r.timings.replayMs, pps: r.packets / (r.timings.replayMs / 1000), equivalent: r.equivalent, error: null };
          }),
        );
      } catch (e) {
        tput.push({ middlebox: m, kind, packets: input.packets, replayMs: 0, pps: 0, equivalent: false, error: (e as Error).message.split('\n')[0]! });
      }
      bar.tick();
    }
    const rnd = seededRandom((crashSeed ^ [...m].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7)) >>> 0);
    for (let t = 0; t < trials; t++) {
      const at = 1 + Math.floor(rnd() * Math.max(1, input.packets - 2));
      try {
        crash.push(
          await ctx.journal(`crash|${m}|${input.sha256}|${at}|${t}`, async (): Promise<Trial> => {
            const l = await launch(m);
            const r = await run({ launcher: l.inst, trace, model: 'flowspace+updated', failover: { kind: 'crash', at }, workDir: work(`${m}-crash-${t}`), heartbeatMs: HEARTBEAT_MS, missLimit: MISS_LIMIT, detector: 'heartbeat', timeoutMs });
            return { middlebox: m, at, equivalent: r.equivalent, detectionMs: r.timings.detectionMs, takeoverMs: r.timings.takeoverMs, firstPacketMs: firstPacket(r), resumeMs: r.timings.resumeMs, error: null };
          }),
        );
      } catch (e) {
        crash.push({ middlebox: m, at, equivalent: false, detectionMs: null, takeoverMs: null, firstPacketMs: null, resumeMs: null, error: (e as Error).message.split('\n')[0]! });
      }
      bar.tick();
    }
  }
  bar.done();

  const stat = (m: string, k: 'detectionMs' | 'takeoverMs' | 'firstPacketMs' | 'resumeMs', p: number): number | null =>
    ms(percentile(crash.filter((c) => c.middlebox === m && c.error === null && c[k] !== null).map((c) => c[k]!), p));
  const timeRows = ctx.middleboxes.map((m) => {
    const mine = crash.filter((c) => c.middlebox === m);
    return {
      middlebox: m,
      trials: mine.length,
      failed: mine.filter((c) => c.error !== null).length,
      notEquivalent: mine.filter((c) => c.error === null && !c.equivalent).length,
      detectP50: stat(m, 'detectionMs', 0.5),
      detectP99: stat(m, 'detectionMs', 0.99),
      takeoverP50: stat(m, 'takeoverMs', 0.5),
      takeoverP99: stat(m, 'takeoverMs', 0.99),
      // kill → standby live, per trial (a sum of two medians is not the median of the sums)
      liveP50: ms(percentile(mine.filter((c) => c.error === null && c.detectionMs !== null && c.takeoverMs !== null).map((c) => c.detectionMs! + c.takeoverMs!), 0.5)),
      firstPacketP50: stat(m, 'firstPacketMs', 0.5),
      firstPacketP99: stat(m, 'firstPacketMs', 0.99),
      resumeP50: stat(m, 'resumeMs', 0.5),
      resumeP99: stat(m, 'resumeMs', 0.99),
      errors: [...new Set(mine.flatMap((c) => (c.error ? [c.error] : [])))].join('; ') || null,
    };
  });
  const single = (m: string): Throughput | undefined => tput.find((x) => x.middlebox === m && x.kind === 'single' && x.error === null);
  const tputRows = tput.map((x) => {
    const s = single(x.middlebox);
    return {
      middlebox: x.middlebox,
      kind: x.kind === 'single' ? 'one plain instance' : `pair, ${x.kind}`,
      pps: x.error ? null : Math.round(x.pps),
      ratio: x.error || !s ? null : Math.round((x.pps / s.pps) * 1000) / 1000,
      equivalent: x.error ? null : x.equivalent,
      error: x.error,
    };
  });

  const done = crash.filter((c) => c.error === null);
  const all = (k: 'detectionMs' | 'resumeMs' | 'takeoverMs'): number[] => done.flatMap((c) => (c[k] === null ? [] : [c[k]!]));
  const d50 = ms(percentile(all('detectionMs'), 0.5));
  const d99 = ms(percentile(all('detectionMs'), 0.99));
  const t50 = ms(percentile(all('takeoverMs'), 0.5));
  const r50 = ms(percentile(all('resumeMs'), 0.5));
  const r99 = ms(percentile(all('resumeMs'), 0.99));
  const bad = done.filter((c) => !c.equivalent).length;
  const ratios = tputRows.filter((r) => r.kind.startsWith('pair') && r.ratio !== null).map((r) => r.ratio!);

  const paper: PaperComparison[] = [
    {
      figure: '§7.2.1 (setup)',
      what: 'failover time, and throughput of a primary that ships state after every packet',
      paper: 'not reported (the paper measures bytes transferred, not time)',
      ours: `detection p50 ${d50 ?? '?'} ms / p99 ${d99 ?? '?'} ms with a ${HEARTBEAT_MS} ms heartbeat × ${MISS_LIMIT}; takeover p50 ${t50 ?? '?'} ms; first output p50 ${r50 ?? '?'} ms / p99 ${r99 ?? '?'} ms; pair throughput ${ratios.length ? `${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}×` : '?'} one instance`,
      note: (ctx.compact ? `Compact run: the throughput ratios come from ${input.packets}-packet replays of tens of milliseconds and are not meaningful. ` : '') + 'Nothing to compare against in the paper. Detection is bounded below by the 30 ms deadline of the heartbeat detector (3 silent 10 ms intervals); first output also waits for the first packet after the crash point that makes the middlebox write something. Throughput compares the replay of the trace into the primary of the pair (which exports a state frame after every packet for its agent to send) against the replay into one plain instance, on a shared 2-core machine: a ratio measured back to back, not an absolute rate.',
    },
  ];

  const summary =
    `${done.length} crash failovers (kill -9 at seeded random packets of ${trace.split('/').pop()}, model flowspace+updated, ${HEARTBEAT_MS} ms heartbeat, dead after ${MISS_LIMIT} misses, heartbeat detection only) over ${ctx.middleboxes.length} middleboxes: detection p50 ${d50} ms, p99 ${d99} ms; takeover p50 ${t50} ms; standby's first output p50 ${r50} ms, p99 ${r99} ms after the kill; ${bad} not equivalent` +
    (crash.length > done.length ? `, ${crash.length - done.length} failed to run` : '') +
    `. Replication throughput of the pair is ${ratios.length ? `${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}×` : 'n/a'} that of one plain instance across middleboxes and models` +
    (ctx.compact ? ` (compact: ${input.packets} packets replay in tens of milliseconds, mostly into pipe buffers, so these ratios are noise-level; the full run replays whole traces)` : '') +
    '. Timings ran one at a time, not in parallel.';

  return {
    meta: ctx.meta({ traces: [input], middleboxes: ctx.middleboxes }, { crashPoints: crashSeed }, { heartbeatMs: HEARTBEAT_MS, missLimit: MISS_LIMIT, detector: 'heartbeat', trials, crashModel: 'flowspace+updated', sequential: true, ...(ctx.compact ? { compactOf: ctx.traces[0], compactPackets: COMPACT_PACKETS } : {}) }),
    summary,
    tables: [
      {
        id: 'failover-times',
        title: `Crash failover times per middlebox (ms after the kill; ${trials} trials each)`,
        columns: [
          { key: 'middlebox', label: 'middlebox' },
          { key: 'trials', label: 'trials' },
          { key: 'failed', label: 'failed to run' },
          { key: 'notEquivalent', label: 'not equivalent' },
          { key: 'detectP50', label: 'detect p50', unit: 'ms' },
          { key: 'detectP99', label: 'detect p99', unit: 'ms' },
          { key: 'takeoverP50', label: 'take over p50', unit: 'ms' },
          { key: 'takeoverP99', label: 'take over p99', unit: 'ms' },
          { key: 'liveP50', label: 'standby live p50', unit: 'ms' },
          { key: 'firstPacketP50', label: 'first packet p50', unit: 'ms' },
          { key: 'firstPacketP99', label: 'first packet p99', unit: 'ms' },
          { key: 'resumeP50', label: 'first output p50', unit: 'ms' },
          { key: 'resumeP99', label: 'first output p99', unit: 'ms' },
          { key: 'errors', label: 'errors' },
        ],
        rows: timeRows,
      },
      {
        id: 'failover-throughput',
        title: 'Replay throughput: pair per model against one plain instance',
        columns: [
          { key: 'middlebox', label: 'middlebox' },
          { key: 'kind', label: 'run' },
          { key: 'pps', label: 'throughput', unit: 'packets/s' },
          { key: 'ratio', label: 'vs one instance', unit: '×' },
          { key: 'equivalent', label: 'output equivalent' },
          { key: 'error', label: 'error' },
        ],
        rows: tputRows,
      },
    ],
    plots: [
      ...(timeRows.some((r) => r.detectP50 !== null)
        ? [
            {
              id: 'failover-times',
              title: 'Crash failover: p50 times after the kill per middlebox (ms)',
              spec: groupedBars({
                title: 'crash failover, p50 (ms after kill -9)',
                rows: timeRows.flatMap((r) =>
                  (
                    [
                      ['detected', r.detectP50],
                      ['standby live', r.liveP50],
                      ['first output', r.resumeP50],
                    ] as const
                  ).flatMap(([series, v]) => (v === null ? [] : [{ group: r.middlebox, series, value: v }])),
                ),
                groupTitle: 'middlebox',
                seriesTitle: 'event',
                valueTitle: 'ms after the kill (p50)',
                seriesOrder: ['detected', 'standby live', 'first output'],
              }),
            },
          ]
        : []),
      ...(tputRows.some((r) => r.ratio !== null && r.kind.startsWith('pair'))
        ? [
            {
              id: 'failover-throughput',
              title: 'Replication throughput: pair / one plain instance, per model',
              spec: groupedBars({
                title: 'pair throughput / one instance',
                rows: tputRows.filter((r) => r.kind.startsWith('pair') && r.ratio !== null).map((r) => ({ group: r.middlebox, series: r.kind.replace('pair, ', ''), value: r.ratio! })),
                groupTitle: 'middlebox',
                seriesTitle: 'transfer model',
                valueTitle: 'throughput relative to one instance',
                seriesOrder: [...MODELS],
              }),
            },
          ]
        : []),
    ],
    paper,
    data: { crash, throughput: tput },
  };
}

export const experiment: Experiment = {
  name: 'failover',
  title: 'Failover: crash detection, takeover and resume times (10 ms heartbeat), and replication throughput per model',
  run: runFailover,
};

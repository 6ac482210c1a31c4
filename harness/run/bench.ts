// Benchmarks of the run controller (BENCHMARKS.md): replay throughput of a plain
// single instance vs an instrumented pair under each model, measured in one
// process run, and crash-to-first-standby-output time over many trials with
// where that time goes (detection, takeover, replay start, first packet).
// usage: npx vite-node harness/run/bench.ts <trace> <middlebox>... [--trials N] [--deps sdg|conservative]
//        [--rounds N] [--models m1,m2] [--no-throughput] [--no-crash]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchArgs, median, pct } from './bench-common.js';
import { instrumentedLauncher, loadMbox, plainLauncher, run, seededRandom, type FailoverBreakdown } from './index.js';
import { MODELS } from '../protocol/index.js';

const usage = 'usage: bench.ts <trace> <middlebox>... [--trials N] [--rounds N] [--models m1,m2] [--deps sdg|conservative] [--no-throughput] [--no-crash]';
const args = benchArgs(
  {
    trials: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    deps: { type: 'string', default: 'sdg' },
    models: { type: 'string', default: MODELS.join(',') },
    'no-throughput': { type: 'boolean', default: false },
    'no-crash': { type: 'boolean', default: false },
  },
  usage,
);
const trials = Number(args.values.trials);
const rounds = Number(args.values.rounds);
const deps = args.values.deps as 'sdg' | 'conservative';
const models = args.values.models.split(',') as Array<(typeof MODELS)[number]>;
if (!models.every((m) => (MODELS as readonly string[]).includes(m))) {
  console.error(`--models: each of ${MODELS.join(', ')}`);
  process.exit(2);
}
const noThroughput = args.values['no-throughput'];
const noCrash = args.values['no-crash'];
const [traceArg, ...mboxes] = args.positionals;
if (!traceArg || mboxes.length === 0) {
  console.error(usage);
  process.exit(2);
}
// The middleboxes run in their own folders: the trace path must not be relative.
const trace = resolve(traceArg);
const root = mkdtempSync(join(tmpdir(), 'statelab-run-bench-'));

try {
  for (const name of mboxes) {
    const spec = loadMbox(join('middleboxes', name));
    const plain = await plainLauncher(spec);
    const inst = await instrumentedLauncher(spec, { deps });
    if (!noThroughput) {
      // Rounds interleave single and pair runs so load drifts hit both alike; medians of rounds.
      const rate: Record<string, number[]> = { single: [], ...Object.fromEntries(models.map((m) => [m, []])) };
      const bytes: Record<string, number> = {};
      const notes: string[] = [];
      let packets = 0;
      for (let r = 0; r < rounds; r++) {
        const s = await run({ launcher: plain, trace, model: 'all', failover: { kind: 'none' }, workDir: join(root, `${name}-plain-${r}`) });
        packets = s.packets;
        rate.single!.push(s.packets / (s.timings.replayMs / 1000));
        for (const model of models) {
          const p = await run({ launcher: inst, trace, model, failover: { kind: 'none' }, workDir: join(root, `${name}-${model}-${r}`) });
          rate[model]!.push(p.packets / (p.timings.replayMs / 1000));
          bytes[model] = p.stateBytes.perPacketMean;
          if (!p.equivalent || p.frames.dropped > 0) notes.push(`${model} round ${r}: equivalent ${p.equivalent}, frames dropped ${p.frames.dropped}`);
        }
      }
      const base = median(rate.single!);
      const cells = models.map((m) => `${median(rate[m]!).toFixed(0)} (${(median(rate[m]!) / base).toFixed(2)}×)`);
      console.log(`| ${name} | ${packets} | ${base.toFixed(0)} | ${cells.join(' | ')} | ${models.map((m) => bytes[m]!.toFixed(1)).join(' / ')} |`);
      for (const n of notes) console.log(`  note: ${n}`);
    }
    if (noCrash) continue;
    const rnd = seededRandom(7);
    const resume: number[] = [];
    const parts: Record<keyof FailoverBreakdown, number[]> = { detectedMs: [], takeoverSentMs: [], liveMs: [], replayStartMs: [], firstPacketMs: [], firstOutputMs: [] };
    let bad = 0;
    let packets = 0;
    for (let t = 0; t < trials; t++) {
      const single = packets || (await run({ launcher: plain, trace, model: 'all', failover: { kind: 'none' }, workDir: join(root, `${name}-count`) })).packets;
      packets = single;
      const at = 1 + Math.floor(rnd() * (packets - 2));
      try {
        const r = await run({ launcher: inst, trace, model: 'flowspace+updated', failover: { kind: 'crash', at }, workDir: join(root, `${name}-crash-${t}`), heartbeatMs: 10, missLimit: 3, detector: 'heartbeat' });
        if (!r.equivalent) bad++;
        if (r.timings.resumeMs !== null) resume.push(r.timings.resumeMs);
        const b = r.timings.breakdown;
        if (b) for (const k of Object.keys(parts) as Array<keyof FailoverBreakdown>) if (b[k] !== null) parts[k].push(b[k]!);
      } catch (e) {
        bad++;
        console.log(`${name}: crash trial ${t} at ${at} failed: ${(e as Error).message}`);
      }
      rmSync(join(root, `${name}-crash-${t}`), { recursive: true, force: true });
    }
    console.log(`${name}: crash → first standby output over ${resume.length} trials (10 ms heartbeat × 3, heartbeat detection only): p50 ${pct(resume, 0.5)} ms, p99 ${pct(resume, 0.99)} ms, max ${pct(resume, 1)} ms; not equivalent or failed: ${bad}`);
    console.log(`| ${name} | ${resume.length} | ${(Object.keys(parts) as Array<keyof FailoverBreakdown>).map((k) => `${pct(parts[k], 0.5)} / ${pct(parts[k], 0.99)}`).join(' | ')} |`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

// Benchmarks of the run controller (BENCHMARKS.md, H10): replay throughput of a
// plain single instance vs an instrumented pair under each model, measured in
// one process run; and crash-to-first-standby-output time over many trials.
// usage: npx vite-node harness/run/bench.ts <trace> <middlebox>... [--trials N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instrumentedLauncher, loadMbox, plainLauncher, run, seededRandom } from './index.js';
import { MODELS } from '../protocol/index.js';

const args = process.argv.slice(2);
const ti = args.indexOf('--trials');
const trials = ti >= 0 ? Number(args[ti + 1]) : 30;
const [trace, ...mboxes] = args.filter((_, i) => i !== ti && i !== ti + 1 || ti < 0);
const root = mkdtempSync(join(tmpdir(), 'h10-bench-'));
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

try {
  for (const name of mboxes) {
    const spec = loadMbox(join('middleboxes', name));
    const plain = await plainLauncher(spec);
    const inst = await instrumentedLauncher(spec);
    const single = await run({ launcher: plain, trace: trace!, model: 'all', failover: { kind: 'none' }, workDir: join(root, `${name}-plain`) });
    const base = single.packets / (single.timings.replayMs / 1000);
    console.log(`${name}: ${single.packets} packets; plain single via replayer ${base.toFixed(0)} pkt/s (${single.timings.replayMs.toFixed(0)} ms)`);
    for (const model of MODELS) {
      const r = await run({ launcher: inst, trace: trace!, model, failover: { kind: 'none' }, workDir: join(root, `${name}-${model}`) });
      const pps = r.packets / (r.timings.replayMs / 1000);
      console.log(`${name}: pair ${model}: ${pps.toFixed(0)} pkt/s = ${(pps / base).toFixed(2)}× single; state ${r.stateBytes.perPacketMean.toFixed(1)} B/pkt; equivalent ${r.equivalent}; frames sent ${r.frames.sent} dropped ${r.frames.dropped}`);
    }
    const rnd = seededRandom(7);
    const resume: number[] = [];
    const detect: number[] = [];
    let bad = 0;
    for (let t = 0; t < trials; t++) {
      const at = 1 + Math.floor(rnd() * (single.packets - 2));
      try {
        const r = await run({ launcher: inst, trace: trace!, model: 'flowspace+updated', failover: { kind: 'crash', at }, workDir: join(root, `${name}-crash-${t}`), heartbeatMs: 10, missLimit: 3, detector: 'heartbeat' });
        if (!r.equivalent) bad++;
        if (r.timings.resumeMs !== null) resume.push(r.timings.resumeMs);
        if (r.timings.detectionMs !== null) detect.push(r.timings.detectionMs);
      } catch (e) {
        bad++;
        console.log(`${name}: crash trial ${t} at ${at} failed: ${(e as Error).message}`);
      }
    }
    console.log(
      `${name}: crash→standby first output over ${resume.length} trials (10 ms heartbeat, 3 misses, heartbeat detection only): p50 ${pct(resume, 0.5).toFixed(1)} ms, p99 ${pct(resume, 0.99).toFixed(1)} ms; detection p50 ${pct(detect, 0.5).toFixed(1)} ms p99 ${pct(detect, 0.99).toFixed(1)} ms; not equivalent or failed: ${bad}`,
    );
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

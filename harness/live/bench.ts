// Benchmarks of live replay (BENCHMARKS.md), measured in one process run:
// paced injection rate into a live plain instance per injection window, and
// crash failover across the inter-host veth (detection by heartbeats only).
// usage (as root, after `npm run build`): npx vite-node harness/live/bench.ts <trace> <middlebox> [--trials N] [--rounds N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildInstrumented, buildPlain, loadMbox, seededRandom } from '../run/index.js';
import { benchArgs, median, pct } from '../run/bench-common.js';
import { runLive } from './index.js';

const usage = 'usage: bench.ts <trace> <middlebox> [--trials N] [--rounds N]';
const args = benchArgs({ trials: { type: 'string', default: '20' }, rounds: { type: 'string', default: '3' } }, usage);
const trials = Number(args.values.trials);
const rounds = Number(args.values.rounds);
const [traceArg, name] = args.positionals;
if (!traceArg || !name) {
  console.error(usage);
  process.exit(2);
}
const trace = resolve(traceArg);
const root = mkdtempSync(join(tmpdir(), 'statelab-live-bench-'));

try {
  const mbox = loadMbox(join('middleboxes', name));
  const binaries = { plain: await buildPlain(mbox), instrumented: (await buildInstrumented(mbox)).binary };
  // Rounds interleave the windows so load drifts hit all alike; medians of rounds.
  const windows = [1, 4, 8, 16];
  const rate = new Map<number, number[]>(windows.map((w) => [w, []]));
  let packets = 0;
  let lost = 0;
  for (let r = 0; r < rounds; r++) {
    for (const w of windows) {
      const res = await runLive({ mbox, trace, model: 'all', failover: { kind: 'none' }, workDir: join(root, `none-${w}-${r}`), window: w, binaries });
      packets = res.packets;
      lost += res.live.outputLost + res.live.outputExtra + (res.equivalent ? 0 : 1);
      rate.get(w)!.push(res.packets / (res.live.reference.injectMs / 1000));
    }
  }
  const base = median(rate.get(1)!);
  console.log(`| ${name} | ${packets} | ${windows.map((w) => `${median(rate.get(w)!).toFixed(0)} (${(median(rate.get(w)!) / base).toFixed(1)}×)`).join(' | ')} | ${lost} |`);

  const rnd = seededRandom(13);
  const detect: number[] = [];
  const resume: number[] = [];
  let bad = 0;
  for (let t = 0; t < trials; t++) {
    const at = 2 + Math.floor(rnd() * (packets - 4));
    try {
      const res = await runLive({ mbox, trace, model: 'flowspace+updated', failover: { kind: 'crash', at }, workDir: join(root, `crash-${t}`), heartbeatMs: 10, missLimit: 3, detector: 'heartbeat', binaries });
      if (!res.equivalent || res.live.outputLost > 0) bad++;
      if (res.timings.detectionMs !== null) detect.push(res.timings.detectionMs);
      if (res.timings.resumeMs !== null) resume.push(res.timings.resumeMs);
    } catch (e) {
      bad++;
      console.log(`crash trial ${t} at ${at} failed: ${(e as Error).message}`);
    }
    rmSync(join(root, `crash-${t}`), { recursive: true, force: true });
  }
  console.log(`${name} live crash over ${detect.length} trials (10 ms heartbeat × 3, heartbeat detection only): detection p50 ${pct(detect, 0.5)} ms p99 ${pct(detect, 0.99)} ms; kill → standby live and fed p50 ${pct(resume, 0.5)} ms p99 ${pct(resume, 0.99)} ms; not equivalent or failed: ${bad}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}

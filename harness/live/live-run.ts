// A live run: a reference single instance and then a primary / hot-standby
// pair, each middlebox capturing on its veth inside its own network namespace,
// the trace injected and the packet output captured with cap, agents talking
// over the inter-host veth; the equivalence check on logs with wall-clock
// times masked and on packet output byte for byte.
import { mkdirSync } from 'node:fs';
import { usageError } from '../errors.js';
import { buildInstrumented, buildPlain, compareLogs, comparePackets, logLines, scanTrace, type Difference, type OutPacket, type ResolvedFailover } from '../run/index.js';
import { runPlain } from './instance.js';
import { createTopology } from './netns.js';
import { maskWallClock } from './normalise.js';
import { runPair, type PairOut } from './pair.js';
import { requireLive } from './prereq.js';
import { loadLiveTrace } from './trace.js';
import { DEFAULT_WINDOW, MAX_WINDOW, type InstanceOut, type LiveOptions, type LiveRunResult } from './types.js';

function outPackets(ps: Buffer[]): OutPacket[] {
  // Live output has no trace timestamps: compare bytes and lengths only.
  return ps.map((data) => ({ tsSec: 0, tsUsec: 0, origLen: data.length, data }));
}

export async function runLive(o: LiveOptions): Promise<LiveRunResult> {
  const t0 = performance.now();
  const wallFrom = Date.now() / 1000;
  await requireLive();
  mkdirSync(o.workDir, { recursive: true });
  const timeoutMs = o.timeoutMs ?? 300_000;
  const window = o.window ?? DEFAULT_WINDOW;
  if (!Number.isInteger(window) || window < 1 || window > MAX_WINDOW) throw usageError(`live injection window must be 1..${MAX_WINDOW}, got ${window}`);
  const facts = await scanTrace(o.trace);
  const trace = await loadLiveTrace(o.trace);
  const n = trace.frames.length;
  const f = o.failover;
  if (f.kind !== 'none' && (f.at < 1 || f.at > n)) throw usageError(`--failover ${f.kind}@${f.at}: K must be in 1..${n} (the live trace has ${n} frames)`);
  if (f.kind === 'crash' && f.at >= n) throw usageError(`--failover crash@${f.at}: the primary must still have packets to take after K (K < ${n})`);
  const plain = o.binaries?.plain ?? (await buildPlain(o.mbox));
  const inst = f.kind === 'none' ? null : (o.binaries?.instrumented ?? (await buildInstrumented(o.mbox)).binary);

  const topo = await createTopology({ onPath: o.mbox.onPath, mtu: trace.maxFrame - 14 });
  o.onTopology?.(topo.id);
  let single: InstanceOut;
  let pair: PairOut;
  try {
    o.progress?.(`${n} frames; live reference run of ${o.mbox.name} in ${topo.primary.ns}`);
    single = await runPlain(o, trace, plain, topo.primary, 'single', window, timeoutMs);
    if (inst === null) {
      o.progress?.(`live run of a second plain instance in ${topo.standby.ns}`);
      const again = await runPlain(o, trace, plain, topo.standby, 'primary', window, timeoutMs);
      pair = {
        primary: again,
        standby: null,
        commit: null,
        stateBytes: { total: 0, perPacketMean: 0, perPacket: [] },
        frames: { exported: 0, sent: 0, acked: -1, applied: -1, dropped: 0, discarded: 0, snapshots: 0 },
        timings: { replayMs: again.counts.injectMs, detectionMs: null, takeoverMs: null, resumeMs: null, detectedBy: null },
      };
    } else {
      o.progress?.(`live pair: primary in ${topo.primary.ns}, standby in ${topo.standby.ns}, ${f.kind}@${(f as { at: number }).at}`);
      pair = await runPair(o, topo, trace, inst, window, timeoutMs);
    }
  } finally {
    await topo.destroy();
  }
  const wallTo = Date.now() / 1000;
  const mask = (text: string): { lines: string[]; masked: number } => {
    let masked = 0;
    const lines = logLines(text).map((l) => {
      const r = maskWallClock(l, wallFrom - 5, wallTo + 5);
      masked += r.masked;
      return r.line;
    });
    return { lines, masked };
  };
  const ref = mask(single.log);
  const pl = mask(pair.primary.log);
  const sl = mask(pair.standby?.log ?? '');
  const diff: Difference | null =
    compareLogs(ref.lines, pl.lines, sl.lines) ?? comparePackets(outPackets(single.packets), outPackets(pair.primary.packets), outPackets(pair.standby?.packets ?? []));
  const all = [single.counts, pair.primary.counts, ...(pair.standby ? [pair.standby.counts] : [])];
  return {
    middlebox: o.mbox.name,
    trace: o.trace,
    equivalent: diff === null,
    firstDifference: diff,
    packets: n,
    failover: f.kind,
    failoverAt: f.kind === 'none' ? null : f.at,
    model: o.model,
    instrumented: inst !== null,
    commit: pair.commit,
    stateBytes: pair.stateBytes,
    frames: pair.frames,
    timings: { totalMs: performance.now() - t0, singleMs: single.counts.injectMs, ...pair.timings },
    output: {
      singleLines: ref.lines.length,
      singlePackets: single.packets.length,
      primaryLines: pl.lines.length,
      primaryPackets: pair.primary.packets.length,
      standbyLines: sl.lines.length,
      standbyPackets: pair.standby?.packets.length ?? 0,
    },
    skipped: facts.skipped,
    processes: [single.tail, pair.primary.tail, ...(pair.standby ? [pair.standby.tail] : [])],
    live: {
      namespaces: [topo.primary.ns, topo.standby.ns],
      interHost: `${topo.primary.addr}/30 ↔ ${topo.standby.addr}/30`,
      window,
      maskedTimes: ref.masked + pl.masked + sl.masked,
      reference: single.counts,
      primary: inst === null ? null : pair.primary.counts,
      standby: pair.standby?.counts ?? null,
      outputLost: all.reduce((a, c) => a + Math.max(0, c.outputSent - c.outputCaptured), 0),
      outputExtra: all.reduce((a, c) => a + Math.max(0, c.outputCaptured - c.outputSent), 0),
      inputLost: inputLost(pair, f),
      traceSkipped: trace.skipped,
    },
  };
}

/** Injected but never processed, where the frames tell (the primary: every packet it was fed before a graceful handover). */
function inputLost(pair: PairOut, f: ResolvedFailover): number {
  if (f.kind !== 'graceful' || pair.commit === null) return 0;
  const p = pair.primary.counts;
  // A pcap_loop middlebox exports packet K-1's frame only at the next packet: its count may trail by one.
  return Math.max(0, p.injected - (p.processed ?? p.injected) - 1);
}

// The run controller: one reference instance over the whole trace, then the
// run under test (a plain primary for `none` without instrumented builds, or
// a primary/standby pair with failover), then the equivalence check.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { compareLogs, comparePackets, type Difference } from './equivalence.js';
import { readOutputs } from './outputs.js';
import { runPair } from './pair.js';
import { scanTrace, type TraceFacts } from './replay.js';
import { runSingle } from './single.js';
import type { RunOptions, RunResult } from './types.js';
import { resolveFailover, type FailoverSpec } from './failover-spec.js';
import { usageError } from '../errors.js';

/** Resolve `random` against the trace, then run. */
export async function runWithSpec(o: Omit<RunOptions, 'failover'> & { failover: FailoverSpec; seed: number }): Promise<RunResult> {
  const facts = await scanTrace(o.trace);
  return run({ ...o, failover: resolveFailover(o.failover, facts.packets, o.seed) });
}

type Reference = Awaited<ReturnType<typeof runSingle>>;
const references = new Map<string, Reference>();

/** The single instance over the whole trace, or the same command's earlier output (reuseReference). */
async function reference(o: RunOptions, facts: TraceFacts, timeoutMs: number): Promise<Reference> {
  if (!o.reuseReference) return runSingle(o.launcher, facts, o.workDir, o.model, 'single', false, timeoutMs);
  // The command with placeholder output paths names the computation; the trace's size and mtime its input.
  const { argv, cwd } = o.launcher.command('single', facts.file, { log: '\0log', pcap: '\0pcap' }, o.model);
  const st = statSync(facts.file);
  const key = JSON.stringify([argv, cwd, st.size, st.mtimeMs]);
  const hit = references.get(key);
  if (hit && existsSync(hit.files.log) && existsSync(hit.files.pcap)) return { ...hit, ms: 0 };
  const r = await runSingle(o.launcher, facts, o.workDir, o.model, 'single', false, timeoutMs);
  references.set(key, r);
  return r;
}

export async function run(o: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  mkdirSync(o.workDir, { recursive: true });
  const timeoutMs = o.timeoutMs ?? 300_000;
  const facts = await scanTrace(o.trace);
  if (o.failover.kind !== 'none' && o.failover.at > facts.packets) {
    throw usageError(`--failover ${o.failover.kind}@${o.failover.at}: the trace has only ${facts.packets} packets`);
  }
  if (o.failover.kind !== 'none' && o.failover.at < 1) {
    throw usageError(`--failover ${o.failover.kind}@0: K must be at least 1 (the standby synchronises from the primary's first packet)`);
  }
  o.progress?.(`${facts.packets} packets; reference run of ${o.launcher.name}`);
  const single = await reference(o, facts, timeoutMs);

  let result: Omit<RunResult, 'equivalent' | 'firstDifference' | 'output'>;
  let primaryOut;
  let standbyOut = { lines: [] as string[], packets: [] as ReturnType<typeof readOutputs>['packets'] };
  const base = {
    middlebox: o.launcher.name,
    trace: o.trace,
    packets: facts.packets,
    failover: o.failover.kind,
    failoverAt: o.failover.kind === 'none' ? null : o.failover.at,
    model: o.model,
    instrumented: o.launcher.instrumented,
    skipped: facts.skipped,
  };
  if (!o.launcher.instrumented) {
    // Plain build: only `none` is meaningful; the primary is fed through the replayer.
    if (o.failover.kind !== 'none') throw usageError(`--failover ${o.failover.kind} needs an instrumented build of ${o.launcher.name}`);
    o.progress?.('replaying to the plain primary');
    const p = await runSingle(o.launcher, facts, o.workDir, o.model, 'primary', true, timeoutMs);
    primaryOut = readOutputs(p.files);
    result = {
      ...base,
      commit: null,
      stateBytes: { total: 0, perPacketMean: 0, perPacket: [] },
      frames: { exported: 0, sent: 0, acked: -1, applied: -1, dropped: 0, discarded: 0, snapshots: 0 },
      timings: { totalMs: 0, replayMs: p.ms, singleMs: single.ms, detectionMs: null, takeoverMs: null, resumeMs: null, detectedBy: null },
      processes: [single.tail, p.tail],
    };
  } else {
    const pair = await runPair({
      launcher: o.launcher,
      facts,
      model: o.model,
      failover: o.failover,
      workDir: o.workDir,
      heartbeatMs: o.heartbeatMs ?? 10,
      missLimit: o.missLimit ?? 3,
      detector: o.detector ?? 'both',
      timeoutMs,
      host: o.host ?? '127.0.0.1',
      progress: o.progress,
      agentLog: o.agentLog,
    });
    // Output commit: the primary's output counts only up to the marks of the last frame the standby applied.
    primaryOut = readOutputs(pair.primaryFiles, pair.commit?.marks);
    if (pair.standbyRan) standbyOut = readOutputs(pair.standbyFiles);
    result = {
      ...base,
      commit: pair.commit,
      stateBytes: pair.stateBytes,
      frames: pair.frames,
      timings: { totalMs: 0, singleMs: single.ms, ...pair.timings },
      processes: [single.tail, ...pair.processes],
    };
  }
  const ref = readOutputs(single.files);
  const diff: Difference | null = compareLogs(ref.lines, primaryOut.lines, standbyOut.lines) ?? comparePackets(ref.packets, primaryOut.packets, standbyOut.packets);
  return {
    ...result,
    equivalent: diff === null,
    firstDifference: diff,
    output: {
      singleLines: ref.lines.length,
      singlePackets: ref.packets.length,
      primaryLines: primaryOut.lines.length,
      primaryPackets: primaryOut.packets.length,
      standbyLines: standbyOut.lines.length,
      standbyPackets: standbyOut.packets.length,
    },
    timings: { ...result.timings, totalMs: performance.now() - t0 },
  };
}

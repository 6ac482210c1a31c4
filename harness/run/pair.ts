// A primary / hot-standby pair of instrumented middleboxes with their agents
// over a real WebSocket: replay to the primary, fail over (graceful handover
// or SIGKILL), commit the primary's output at the marks of the last frame the
// standby applied, and replay the rest of the trace to the standby.
import { randomBytes } from 'node:crypto';
import { statSync, watch, type FSWatcher } from 'node:fs';
import { MboxLink, PrimaryAgent, StandbyAgent, type AgentLogEvent } from '../agent/index.js';
import { signalGroup, startProcess, type RunRecord } from '../process/index.js';
import type { LocalFrame, Model } from '../protocol/index.js';
import { StatelabError } from '../errors.js';
import { CrashLink } from './crash-link.js';
import type { ResolvedFailover } from './failover-spec.js';
import { replay, replayFromImage, replayHeader, replayImage, type ReplayImage, type TraceFacts } from './replay.js';
import { outputFiles, tail } from './single.js';
import type { OutputFiles } from './outputs.js';
import type { FailoverBreakdown, Launcher, ProcessTail, RunResult } from './types.js';

/** What the primary's middlebox said about one exported frame (the output-commit ledger). */
interface FrameMark {
  pkt: number;
  out: number[];
  bytes: number;
  snapshot: boolean;
}

export interface PairOptions {
  launcher: Launcher;
  facts: TraceFacts;
  model: Model;
  failover: ResolvedFailover;
  workDir: string;
  heartbeatMs: number;
  missLimit: number;
  detector: 'heartbeat' | 'controller' | 'both';
  timeoutMs: number;
  host: string;
  /** Wrap a command to run it elsewhere (e.g. `ip netns exec ns`); identity by default. */
  wrap?: { primary?: (argv: string[]) => string[]; standby?: (argv: string[]) => string[] };
  progress?: (line: string) => void;
  /** Agent events, one line each (debugging a run). */
  agentLog?: (line: string) => void;
}

export interface PairOutcome {
  primaryFiles: OutputFiles;
  standbyFiles: OutputFiles;
  /** Marks cutting the primary's output; null: the primary's whole output counts (no failover). */
  commit: RunResult['commit'];
  /** The standby produced output (it took over). */
  standbyRan: boolean;
  stateBytes: RunResult['stateBytes'];
  frames: RunResult['frames'];
  timings: Pick<RunResult['timings'], 'replayMs' | 'detectionMs' | 'takeoverMs' | 'resumeMs' | 'detectedBy' | 'breakdown'>;
  processes: ProcessTail[];
}

/** Packets fed one at a time while waiting for the standby's first snapshot. */
const SYNC_PACKETS = 32;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new StatelabError('E_PROCESS', `${what}: no progress within ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(t));
}

/**
 * Resolves at the first output of the standby after takeover: its log grows,
 * or its packet output grows past the pcap file header (which libpcap writes
 * at open and which is no output of a packet).
 */
function firstOutput(files: OutputFiles): { promise: Promise<number>; stop: () => void } {
  const watchers: FSWatcher[] = [];
  let stop = (): void => {};
  const size = (f: string): number => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  };
  const promise = new Promise<number>((resolve) => {
    stop = () => {
      for (const w of watchers) w.close();
    };
    const check = (): void => {
      const at = performance.now();
      if (size(files.log) > 0 || size(files.pcap) > PCAP_FILE_HEADER) {
        stop();
        resolve(at);
      }
    };
    for (const f of [files.log, files.pcap]) {
      try {
        watchers.push(watch(f, check));
      } catch {
        // not created yet: the other file may still tell us
      }
    }
  });
  return { promise, stop };
}

/** Resolves when `s` has ended or closed, or after `ms`. */
function streamEnd(s: NodeJS.ReadableStream & { readableEnded?: boolean; destroyed?: boolean } | undefined, ms: number): Promise<void> {
  if (!s || s.readableEnded || s.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    s.once('end', done);
    s.once('close', done);
    function done(): void {
      clearTimeout(t);
      s!.off('end', done);
      s!.off('close', done);
      resolve();
    }
  });
}

/** Bytes of a classic pcap file's global header. */
const PCAP_FILE_HEADER = 24;

export async function runPair(o: PairOptions): Promise<PairOutcome> {
  const { launcher, facts, model, failover } = o;
  const primaryFiles = outputFiles(o.workDir, 'primary');
  const standbyFiles = outputFiles(o.workDir, 'standby');
  const pc = launcher.command('primary', '-', primaryFiles, model);
  const sc = launcher.command('standby', '-', standbyFiles, model);
  const env = { ...process.env, SA_OUTPUTS: `${primaryFiles.log}:${primaryFiles.pcap}` };
  const wrapP = o.wrap?.primary ?? ((a: string[]) => a);
  const wrapS = o.wrap?.standby ?? ((a: string[]) => a);
  const primary = startProcess(wrapP(pc.argv), { cwd: pc.cwd, env, extraFds: 2, stdout: 'ignore', timeoutMs: o.timeoutMs });
  // The standby flushes its outputs after each packet once live (SA_OUTPUTS), as the primary does:
  // its first output is then visible when it is produced, not when a stdio buffer fills.
  // SA_APPLIED=burst: one cumulative `applied` per burst of frames the standby read (the agent accepts it).
  const standbyEnv = { ...process.env, SA_OUTPUTS: `${standbyFiles.log}:${standbyFiles.pcap}`, SA_APPLIED: 'burst' };
  const standby = startProcess(wrapS(sc.argv), { cwd: sc.cwd, env: standbyEnv, extraFds: 2, stdout: 'ignore', timeoutMs: o.timeoutMs });
  // libpcap opens `-` by reading the global header: the standby gets it now, its packets after takeover.
  standby.stdin?.on('error', () => {});
  standby.stdin?.write(replayHeader(facts));
  const key = randomBytes(32);
  const log = (role: string) => (e: AgentLogEvent) => o.agentLog?.(`${role} ${e.level} conn ${e.conn} ${e.event}${e.detail ? `: ${e.detail}` : ''}`);
  const agentOpts = { key, model, heartbeatMs: o.heartbeatMs, missLimit: o.missLimit };
  const pLink = MboxLink.fromSubprocess(primary);
  const sLink = MboxLink.fromSubprocess(standby);
  const pAgent = new PrimaryAgent(pLink, { ...agentOpts, log: log('primary') });
  const sAgent = new StandbyAgent(sLink, { ...agentOpts, log: log('standby') });
  const errors: string[] = [];
  pAgent.on('mbox-error', (e) => errors.push(`primary link: ${e.message}`));
  // A live standby middlebox exports its own frames with no one to send them to: not an error of the run.
  sAgent.on('mbox-error', (e) => {
    if (!sAgent.isLive) errors.push(`standby link: ${e.message}`);
  });

  // The ledger: seq → packet and output marks, from the primary middlebox's own frames.
  const ledger = new Map<number, FrameMark>();
  const pktBase = launcher.pktBase ?? 0;
  const perPacket: number[] = [];
  let exported = 0;
  let snapshots = 0;
  let lastPkt = -1;
  let lastSeq = -1;
  const seen: Array<(f: FrameMark, seq: number) => void> = [];
  pLink.on('frame', (f: LocalFrame) => {
    if (f.t !== 'state' && f.t !== 'snapshot') return;
    const out = (f as { out?: number[] }).out ?? [];
    const m: FrameMark = { pkt: f.pkt - pktBase, out: [...out], bytes: f.payload.length, snapshot: f.t === 'snapshot' };
    ledger.set(f.seq, m);
    if (f.t === 'state') {
      exported++;
      perPacket[m.pkt] = (perPacket[m.pkt] ?? 0) + f.payload.length;
      lastPkt = m.pkt;
      lastSeq = f.seq;
    } else snapshots++;
    for (const s of seen) s(m, f.seq);
  });

  const timings: PairOutcome['timings'] = { replayMs: 0, detectionMs: null, takeoverMs: null, resumeMs: null, detectedBy: null, breakdown: null };
  /** When the failover began: the kill, or the start of the graceful handover. */
  let failedAt: number | null = null;
  const bd: FailoverBreakdown = { detectedMs: null, takeoverSentMs: null, liveMs: null, replayStartMs: null, firstPacketMs: null, firstOutputMs: null };
  const since = (): number => performance.now() - (failedAt ?? 0);
  let firstPacketAt: number | null = null;
  sAgent.on('live', () => (bd.liveMs = since()));
  sAgent.on('own-frame', () => {
    if (firstPacketAt !== null) return;
    firstPacketAt = performance.now();
    // Its frame may be read after its first output was seen: the record is filled in either order.
    if (failedAt !== null) bd.firstPacketMs = firstPacketAt - failedAt;
  });
  const abort = new AbortController();
  let primaryRec: RunRecord | null = null;
  let standbyRec: RunRecord | null = null;
  let commit: RunResult['commit'] = null;
  let standbyRan = false;
  const hostLink = new CrashLink();
  // The trace in memory for the standby's feed, read while the pair synchronises and replays.
  let image: ReplayImage | null = null;
  const imageRead = failover.kind === 'none' ? Promise.resolve() : replayImage(facts).then((i) => void (image = i), () => {});
  const t0 = performance.now();
  try {
    // Connect and wait for the standby to hold the primary's initial snapshot.
    const standbyPort = await sAgent.listen(0, o.host);
    // The relay exists to model the primary host dying (crash); otherwise the agents talk directly.
    const port = failover.kind === 'crash' ? await hostLink.listen(o.host, standbyPort) : standbyPort;
    const asked = new Promise<void>((resolve) => pAgent.once('resync', () => resolve()));
    const synced = new Promise<void>((resolve) => pAgent.once('ack', () => resolve()));
    pAgent.connect(`ws://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`);
    const ended = primary.done.then((r) =>
      Promise.reject(new StatelabError('E_PROCESS', `primary middlebox ended (${r.reason} ${r.exitCode ?? r.signal ?? ''}) before the standby synchronised; stderr: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`)),
    );
    ended.catch(() => {});
    // An instrumented primary answers the snapshot request between packets: once the request is
    // on its fd 4, give it packet 0, and go on when the standby holds that snapshot.
    await withTimeout(Promise.race([asked, ended]), 10_000, 'agent handshake');
    // A middlebox that ends a packet at the next callback's entry (pcap_loop) answers only when the
    // next packet arrives: feed one packet at a time until the standby holds a snapshot.
    let fed = 0;
    let isSynced = false;
    void synced.then(() => (isSynced = true));
    // graceful@K gives the primary K packets; crash@K may feed packet K too (it only triggers the
    // frame of K-1 in a callback middlebox; the kill watch below also looks at frames already seen).
    const limit = failover.kind === 'none' ? facts.packets : Math.min(facts.packets, failover.kind === 'crash' ? failover.at + 1 : failover.at);
    // Bounded: a standby that cannot import (or a primary that never answers) fails in seconds, not minutes.
    while (!isSynced && fed < Math.min(limit, SYNC_PACKETS)) {
      if (primary.stdin) await replay(facts, primary.stdin, { from: fed, to: fed + 1, end: false, header: fed === 0 });
      fed++;
      await Promise.race([synced, ended, new Promise((r) => setTimeout(r, 100))]);
    }
    // graceful@K with all K packets fed and no snapshot yet (a callback middlebox answers at the next
    // packet's entry, which graceful@1 never sends): end the primary's input as the handover would;
    // its loop-exit hook exports the last frame and answers the pending request.
    const inputEnded = !isSynced && failover.kind === 'graceful' && fed >= failover.at;
    if (inputEnded) primary.stdin?.end();
    await withTimeout(
      // …and then exits, as it should: only the snapshot's acknowledgement counts.
      inputEnded ? synced : Promise.race([synced, ended]),
      10_000,
      `standby synchronisation: no snapshot acknowledged after ${fed} packet(s) to the primary (standby applied seq ${sAgent.lastApplied}; a standby middlebox must reach its import loop before its first packet)`,
    );
    o.progress?.(`pair synchronised after ${fed} packet(s); replaying`);
    const rest = { from: fed, header: false } as const;

    const markOf = (seq: number): FrameMark => {
      const m = ledger.get(seq);
      if (!m) throw new StatelabError('E_PROCESS', `the standby applied seq ${seq}, which the primary never exported`);
      return m;
    };
    const resumeAfter = (seq: number, m: FrameMark): number => (seq === 0 ? 0 : Math.max(0, m.pkt + 1));
    let standbyFeed: Promise<number> = Promise.resolve(0);
    let watchOut: ReturnType<typeof firstOutput> | null = null;
    /**
     * Feed the standby the packets after its last applied frame at once, while
     * it goes live: its middlebox reads stdin only after it has written `live`
     * (the runtime imports inside the receive hook), so nothing is read early
     * and the first packet is waiting when it is live.
     */
    const feedStandby = (seq: number): number => {
      const from = resumeAfter(seq, markOf(seq));
      watchOut = firstOutput(standbyFiles);
      standbyRan = true;
      // Its own replay, never the primary's (aborted at a crash).
      standbyFeed = !standby.stdin ? Promise.resolve(0) : image ? replayFromImage(image, standby.stdin, from) : replay(facts, standby.stdin, { from, header: false });
      bd.replayStartMs = since();
      return from;
    };
    const finishStandby = async (): Promise<void> => {
      const w = watchOut;
      const first = w ? await Promise.race([w.promise, standby.done.then(() => null)]) : null;
      w?.stop();
      await standbyFeed;
      if (failedAt === null) return;
      if (first !== null) timings.resumeMs = bd.firstOutputMs = first - failedAt;
      timings.breakdown = bd;
    };
    const commitAt = (seq: number, expected: number, from: number): NonNullable<RunResult['commit']> => {
      if (seq !== expected) throw new StatelabError('E_PROCESS', `the standby went live at seq ${seq}, expected ${expected}`);
      const m = markOf(seq);
      return { seq, pkt: seq === 0 ? -1 : m.pkt, marks: m.out, resumedAt: from };
    };

    if (failover.kind === 'none') {
      const tr = performance.now();
      if (primary.stdin) await replay(facts, primary.stdin, rest);
      primaryRec = await primary.done;
      timings.replayMs = performance.now() - tr;
    } else if (failover.kind === 'graceful') {
      const k = failover.at;
      const tr = performance.now();
      // The paper's experiment: packets 0..K-1 to the primary, then hand over.
      const ready = new Promise<void>((resolve) => {
        const check = (): void => {
          if (lastPkt >= k - 1 && pAgent.lastAckedSeq >= lastSeq) resolve();
        };
        seen.push(check);
        pAgent.on('ack', check);
        check();
      });
      if (primary.stdin && !primary.stdin.writableEnded) await replay(facts, primary.stdin, { ...rest, to: k });
      // The primary exits at the end of its input; if the standby lost its session just then, no
      // snapshot can come any more: fail with the reason once nothing moves, not at the whole-run limit.
      const graceMs = 1_000 + 2 * o.heartbeatMs * o.missLimit;
      const gone = primary.done.then(
        () =>
          new Promise<never>((_, reject) => {
            let mark = `${pAgent.lastAckedSeq}/${lastSeq}`;
            const t = setInterval(() => {
              const now = `${pAgent.lastAckedSeq}/${lastSeq}`;
              if (now !== mark) return void (mark = now);
              clearInterval(t);
              reject(new StatelabError('E_PROCESS', `graceful failover at packet ${k}: the primary ended and the standby stopped acknowledging (acked seq ${pAgent.lastAckedSeq}, last exported ${lastSeq})`));
            }, graceMs);
            t.unref();
            void ready.then(() => clearInterval(t));
          }),
      );
      await withTimeout(Promise.race([ready, gone]), o.timeoutMs, `graceful failover at packet ${k}`);
      timings.replayMs = performance.now() - tr;
      await imageRead;
      const th = performance.now();
      failedAt = th;
      const expected = pAgent.lastSentSeq;
      const taking = pAgent.takeover();
      taking.catch(() => {}); // awaited below; feedStandby may throw first
      bd.takeoverSentMs = since();
      const from = feedStandby(expected);
      const seq = await withTimeout(taking, 5_000, 'graceful takeover');
      timings.takeoverMs = performance.now() - th;
      commit = commitAt(seq, expected, from);
      o.progress?.(`graceful takeover at seq ${seq}; standby continues from packet ${commit.resumedAt}`);
      await finishStandby();
      primaryRec = await primary.done;
    } else {
      const k = failover.at;
      const tr = performance.now();
      let killedAt = 0;
      let detected!: Promise<'heartbeat' | 'controller'>;
      const killed = new Promise<void>((resolve) => {
        const watch = (m: FrameMark): void => {
          if (!m.snapshot && m.pkt >= k && killedAt === 0) {
            // kill -9 right after the primary processed packet K, frames still in flight
            killedAt = performance.now();
            if (primary.pid !== null) signalGroup(primary.pid, 'SIGKILL');
            hostLink.crash(); // the primary host's agent dies with it: silence, no FIN
            // …and does no more work here: frames still queued on fd 3 are nobody's to read.
            pLink.stop();
            void pAgent.close('primary host crashed');
            // Detection: the standby's heartbeat detector, the controller's view of the process, or both.
            detected = new Promise((found) => {
              if (o.detector !== 'controller') sAgent.once('peer-dead', () => found('heartbeat'));
              if (o.detector !== 'heartbeat') void primary.done.then(() => found('controller'));
            });
            abort.abort();
            resolve();
          }
        };
        seen.push(watch);
        for (const m of ledger.values()) watch(m); // frames of the synchronisation packets
      });
      // Feed through packet K+1 only (its arrival ends packet K in a callback middlebox): the kill
      // then lands with frames in flight but before a fast primary could finish the trace on its own.
      const upTo = Math.min(facts.packets, k + 2);
      const fed = primary.stdin ? replay(facts, primary.stdin, { ...rest, to: upTo, end: upTo >= facts.packets, signal: abort.signal }) : Promise.resolve(0);
      // The primary may exit right after its last frame (crash at the last packet): its exit can be
      // seen before that frame is parsed, so let fd 3 drain before calling the packet unreached.
      const endedEarly = primary.done
        .then(() => new Promise((r) => setTimeout(r, 500)))
        .then(() => (killedAt === 0 ? Promise.reject(new StatelabError('E_PROCESS', `primary ended before packet ${k}`)) : undefined));
      endedEarly.catch(() => {});
      await withTimeout(Promise.race([killed, endedEarly]), o.timeoutMs, `crash at packet ${k}`);
      await fed.catch(() => 0);
      timings.replayMs = killedAt - tr;
      failedAt = killedAt;
      timings.detectedBy = await withTimeout(detected, 10_000, 'failure detection');
      const td = performance.now();
      timings.detectionMs = td - killedAt;
      bd.detectedMs = since();
      await imageRead; // read long before, except for a crash in the first packets
      // The standby goes live at the last frame handed to its middlebox (it applies them in order first).
      const expected = sAgent.lastDelivered;
      const taking = sAgent.takeover();
      bd.takeoverSentMs = since();
      const from = feedStandby(expected);
      const seq = await withTimeout(taking, 5_000, 'crash takeover');
      timings.takeoverMs = performance.now() - td;
      commit = commitAt(seq, expected, from);
      o.progress?.(`crash at packet ${k}: standby applied seq ${seq} (packet ${commit.pkt}); replaying from packet ${commit.resumedAt}`);
      await finishStandby();
      primaryRec = await primary.done;
    }

    if (standbyRan) {
      standbyRec = await withTimeout(standby.done, o.timeoutMs, 'standby run');
      // Its last frames on fd 3 (its first own frame, for the breakdown) may be read after its exit.
      await streamEnd(standby.fds[0], 500);
    }
    if (commit && commit.marks.length < 2) {
      throw new StatelabError('E_PROCESS', `the primary middlebox's frames carry no output-commit marks ("out" for log and packet output; got ${commit.marks.length}): is SA_OUTPUTS honoured?`);
    }
    if (errors.length > 0 && failover.kind !== 'crash') throw new StatelabError('E_PROCESS', errors.join('; '));
  } finally {
    abort.abort();
    hostLink.close();
    await Promise.allSettled([pAgent.close('run over'), sAgent.close('run over')]);
    if (!primaryRec) primaryRec = await primary.terminate();
    if (!standbyRec) standbyRec = await standby.terminate();
  }
  const stateTotal = perPacket.reduce((a, b) => a + (b ?? 0), 0);
  const counted = perPacket.filter((x) => x !== undefined).length;
  return {
    primaryFiles,
    standbyFiles,
    commit,
    standbyRan,
    stateBytes: { total: stateTotal, perPacketMean: counted === 0 ? 0 : stateTotal / counted, perPacket: Array.from(perPacket, (x) => x ?? 0) },
    frames: {
      exported,
      sent: pAgent.sent,
      acked: pAgent.lastAckedSeq,
      applied: sAgent.lastApplied,
      dropped: pAgent.dropped,
      discarded: sAgent.discarded,
      snapshots,
    },
    timings: { ...timings, replayMs: timings.replayMs || performance.now() - t0 },
    processes: [tail('primary', primary, primaryRec), tail('standby', standby, standbyRec)],
  };
}


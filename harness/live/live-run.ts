// A live run: a reference single instance and then a primary / hot-standby
// pair, each middlebox capturing on its veth inside its own network namespace,
// the trace injected with cap, packet output captured with cap, agents talking
// over the inter-host veth; failover, output commit, and the equivalence check
// on logs with wall-clock times masked and on packet output byte for byte.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, type RunRecord, type Subprocess } from '../process/index.js';
import type { Model } from '../protocol/index.js';
import { StatelabError, usageError } from '../errors.js';
import { buildInstrumented, buildPlain, compareLogs, comparePackets, logLines, scanTrace, type Difference, type MboxSpec, type OutPacket, type ProcessTail, type ResolvedFailover, type RunResult } from '../run/index.js';
import { Injector, OutputCapture } from './cap-link.js';
import { HostClient } from './host-client.js';
import type { HostEvent } from './host.js';
import { waitIdle } from './idle.js';
import { createTopology, type LiveHost, type Topology } from './netns.js';
import { maskWallClock } from './normalise.js';
import { requireLive } from './prereq.js';
import { loadLiveTrace, type LiveTrace } from './trace.js';

export interface LiveOptions {
  mbox: MboxSpec;
  trace: string;
  model: Model;
  failover: ResolvedFailover;
  workDir: string;
  heartbeatMs?: number;
  missLimit?: number;
  detector?: 'heartbeat' | 'controller' | 'both';
  timeoutMs?: number;
  /** Packets injected between two checks that the middlebox has taken them all (default 32). */
  window?: number;
  /** Negative control: the standby never imports this variable. */
  dropVar?: string;
  /** Replace the built binaries (tests: a binary that does not exist, to fail mid-run). */
  binaries?: { plain?: string; instrumented?: string };
  progress?: (line: string) => void;
  /** Called once the topology exists (tests look for leftovers by this id). */
  onTopology?: (id: string) => void;
}

/** Per instance: what the harness injected and captured, and what the middlebox says it took. */
export interface LiveCounts {
  injected: number;
  /** From the first injected frame to the middlebox idle after the last (pacing included). */
  injectMs: number;
  /** Packets the instrumented middlebox reports processed (its frames' packet count); null for a plain build. */
  processed: number | null;
  /** Output packets the middlebox sent on its output link (veth counter) and the harness captured. */
  outputSent: number;
  outputCaptured: number;
}

export interface LiveFacts {
  namespaces: string[];
  interHost: string;
  window: number;
  /** Wall-clock numbers masked in log lines before comparison. */
  maskedTimes: number;
  reference: LiveCounts;
  primary: LiveCounts | null;
  standby: LiveCounts | null;
  /** Output packets sent but not captured, over all instances (0 in a sound run). */
  outputLost: number;
  /** Packets captured on an output link that the middlebox did not send (0 in a sound run). */
  outputExtra: number;
  /** Packets injected but not processed by an instrumented instance, where it can tell (0 in a sound run). */
  inputLost: number;
  traceSkipped: LiveTrace['skipped'];
}

export type LiveRunResult = RunResult & { live: LiveFacts };

/** Outputs of one live instance. */
interface InstanceOut {
  log: string;
  packets: Buffer[];
  counts: LiveCounts;
  tail: ProcessTail;
}

const START_MS = 10_000;
/**
 * libpcap sizes its ring slots for 64 KiB frames on a veth (offloads on), so its
 * default 2 MiB ring holds about 32 frames: a window must stay well below that
 * (a window of 128 lost packets in the reference run; see README).
 */
export const DEFAULT_WINDOW = 8;
export const MAX_WINDOW = 16;

function wrapLog(argv: string[], log: string): string[] {
  // stdout is the log, line-buffered: a middlebox stopped at the end of a live run has written every line.
  return ['sh', '-c', 'exec "$@" >"$0"', log, 'stdbuf', '-oL', ...argv];
}

function mboxArgv(bin: string, spec: MboxSpec, host: LiveHost, sa: { role: 'primary' | 'standby'; model: Model } | null): string[] {
  const io = ['-i', host.input.mbox, ...(host.output ? ['-o', host.output.mbox] : [])];
  return [bin, ...spec.args, ...io, ...(sa ? ['--sa-mode', sa.role, '--sa-model', sa.model] : [])];
}

function tailOf(role: ProcessTail['role'], command: string[], r: RunRecord): ProcessTail {
  const exit = r.reason === 'exit' ? `exit ${r.exitCode}` : r.signal ? `${r.reason} (${r.signal})` : r.reason;
  return { role, command, exit, stderrTail: r.stderr.slice(-2000) };
}

/** Resolve when `pid` sleeps in poll (capturing); reject with why if the process ends first. */
async function ready(pid: number | null, ended: Promise<string>, what: string): Promise<void> {
  if (pid === null) throw new StatelabError('E_PROCESS', `${what} did not start: ${await ended}`);
  const died = ended.then((why) => Promise.reject(new StatelabError('E_PROCESS', `${what} ended before capturing (${why})`)));
  died.catch(() => {});
  try {
    await Promise.race([waitIdle(pid, { timeoutMs: START_MS, what }), died]);
  } catch (e) {
    // waitIdle saw it gone first: the end's reason says more.
    await Promise.race([died, new Promise((r) => setTimeout(r, 1_000))]);
    throw e;
  }
}

function whyEnded(r: RunRecord): string {
  return `${r.reason === 'exit' ? `exit ${r.exitCode}` : r.reason}${r.error ? `: ${r.error}` : ''}; stderr: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
}

function hostMboxEnded(h: HostClient): Promise<string> {
  return h.waitFor((e): e is Extract<HostEvent, { ev: 'mbox-exit' }> => e.ev === 'mbox-exit', 2 ** 31 - 1, 'middlebox exit').then(
    (e) => `${e.exit}; stderr: ${e.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    (e: Error) => e.message,
  );
}

/**
 * Inject frames [from, to) on `inj`, waiting after every `window` frames (and
 * after each of `exactFrom`.. one by one) until the middlebox has taken them;
 * `marks[i]` = output packets sent after packet i, where known. Stops early when `stop()` says so.
 */
async function feed(
  trace: LiveTrace,
  inj: Injector,
  pid: number,
  range: { from: number; to: number },
  o: { window: number; exactFrom?: number; out: OutputCapture | null; marks?: Map<number, number>; stop?: () => boolean; what: string },
): Promise<number> {
  let i = range.from;
  while (i < range.to && !(o.stop?.() ?? false)) {
    const one = o.exactFrom !== undefined && i + 1 >= o.exactFrom;
    const end = one ? i + 1 : Math.min(range.to, i + o.window, o.exactFrom !== undefined ? Math.max(o.exactFrom - 1, i + 1) : Infinity);
    for (; i < end; i++) inj.send(trace.frames[i]!, i);
    await waitIdle(pid, { timeoutMs: 30_000, what: o.what });
    o.marks?.set(i - 1, o.out ? o.out.sentByMbox() : 0);
  }
  return i;
}

function fileText(f: string): string {
  return existsSync(f) ? readFileSync(f, 'utf8') : '';
}

/** One plain instance in `host`'s namespace over the whole trace (the reference, or the run under test of `none`). */
async function runPlain(o: LiveOptions, trace: LiveTrace, bin: string, host: LiveHost, role: 'single' | 'primary', window: number, timeoutMs: number): Promise<InstanceOut> {
  const log = join(o.workDir, `${role}.log`);
  const out = host.output ? new OutputCapture(host.output.harness) : null;
  const inj = new Injector(host.input.harness);
  const argv = mboxArgv(bin, o.mbox, host, null);
  const sp = startProcess(['ip', 'netns', 'exec', host.ns, ...wrapLog(argv, log)], { cwd: o.mbox.dir, stdin: 'ignore', stdout: 'ignore', timeoutMs, killGraceMs: 500 });
  try {
    await ready(sp.pid, sp.done.then(whyEnded), `${role} middlebox ${o.mbox.name}`);
    const t0 = performance.now();
    await feed(trace, inj, sp.pid!, { from: 0, to: trace.frames.length }, { window, out, what: `${role} middlebox` });
    const injectMs = performance.now() - t0;
    if (out) await out.settle();
    const rec = await sp.terminate();
    return {
      log: fileText(log),
      packets: out ? [...out.packets] : [],
      counts: { injected: inj.sent, injectMs, processed: null, outputSent: out ? out.sentByMbox() : 0, outputCaptured: out ? out.packets.length : 0 },
      tail: tailOf(role, argv, rec),
    };
  } finally {
    inj.close();
    out?.close();
    await sp.terminate();
  }
}

interface Mark {
  pkt: number;
  out: number[];
  bytes: number;
  snapshot: boolean;
}

interface PairOut {
  primary: InstanceOut;
  standby: InstanceOut | null;
  commit: RunResult['commit'];
  stateBytes: RunResult['stateBytes'];
  frames: RunResult['frames'];
  timings: Pick<RunResult['timings'], 'replayMs' | 'detectionMs' | 'takeoverMs' | 'resumeMs' | 'detectedBy'>;
}

const SYNC_PACKETS = 32;
/** pkt in frames of middleboxes/runtime counts packets processed: packet index = pkt − 1. */
const PKT_BASE = 1;

async function runPair(o: LiveOptions, topo: Topology, trace: LiveTrace, bin: string, window: number, timeoutMs: number): Promise<PairOut> {
  const failover = o.failover;
  if (failover.kind === 'none') throw new Error('internal: runPair without failover');
  const k = failover.at;
  const P = topo.primary;
  const S = topo.standby;
  const logP = join(o.workDir, 'primary.log');
  const logS = join(o.workDir, 'standby.log');
  const key = randomBytes(32).toString('hex');
  const hb = o.heartbeatMs ?? 10;
  const miss = o.missLimit ?? 3;
  const common = { key, model: o.model, heartbeatMs: hb, missLimit: miss, timeoutMs };
  const argvP = mboxArgv(bin, o.mbox, P, { role: 'primary', model: o.model });
  const argvS = mboxArgv(bin, o.mbox, S, { role: 'standby', model: o.model });
  const outP = P.output ? new OutputCapture(P.output.harness) : null;
  const outS = S.output ? new OutputCapture(S.output.harness) : null;
  const injP = new Injector(P.input.harness);
  const injS = new Injector(S.input.harness);
  const standby = new HostClient('standby', S.ns, { ...common, role: 'standby', argv: wrapLog(argvS, logS), cwd: o.mbox.dir, env: {}, listen: { host: S.addr, port: 0 }, ...(o.dropVar !== undefined ? { dropVar: o.dropVar } : {}) }, timeoutMs);
  const primary = new HostClient('primary', P.ns, { ...common, role: 'primary', argv: wrapLog(argvP, logP), cwd: o.mbox.dir, env: { SA_OUTPUTS: logP } }, timeoutMs);

  // The ledger: the primary middlebox's frames, seq → packet index and log mark.
  const ledger = new Map<number, Mark>();
  const perPacket: number[] = [];
  let exported = 0;
  let snapshots = 0;
  let lastPkt = -1;
  let lastSeq = -1;
  let acked = -1;
  let frameAt = performance.now();
  primary.on('event', (e) => {
    if (e.ev === 'frame') {
      const m: Mark = { pkt: e.pkt - PKT_BASE, out: e.out, bytes: e.bytes, snapshot: e.t === 'snapshot' };
      ledger.set(e.seq, m);
      frameAt = performance.now();
      if (e.t === 'state') {
        exported++;
        perPacket[m.pkt] = (perPacket[m.pkt] ?? 0) + e.bytes;
        lastPkt = m.pkt;
        lastSeq = e.seq;
      } else snapshots++;
    } else if (e.ev === 'ack') acked = Math.max(acked, e.seq);
  });
  let applied = -1;
  let standbyProcessed = 0;
  standby.on('event', (e) => {
    if (e.ev === 'applied') applied = Math.max(applied, e.seq);
    if (e.ev === 'frame') standbyProcessed = Math.max(standbyProcessed, e.pkt);
  });
  const marksP = new Map<number, number>([[-1, 0]]);
  const timings: PairOut['timings'] = { replayMs: 0, detectionMs: null, takeoverMs: null, resumeMs: null, detectedBy: null };
  let commit: RunResult['commit'] = null;
  let standbyRan = false;
  let recP: RunRecord | null = null;
  let recS: RunRecord | null = null;
  let killed = false;
  let closingP: Promise<RunRecord> | null = null;
  let standbyInjectMs = 0;
  try {
    const { port } = await standby.waitFor((e): e is Extract<HostEvent, { ev: 'listening' }> => e.ev === 'listening', START_MS, 'standby agent listening');
    await primary.waitFor((e) => e.ev === 'mbox', START_MS, 'primary middlebox started');
    await ready(primary.mboxPid, hostMboxEnded(primary), `primary middlebox ${o.mbox.name}`);
    const pidP = primary.mboxPid!;
    primary.send({ cmd: 'connect', url: `ws://${S.addr}:${port}` });
    await primary.waitFor((e) => e.ev === 'resync', START_MS, 'agent handshake over the inter-host link');
    // Sync as offline: one packet at a time until the standby holds a snapshot (a pcap_loop primary answers at the next packet).
    let fed = 0;
    const limit = Math.min(k, SYNC_PACKETS);
    while (acked < 0 && fed < limit) {
      fed = await feed(trace, injP, pidP, { from: fed, to: fed + 1 }, { window: 1, out: outP, marks: marksP, what: 'primary middlebox' });
      await Promise.race([primary.waitFor((e) => e.ev === 'ack', 100, 'sync').catch(() => null)]);
    }
    const standbyDied = hostMboxEnded(standby).then((why) => Promise.reject(new StatelabError('E_PROCESS', `standby middlebox ${o.mbox.name} ended before synchronising (${why})`)));
    standbyDied.catch(() => {});
    await Promise.race([primary.waitFor((e) => e.ev === 'ack', 10_000, `standby synchronisation after ${fed} packet(s)`), standbyDied]);
    o.progress?.(`pair synchronised over ${P.addr} ↔ ${S.addr} after ${fed} packet(s)`);
    const tr = performance.now();
    let failedAt = 0;
    let seq: number;
    if (failover.kind === 'graceful') {
      // Packets fed..K-1 to the primary; the last two one at a time so their output marks are exact.
      await feed(trace, injP, pidP, { from: fed, to: k }, { window, exactFrom: k - 1, out: outP, marks: marksP, what: 'primary middlebox' });
      // Its frame of packet K-1 (a pcap_loop middlebox exports it only at the next packet, which never comes:
      // then the last frame it did export is the handover point and packet K-1 goes to the standby).
      const quietMs = 300 + 4 * hb;
      const end = performance.now() + 10_000;
      while (!(lastPkt >= k - 1 && acked >= lastSeq) && !(performance.now() - frameAt > quietMs && acked >= lastSeq)) {
        if (performance.now() > end) throw new StatelabError('E_PROCESS', `graceful failover at packet ${k}: the standby stopped acknowledging (acked seq ${acked}, last exported ${lastSeq})`);
        await new Promise((r) => setTimeout(r, 5));
      }
      timings.replayMs = performance.now() - tr;
      failedAt = performance.now();
      primary.send({ cmd: 'takeover' });
      seq = (await primary.waitFor((e): e is Extract<HostEvent, { ev: 'took-over' }> => e.ev === 'took-over', 5_000, 'graceful takeover')).seq;
      timings.takeoverMs = performance.now() - failedAt;
      // The primary's part is over: stop it (its agent would otherwise keep reconnecting to a live standby).
      closingP = (async () => {
        if (outP) await outP.settle();
        return primary.close();
      })();
    } else {
      // crash@K: one packet at a time (exact output marks); kill -9 once a frame for packet ≥ K is out.
      const crashed = (): boolean => lastPkt >= k;
      await feed(trace, injP, pidP, { from: fed, to: trace.frames.length }, { window: 1, exactFrom: fed, out: outP, marks: marksP, stop: crashed, what: 'primary middlebox' });
      if (!crashed()) await primary.waitFor((e) => e.ev === 'frame' && e.pkt - PKT_BASE >= k, 5_000, `primary frame for packet ${k}`);
      failedAt = performance.now();
      timings.replayMs = failedAt - tr;
      await topo.cutInterHost();
      primary.kill();
      killed = true;
      const detector = o.detector ?? 'both';
      timings.detectedBy = await new Promise<'heartbeat' | 'controller'>((resolve, reject) => {
        if (detector !== 'controller') void standby.waitFor((e) => e.ev === 'peer-dead', 10_000, 'failure detection').then(() => resolve('heartbeat'), reject);
        if (detector !== 'heartbeat') void primary.sp.done.then(() => resolve('controller'));
      });
      const td = performance.now();
      timings.detectionMs = td - failedAt;
      standby.send({ cmd: 'takeover' });
      seq = (await standby.waitFor((e): e is Extract<HostEvent, { ev: 'took-over' }> => e.ev === 'took-over', 5_000, 'crash takeover')).seq;
      timings.takeoverMs = performance.now() - td;
      await primary.ended; // every frame event the dead host wrote has been heard
    }
    const m = ledger.get(seq);
    if (!m) throw new StatelabError('E_PROCESS', `the standby took over at seq ${seq}, which the primary never exported`);
    const pkt = seq === 0 ? -1 : m.pkt;
    commit = { seq, pkt, marks: [m.out[0] ?? 0, marksP.get(pkt) ?? -1], resumedAt: pkt + 1 };
    if (commit.marks[1] === -1) throw new StatelabError('E_PROCESS', `no output mark for packet ${pkt} of the primary (internal: it was not fed one at a time)`);
    o.progress?.(`${failover.kind} takeover at seq ${seq}: standby continues from packet ${commit.resumedAt}`);
    // The standby is live: the rest of the trace goes to its link.
    await standby.waitFor((e) => e.ev === 'live', 5_000, 'standby live');
    standbyRan = true;
    const pidS = standby.mboxPid;
    if (pidS === null) throw new StatelabError('E_PROCESS', 'the standby host never reported its middlebox');
    const t1 = performance.now();
    await feed(trace, injS, pidS, { from: commit.resumedAt, to: trace.frames.length }, { window, out: outS, what: 'standby middlebox' });
    standbyInjectMs = performance.now() - t1;
    if (timings.resumeMs === null) timings.resumeMs = failover.kind === 'crash' ? t1 - failedAt : null;
  } finally {
    // Capture catches up with the link counters (a killed primary's last packets are on the wire already).
    if (outP) await outP.settle();
    if (outS && standbyRan) await outS.settle();
    injP.close();
    injS.close();
    outP?.close();
    outS?.close();
    [recP, recS] = await Promise.all([closingP ?? primary.close(), standby.close()]);
  }
  const cut = commit!;
  const pLog = readFileSync(logP);
  if (cut.marks[0]! > pLog.length) throw new StatelabError('E_CHECK_FAILED', `output-commit mark ${cut.marks[0]} is beyond the end of ${logP} (${pLog.length} bytes)`);
  const packetsP = outP ? outP.packets.slice(0, cut.marks[1]) : [];
  const stats = (h: HostClient): Extract<HostEvent, { ev: 'stats' }> | undefined => h.events.find((e): e is Extract<HostEvent, { ev: 'stats' }> => e.ev === 'stats');
  const total = perPacket.reduce((a, b) => a + (b ?? 0), 0);
  const counted = perPacket.filter((x) => x !== undefined).length;
  return {
    primary: {
      log: pLog.subarray(0, cut.marks[0]).toString('utf8'),
      packets: packetsP,
      counts: { injected: injP.sent, injectMs: timings.replayMs, processed: lastPkt + 1, outputSent: outP ? outP.sentByMbox() : 0, outputCaptured: outP ? outP.packets.length : 0 },
      tail: tailOf('primary', argvP, recP),
    },
    standby: standbyRan
      ? {
          log: fileText(logS),
          packets: outS ? [...outS.packets] : [],
          counts: { injected: injS.sent, injectMs: standbyInjectMs, processed: standbyProcessed, outputSent: outS ? outS.sentByMbox() : 0, outputCaptured: outS ? outS.packets.length : 0 },
          tail: tailOf('standby', argvS, recS),
        }
      : null,
    commit: cut,
    stateBytes: { total, perPacketMean: counted === 0 ? 0 : total / counted, perPacket: Array.from(perPacket, (x) => x ?? 0) },
    frames: { exported, sent: stats(primary)?.sent ?? exported, acked, applied: Math.max(applied, stats(standby)?.applied ?? -1), dropped: stats(primary)?.dropped ?? 0, discarded: stats(standby)?.discarded ?? 0, snapshots },
    timings,
  };
}

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

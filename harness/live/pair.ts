// The live primary / hot-standby pair: each host (agent + instrumented
// middlebox) in its namespace, agents over the inter-host veth; sync, graceful
// or crash failover, the output-commit ledger, the standby fed after takeover.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord } from '../process/index.js';
import { StatelabError } from '../errors.js';
import type { RunResult } from '../run/index.js';
import { Injector, OutputCapture } from './cap-link.js';
import { HostClient } from './host-client.js';
import type { HostEvent } from './host.js';
import { feed, fileText, mboxArgv, ready, tailOf, wrapLog } from './instance.js';
import type { Topology } from './netns.js';
import type { LiveTrace } from './trace.js';
import { START_MS, type InstanceOut, type LiveOptions } from './types.js';

function hostMboxEnded(h: HostClient): Promise<string> {
  return h.waitFor((e): e is Extract<HostEvent, { ev: 'mbox-exit' }> => e.ev === 'mbox-exit', 2 ** 31 - 1, 'middlebox exit').then(
    (e) => `${e.exit}; stderr: ${e.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    (e: Error) => e.message,
  );
}

interface Mark {
  pkt: number;
  out: number[];
  bytes: number;
  snapshot: boolean;
}

export interface PairOut {
  primary: InstanceOut;
  standby: InstanceOut | null;
  commit: RunResult['commit'];
  stateBytes: RunResult['stateBytes'];
  frames: RunResult['frames'];
  timings: Pick<RunResult['timings'], 'replayMs' | 'detectionMs' | 'takeoverMs' | 'resumeMs' | 'detectedBy'>;
}

const SYNC_PACKETS = 32;
/** The primary agent's patience with a standby's acks: a loaded machine must not split the pair. */
const ACK_TIMEOUT_MS = 10_000;
/** pkt in frames of middleboxes/runtime counts packets processed: packet index = pkt − 1. */
const PKT_BASE = 1;

export async function runPair(o: LiveOptions, topo: Topology, trace: LiveTrace, bin: string, window: number, timeoutMs: number): Promise<PairOut> {
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
  // The run decides when the standby is too slow (its limits), not a 1 s ack timeout tuned for production pairs.
  const primary = new HostClient('primary', P.ns, { ...common, role: 'primary', argv: wrapLog(argvP, logP), cwd: o.mbox.dir, env: { SA_OUTPUTS: logP }, ackTimeoutMs: ACK_TIMEOUT_MS }, timeoutMs);

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
  let standbyExit: string | null = null;
  standby.on('event', (e) => {
    if (e.ev === 'mbox-exit') standbyExit = `${e.exit}; stderr: ${e.stderr.trim().split('\n').slice(-3).join(' | ')}`;
    if (e.ev === 'applied') applied = Math.max(applied, e.seq);
    if (e.ev === 'frame') standbyProcessed = Math.max(standbyProcessed, e.pkt);
  });
  const marksP = new Map<number, number>([[-1, 0]]);
  const timings: PairOut['timings'] = { replayMs: 0, detectionMs: null, takeoverMs: null, resumeMs: null, detectedBy: null };
  let commit: RunResult['commit'] = null;
  let standbyRan = false;
  let recP: RunRecord | null = null;
  let recS: RunRecord | null = null;
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
        if (standbyExit !== null) throw new StatelabError('E_PROCESS', `graceful failover at packet ${k}: the standby middlebox ended while replicating (${standbyExit})`);
        if (performance.now() > end) throw new StatelabError('E_PROCESS', `graceful failover at packet ${k}: the standby stopped acknowledging (acked seq ${acked}, last exported ${lastSeq}); standby host: ${standby.stderr.trim().split('\n').slice(-4).join(' | ')}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      timings.replayMs = performance.now() - tr;
      failedAt = performance.now();
      primary.send({ cmd: 'takeover' });
      seq = (await primary.waitFor((e): e is Extract<HostEvent, { ev: 'took-over' }> => e.ev === 'took-over', 8_000, 'graceful takeover')).seq;
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

// The trace generator: from (flows, seed, mix, malformed) to a time-ordered
// list of packets. Same options → the same packets, byte for byte.
import { encodeEpb, encodeIdb, encodePcap, encodeShb, type PacketToWrite, type PcapFormat } from '../../harness/pcap/index.js';
import { usageError } from '../../harness/errors.js';
import { Prng } from './prng.js';
import { dnsSession, localHost, pingSession, remoteHost, scanSession, synFloodSession, tcpSession, type App, type Ev, type Host } from './sessions.js';
import { MALFORMED_KINDS, malformedFrames } from './malformed.js';
import type { Ip4 } from './packets.js';

export const SESSION_KINDS = ['tcp', 'udp', 'icmp', 'scan', 'synflood'] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];
export type Mix = Record<SessionKind, number>;

export const DEFAULT_MIX: Mix = { tcp: 0.6, udp: 0.25, icmp: 0.15, scan: 0, synflood: 0 };

export interface GenOptions {
  /** Number of sessions (a TCP connection, a DNS exchange, a ping run, a scan, a flood burst). */
  flows: number;
  seed: number;
  mix: Mix;
  /** Interleave every malformed-frame kind (several times each) with the traffic. */
  malformed: boolean;
  /** Snap length recorded in the file (default 65535). */
  snapLen: number;
  /** First timestamp, seconds since the epoch (default 2023-11-14T22:13:20Z). */
  startSec: number;
}

export const DEFAULT_GEN: GenOptions = { flows: 50, seed: 1, mix: DEFAULT_MIX, malformed: false, snapLen: 65535, startSec: 1_700_000_000 };

/** Parse `tcp=0.6,udp=0.3,scan=1`: unnamed kinds get 0; weights need not sum to 1. */
export function parseMix(spec: string): Mix {
  const mix: Mix = { tcp: 0, udp: 0, icmp: 0, scan: 0, synflood: 0 };
  for (const part of spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const m = /^([a-z]+)=([0-9]*\.?[0-9]+)$/.exec(part);
    if (m === null) throw usageError(`--mix: cannot read "${part}" (expected kind=weight, kinds: ${SESSION_KINDS.join(', ')})`);
    if (!(SESSION_KINDS as readonly string[]).includes(m[1])) throw usageError(`--mix: unknown kind "${m[1]}" (kinds: ${SESSION_KINDS.join(', ')})`);
    mix[m[1] as SessionKind] = Number(m[2]);
  }
  if (SESSION_KINDS.every((k) => mix[k] === 0)) throw usageError('--mix: all weights are zero');
  return mix;
}

/** Split `n` sessions by weight (largest remainder), so counts are exact and deterministic. */
export function allocate(n: number, mix: Mix): Record<SessionKind, number> {
  const total = SESSION_KINDS.reduce((s, k) => s + mix[k], 0);
  const exact = SESSION_KINDS.map((k) => (n * mix[k]) / total);
  const out = SESSION_KINDS.map((_, i) => Math.floor(exact[i]));
  let left = n - out.reduce((a, b) => a + b, 0);
  const order = SESSION_KINDS.map((_, i) => i).sort((a, b) => exact[b] - Math.floor(exact[b]) - (exact[a] - Math.floor(exact[a])) || a - b);
  for (const i of order) if (left-- > 0) out[i] += 1;
  return Object.fromEntries(SESSION_KINDS.map((k, i) => [k, out[i]])) as Record<SessionKind, number>;
}

function clientIp(rng: Prng): Ip4 {
  return [10, 1, rng.int(0, 3), rng.int(2, 254)];
}

/** Generate the packets, sorted by time (ties keep generation order). */
export function generatePackets(opts: Partial<GenOptions> = {}): PacketToWrite[] {
  const o: GenOptions = { ...DEFAULT_GEN, ...opts };
  if (!Number.isInteger(o.flows) || o.flows < 0) throw usageError(`--flows must be a non-negative integer, got ${o.flows}`);
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) throw usageError(`--seed must be an integer in 0..4294967295, got ${o.seed}`);
  const rng = new Prng(o.seed);
  const counts = allocate(o.flows, o.mix);
  // Sessions start over a span that grows with their number: ~5 new sessions a second.
  const spanUs = Math.max(10, Math.ceil(o.flows / 5)) * 1_000_000;
  const servers: Host[] = Array.from({ length: Math.max(3, Math.ceil(o.flows / 8)) }, (_, i) => remoteHost(i % 2 === 0 ? [203, 0, 113, 10 + (i >> 1)] : [198, 51, 100, 10 + (i >> 1)]));
  const resolver = remoteHost([192, 0, 2, 53]);
  const kinds: SessionKind[] = [];
  for (const k of SESSION_KINDS) for (let i = 0; i < counts[k]; i++) kinds.push(k);
  rng.shuffle(kinds);
  const sessions: Ev[][] = [];
  for (const kind of kinds) {
    const start = rng.int(0, spanUs);
    const client = localHost(clientIp(rng));
    switch (kind) {
      case 'tcp': {
        const app = rng.pick<App>(['http', 'http', 'http', 'ftp', 'ssh']);
        sessions.push(tcpSession(rng, start, client, rng.pick(servers), app));
        break;
      }
      case 'udp':
        sessions.push(dnsSession(rng, start, client, resolver));
        break;
      case 'icmp':
        sessions.push(pingSession(rng, start, client, rng.pick(servers)));
        break;
      case 'scan':
        sessions.push(scanSession(rng, start, remoteHost([198, 18, rng.int(0, 255), rng.int(1, 254)]), localHost(clientIp(rng)), rng.int(60, 200)));
        break;
      case 'synflood':
        sessions.push(synFloodSession(rng, start, localHost([10, 1, 0, 80]), rng.int(100, 300)));
        break;
    }
  }
  if (o.malformed) {
    // Every kind three times, at random moments, between random local and remote hosts.
    for (let round = 0; round < 3; round++) {
      for (const kind of MALFORMED_KINDS) {
        sessions.push(malformedFrames(kind, rng, rng.int(0, spanUs), localHost(clientIp(rng)), rng.pick(servers), o.snapLen));
      }
    }
  }
  const all: { ev: Ev; order: number }[] = [];
  let order = 0;
  for (const s of sessions) for (const ev of s) all.push({ ev, order: order++ });
  all.sort((x, y) => x.ev.t - y.ev.t || x.order - y.order);
  return all.map(({ ev }) => ({
    tsSec: o.startSec + Math.floor(ev.t / 1e6),
    tsUsec: ev.t % 1e6,
    data: ev.data,
    origLen: ev.origLen ?? ev.data.length,
  }));
}

/** The whole generated trace as bytes: classic pcap (µs, little-endian, Ethernet) or pcapng (one interface, µs). */
export function generateTrace(opts: Partial<GenOptions> = {}, format: PcapFormat = 'pcap'): Buffer {
  const snapLen = opts.snapLen ?? DEFAULT_GEN.snapLen;
  const packets = generatePackets(opts);
  if (format === 'pcap') return encodePcap(packets, { snapLen, linkType: 1 });
  const blocks = [encodeShb(), encodeIdb({ linkType: 1, snapLen, name: 'statelab-gen' })];
  for (const p of packets) {
    const data = p.data.subarray(0, snapLen);
    blocks.push(encodeEpb(0, BigInt(p.tsSec) * 1_000_000n + BigInt(p.tsUsec ?? 0), data, p.origLen ?? p.data.length));
  }
  return Buffer.concat(blocks);
}

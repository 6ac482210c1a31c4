// Trace summary for `statelab trace info`: counts, duration, flows, protocol
// mix, encapsulation, timestamp disorder, malformed packets; one streaming pass.
import type { Readable } from 'node:stream';
import { decodePacket, flowKey } from './decode.js';
import { linkTypeName } from './constants.js';
import { readPcap } from './reader.js';
import type { PcapRecord, PcapStats, PcapWarning, ReadOptions } from './types.js';

export interface TraceInfo {
  file: string;
  format: string;
  version: string;
  endian: string;
  timestampResolution: 'us' | 'ns' | 'other';
  linkTypes: { linkType: number; name: string; packets: number }[];
  snapLen: number;
  packets: number;
  /** Sum of captured bytes. */
  capturedBytes: number;
  /** Sum of wire lengths. */
  wireBytes: number;
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  durationSec: number;
  /** Distinct direction-normalised TCP/UDP 5-tuples. */
  flows: { total: number; tcp: number; udp: number };
  network: { ipv4: number; ipv6: number; arp: number; other: number };
  transport: { tcp: number; udp: number; icmp: number; icmpv6: number; other: number; none: number };
  tcpFlags: { syn: number; synAck: number; fin: number; rst: number };
  ipv4Hosts: number;
  vlanPackets: number;
  mplsPackets: number;
  fragments: number;
  /** Packets whose timestamp is earlier than the previous one's (kept, counted). */
  nonMonotonicTimestamps: number;
  /** Packets cut by the capture length (caplen < wire length). */
  snappedPackets: number;
  /** Packets whose headers are inconsistent; reasons counted by kind, a few examples kept. */
  malformedPackets: number;
  malformedReasons: Record<string, number>;
  malformedExamples: { index: number; reason: string }[];
  /** What the reader tolerated, e.g. a truncated final record (that record is not counted). */
  readerWarnings: PcapWarning[];
  truncatedTail: NonNullable<PcapStats['truncatedTail']> | null;
  skippedBlocks: number;
}

function fmtTs(sec: number, nsec: number, ns: boolean): string {
  return ns ? `${sec}.${String(nsec).padStart(9, '0')}` : `${sec}.${String(Math.floor(nsec / 1000)).padStart(6, '0')}`;
}

/** Group a reason by kind: strip the numbers so "IHL 8" and "IHL 12" count together. */
function reasonKind(r: string): string {
  return r.replace(/\d+/g, 'N');
}

export class TraceInfoBuilder {
  private readonly flows = new Set<string>();
  private readonly hosts = new Set<string>();
  private readonly linkCounts = new Map<number, number>();
  private first: PcapRecord | null = null;
  private minSec = Infinity;
  private minNsec = 0;
  private maxSec = -Infinity;
  private maxNsec = 0;
  private lastSec = 0;
  private lastNsec = 0;
  readonly info: Omit<TraceInfo, 'file' | 'format' | 'version' | 'endian' | 'timestampResolution' | 'snapLen' | 'readerWarnings' | 'truncatedTail' | 'skippedBlocks' | 'nonMonotonicTimestamps'> = {
    linkTypes: [],
    packets: 0,
    capturedBytes: 0,
    wireBytes: 0,
    firstTimestamp: null,
    lastTimestamp: null,
    durationSec: 0,
    flows: { total: 0, tcp: 0, udp: 0 },
    network: { ipv4: 0, ipv6: 0, arp: 0, other: 0 },
    transport: { tcp: 0, udp: 0, icmp: 0, icmpv6: 0, other: 0, none: 0 },
    tcpFlags: { syn: 0, synAck: 0, fin: 0, rst: 0 },
    ipv4Hosts: 0,
    vlanPackets: 0,
    mplsPackets: 0,
    fragments: 0,
    snappedPackets: 0,
    malformedPackets: 0,
    malformedReasons: {},
    malformedExamples: [],
  };

  add(r: PcapRecord): void {
    const i = this.info;
    i.packets += 1;
    i.capturedBytes += r.capLen;
    i.wireBytes += r.origLen;
    this.linkCounts.set(r.linkType, (this.linkCounts.get(r.linkType) ?? 0) + 1);
    if (this.first === null) this.first = r;
    this.lastSec = r.tsSec;
    this.lastNsec = r.tsNsec;
    if (r.tsSec < this.minSec || (r.tsSec === this.minSec && r.tsNsec < this.minNsec)) [this.minSec, this.minNsec] = [r.tsSec, r.tsNsec];
    if (r.tsSec > this.maxSec || (r.tsSec === this.maxSec && r.tsNsec > this.maxNsec)) [this.maxSec, this.maxNsec] = [r.tsSec, r.tsNsec];
    const d = decodePacket(r.data, r.linkType, r.origLen);
    i.network[d.l3] += 1;
    i.transport[d.l4] += 1;
    if (d.vlanTags > 0) i.vlanPackets += 1;
    if (d.mplsLabels > 0) i.mplsPackets += 1;
    if (d.fragment) i.fragments += 1;
    if (r.capLen < r.origLen) i.snappedPackets += 1;
    if (d.malformed !== undefined) {
      i.malformedPackets += 1;
      const k = reasonKind(d.malformed);
      i.malformedReasons[k] = (i.malformedReasons[k] ?? 0) + 1;
      if (i.malformedExamples.length < 20) i.malformedExamples.push({ index: r.index, reason: d.malformed });
    }
    if (d.l3 === 'ipv4' && d.src !== undefined && d.dst !== undefined) {
      this.hosts.add(d.src);
      this.hosts.add(d.dst);
    }
    if (d.tcpFlags !== undefined) {
      const f = d.tcpFlags;
      if (f & 0x02) {
        if (f & 0x10) i.tcpFlags.synAck += 1;
        else i.tcpFlags.syn += 1;
      }
      if (f & 0x01) i.tcpFlags.fin += 1;
      if (f & 0x04) i.tcpFlags.rst += 1;
    }
    const key = flowKey(d);
    if (key !== undefined && !this.flows.has(key)) {
      this.flows.add(key);
      i.flows.total += 1;
      if (d.l4 === 'tcp') i.flows.tcp += 1;
      else i.flows.udp += 1;
    }
  }

  finish(stats: PcapStats): TraceInfo {
    const ns = stats.nanosecond === true || stats.interfaces.some((f) => f.unitsPerSecond === 1e9);
    const i = this.info;
    i.ipv4Hosts = this.hosts.size;
    i.linkTypes = [...this.linkCounts].map(([linkType, packets]) => ({ linkType, name: linkTypeName(linkType), packets }));
    if (i.linkTypes.length === 0) for (const f of stats.interfaces) i.linkTypes.push({ linkType: f.linkType, name: linkTypeName(f.linkType), packets: 0 });
    if (this.first !== null) {
      i.firstTimestamp = fmtTs(this.first.tsSec, this.first.tsNsec, ns);
      i.lastTimestamp = fmtTs(this.lastSec, this.lastNsec, ns);
      // Duration spans the earliest to the latest timestamp, so disorder cannot make it negative.
      i.durationSec = this.maxSec - this.minSec + (this.maxNsec - this.minNsec) / 1e9;
    }
    const ups = new Set(stats.interfaces.map((f) => f.unitsPerSecond));
    return {
      file: stats.file,
      format: stats.format ?? 'unknown',
      version: stats.version ?? '',
      endian: stats.endian ?? '',
      timestampResolution: ups.size === 1 && ups.has(1e6) ? 'us' : ups.size === 1 && ups.has(1e9) ? 'ns' : 'other',
      snapLen: Math.max(0, ...stats.interfaces.map((f) => f.snapLen)),
      ...i,
      nonMonotonicTimestamps: stats.nonMonotonic,
      readerWarnings: stats.warnings,
      truncatedTail: stats.truncatedTail ?? null,
      skippedBlocks: stats.skippedBlocks,
    };
  }
}

/** Summarise a trace file (or stream) in one streaming pass. */
export async function traceInfo(source: string | Readable, options: ReadOptions & { name?: string } = {}): Promise<TraceInfo> {
  const reader = readPcap(source, options);
  const b = new TraceInfoBuilder();
  for await (const batch of reader.batches()) for (const r of batch) b.add(r);
  return b.finish(reader.stats);
}

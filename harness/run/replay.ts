// Offline replay: stream a trace's records [from, to) into a middlebox's stdin
// as a classic pcap (the global header written once, records in order), with
// backpressure; plus one scan of the trace for its size and what was skipped.
import type { Writable } from 'node:stream';
import { encodePcapHeader, readPcap, type PcapRecord } from '../pcap/index.js';

export interface TraceFacts {
  file: string;
  packets: number;
  linkType: number;
  snapLen: number;
  nanosecond: boolean;
  /** What the run passes through or leaves out, for the run record. */
  skipped: {
    /** Records whose timestamp steps backwards (passed through, counted). */
    nonMonotonic: number;
    /** Records of another link type than the first interface's (pcapng), not replayed. */
    otherLinkType: number;
    /** pcapng blocks that carry no packet. */
    skippedBlocks: number;
    /** A record cut off at the end of the file (dropped, as libpcap does). */
    truncatedTail: boolean;
    warnings: string[];
  };
}

/** Read the trace once, streaming, to learn its facts (errors name the file and offset). */
export async function scanTrace(file: string): Promise<TraceFacts> {
  const reader = readPcap(file);
  let packets = 0;
  let other = 0;
  let linkType = -1;
  for await (const batch of reader.batches()) {
    for (const r of batch) {
      if (linkType < 0) linkType = r.linkType;
      if (r.linkType === linkType) packets++;
      else other++;
    }
  }
  const s = reader.stats;
  const iface = s.interfaces[0];
  return {
    file,
    packets,
    linkType: linkType < 0 ? (iface?.linkType ?? 1) : linkType,
    snapLen: Math.max(iface?.snapLen ?? 0, 65535),
    nanosecond: s.nanosecond === true,
    skipped: {
      nonMonotonic: s.nonMonotonic,
      otherLinkType: other,
      skippedBlocks: s.skippedBlocks,
      truncatedTail: s.truncatedTail !== undefined,
      warnings: s.warnings.map((w) => w.message),
    },
  };
}

export interface ReplayOptions {
  /** First packet index to send (default 0). */
  from?: number;
  /** One past the last packet index to send (default: all). */
  to?: number;
  /** Write the pcap global header first (default true; false when it was sent already). */
  header?: boolean;
  /** End the sink after the last packet (default true). */
  end?: boolean;
  /** Stop early (the sink's process died, or the run is ending). */
  signal?: AbortSignal;
}

/** The pcap global header of the replayed stream (a standby gets it at start: libpcap opens `-` by reading it). */
export function replayHeader(facts: TraceFacts): Buffer {
  return encodePcapHeader({ linkType: facts.linkType, snapLen: facts.snapLen, nanosecond: facts.nanosecond });
}

const BATCH_BYTES = 1 << 16;

/** A classic pcap record header for `r` (the global header says which timestamp unit). */
function recordHeader(r: PcapRecord, nanosecond: boolean): Buffer {
  const h = Buffer.allocUnsafe(16);
  h.writeUInt32LE(r.tsSec >>> 0, 0);
  h.writeUInt32LE(nanosecond ? r.tsNsec : r.tsUsec, 4);
  h.writeUInt32LE(r.capLen, 8);
  h.writeUInt32LE(r.origLen, 12);
  return h;
}

function write(sink: Writable, b: Buffer): Promise<void> | null {
  return sink.write(b) ? null : new Promise((resolve) => {
    const done = (): void => {
      sink.off('drain', done);
      sink.off('close', done);
      resolve();
    };
    sink.on('drain', done);
    sink.on('close', done);
  });
}

/**
 * Stream packets [from, to) of `facts.file` into `sink` and end it. Records
 * leave in ~64 KiB writes, waiting for 'drain' (backpressure). Resolves with
 * the number of packets written; a sink that breaks (EPIPE after a kill) or
 * closes ends the replay quietly with what was written.
 */
export async function replay(facts: TraceFacts, sink: Writable, o: ReplayOptions = {}): Promise<number> {
  const from = o.from ?? 0;
  const to = o.to ?? Number.MAX_SAFE_INTEGER;
  let broken = false;
  const onError = (): void => {
    broken = true;
  };
  sink.on('error', onError);
  sink.once('close', onError);
  const parts: Buffer[] = o.header === false ? [] : [replayHeader(facts)];
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (parts.length === 0 || broken) return;
    const b = Buffer.concat(parts);
    parts.length = 0;
    bytes = 0;
    await write(sink, b);
  };
  let i = 0;
  let written = 0;
  const reader = readPcap(facts.file);
  outer: for await (const batch of reader.batches()) {
    for (const r of batch as PcapRecord[]) {
      if (r.linkType !== facts.linkType) continue;
      if (i >= to || broken || o.signal?.aborted) break outer;
      if (i >= from) {
        parts.push(recordHeader(r, facts.nanosecond), Buffer.from(r.data));
        bytes += 16 + r.capLen;
        written++;
        if (bytes >= BATCH_BYTES) await flush();
      }
      i++;
    }
  }
  await flush();
  sink.off('error', onError);
  if (o.end !== false && !broken && !sink.destroyed) sink.end();
  return written;
}

/** Traces up to this size are held in memory for the standby's feed. */
const IMAGE_MAX_BYTES = 256 << 20;

/** The replayed record stream of a trace in memory, with where each packet starts. */
export interface ReplayImage {
  bytes: Buffer;
  /** offsets[i]: start of packet i's record; offsets[packets] = bytes.length. */
  offsets: number[];
}

/**
 * Read the records once into memory (null past IMAGE_MAX_BYTES): a failover
 * then feeds the standby from any packet at once instead of reading the file
 * from its start to find it.
 */
export async function replayImage(facts: TraceFacts): Promise<ReplayImage | null> {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let size = 0;
  for await (const batch of readPcap(facts.file).batches()) {
    for (const r of batch as PcapRecord[]) {
      if (r.linkType !== facts.linkType) continue;
      offsets.push(size);
      parts.push(recordHeader(r, facts.nanosecond), Buffer.from(r.data));
      size += 16 + r.capLen;
      if (size > IMAGE_MAX_BYTES) return null;
    }
  }
  offsets.push(size);
  return { bytes: Buffer.concat(parts, size), offsets };
}

/** Write packets [from, end) of an image into `sink` in one write, then end it. */
export function replayFromImage(image: ReplayImage, sink: Writable, from: number): Promise<number> {
  const start = image.offsets[Math.min(from, image.offsets.length - 1)]!;
  const n = image.offsets.length - 1 - Math.min(from, image.offsets.length - 1);
  return new Promise((resolve) => {
    const done = (): void => resolve(n);
    if (sink.destroyed || sink.writableEnded) return done();
    sink.on('error', () => {}); // EPIPE after the middlebox exits: its exit is reported elsewhere
    sink.end(image.bytes.subarray(start), done);
    sink.once('close', done);
  });
}

// Offline replay: stream a trace's records [from, to) into a middlebox's stdin
// as a classic pcap (the global header written once, records in order), with
// backpressure; plus one scan of the trace for its size and what was skipped.
import type { Writable } from 'node:stream';
import { PcapWriter, readPcap, type PcapRecord } from '../pcap/index.js';

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
  /** Stop early (the sink's process died, or the run is ending). */
  signal?: AbortSignal;
  /** Called after each packet is handed to the writer, with its index. */
  onPacket?: (index: number) => void;
}

/**
 * Stream packets [from, to) of `facts.file` into `sink` and end it. Resolves
 * with the number of packets written; a sink that breaks (EPIPE after a kill)
 * ends the replay quietly with what was written.
 */
export async function replay(facts: TraceFacts, sink: Writable, o: ReplayOptions = {}): Promise<number> {
  const from = o.from ?? 0;
  const to = o.to ?? Number.MAX_SAFE_INTEGER;
  let broken = false;
  sink.on('error', () => (broken = true));
  // A writer waiting for 'drain' from a killed process would wait forever: fail the sink instead.
  const onAbort = (): void => {
    broken = true;
    sink.destroy(new Error('replay aborted'));
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  sink.once('close', () => {
    if (!sink.writableFinished) onAbort();
  });
  const writer = new PcapWriter(sink, { linkType: facts.linkType, snapLen: facts.snapLen, nanosecond: facts.nanosecond });
  let i = 0;
  let written = 0;
  const reader = readPcap(facts.file);
  try {
    outer: for await (const batch of reader.batches()) {
      for (const r of batch as PcapRecord[]) {
        if (r.linkType !== facts.linkType) continue;
        if (i >= to || broken || o.signal?.aborted) break outer;
        if (i >= from) {
          await writer.write({ tsSec: r.tsSec, tsUsec: r.tsUsec, tsNsec: r.tsNsec, origLen: r.origLen, data: r.data });
          written++;
          o.onPacket?.(i);
        }
        i++;
      }
    }
    if (!broken) await writer.close();
  } catch (e) {
    if (!broken && !o.signal?.aborted) throw e;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
  return written;
}

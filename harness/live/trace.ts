// The trace as live replay needs it: every Ethernet frame in memory, in order,
// with what cannot be sent on a veth counted rather than silently dropped.
import { readPcap } from '../pcap/index.js';
import { inputError } from '../errors.js';

/** Ethernet (DLT_EN10MB): the only link type a veth carries. */
const LINKTYPE_ETHERNET = 1;
/** The Ethernet header: a shorter frame cannot be sent on a packet socket. */
const MIN_FRAME = 14;
/** Largest frame a veth carries (its MTU limit is 65535 + header). */
const MAX_FRAME = 65535;

export interface LiveTrace {
  file: string;
  /** Frames in trace order; index i is the i-th frame injected. */
  frames: Buffer[];
  /** Trace record index of each injected frame. */
  recordIndex: number[];
  /** Largest frame: the data links' MTU is set from it. */
  maxFrame: number;
  skipped: { shorterThanHeader: number; longerThanMtu: number; cutShort: number; otherLinkType: number };
}

export async function loadLiveTrace(file: string): Promise<LiveTrace> {
  const frames: Buffer[] = [];
  const recordIndex: number[] = [];
  const skipped = { shorterThanHeader: 0, longerThanMtu: 0, cutShort: 0, otherLinkType: 0 };
  let firstLink = -1;
  let maxFrame = 0;
  for await (const batch of readPcap(file).batches()) {
    for (const r of batch) {
      if (firstLink < 0) {
        firstLink = r.linkType;
        if (firstLink !== LINKTYPE_ETHERNET) throw inputError(`live replay needs an Ethernet trace (link type 1); this one is link type ${firstLink}`, { file });
      }
      if (r.linkType !== LINKTYPE_ETHERNET) {
        skipped.otherLinkType++;
        continue;
      }
      if (r.capLen < MIN_FRAME) {
        skipped.shorterThanHeader++;
        continue;
      }
      if (r.capLen > MAX_FRAME) {
        skipped.longerThanMtu++;
        continue;
      }
      // A frame cut short by the capture goes on the wire at its captured length.
      if (r.capLen < r.origLen) skipped.cutShort++;
      frames.push(Buffer.from(r.data));
      recordIndex.push(r.index);
      maxFrame = Math.max(maxFrame, r.capLen);
    }
  }
  if (frames.length === 0) throw inputError('the trace has no Ethernet frame to replay live', { file });
  return { file, frames, recordIndex, maxFrame, skipped };
}

// A middlebox's two outputs (log file, packet-output pcap) read back for the
// checker, optionally cut at output-commit marks (byte sizes the primary
// reported after the last packet whose state the standby applied).
import { existsSync, readFileSync } from 'node:fs';
import { parsePcapBuffer } from '../pcap/index.js';
import { StatelabError } from '../errors.js';
import { logLines, toOutPackets, type OutPacket } from './equivalence.js';

export interface OutputFiles {
  log: string;
  pcap: string;
}

export interface Outputs {
  lines: string[];
  packets: OutPacket[];
  logBytes: number;
  pcapBytes: number;
}

/** Marks are in the order of SA_OUTPUTS: [log, pcap]. */
export type OutMarks = readonly number[];

const PCAP_HEADER = 24;

function readCut(file: string, cut: number | undefined): Buffer {
  if (!existsSync(file)) return Buffer.alloc(0);
  const b = readFileSync(file);
  if (cut === undefined) return b;
  if (cut > b.length) {
    // The middlebox reported bytes it never wrote: the commit would be a lie.
    throw new StatelabError('E_CHECK_FAILED', `output-commit mark ${cut} is beyond the end of ${file} (${b.length} bytes)`);
  }
  return b.subarray(0, cut);
}

/** Read outputs; with `marks`, only the committed prefix of each file. */
export function readOutputs(files: OutputFiles, marks?: OutMarks): Outputs {
  const log = readCut(files.log, marks?.[0]);
  const pcap = readCut(files.pcap, marks?.[1]);
  let packets: OutPacket[] = [];
  if (pcap.length >= PCAP_HEADER) {
    try {
      packets = toOutPackets(parsePcapBuffer(pcap, files.pcap, { strict: true }).records);
    } catch (e) {
      throw new StatelabError('E_CHECK_FAILED', `packet output ${files.pcap}${marks ? ` cut at ${marks[1]} bytes` : ''} is not a whole pcap: ${(e as Error).message}`);
    }
  }
  // A cut inside a line is a torn commit: the line-by-line checker would not see one that only
  // drops the last newline, so it is refused here, as a cut inside a pcap record is above.
  if (marks && log.length > 0 && log[log.length - 1] !== 0x0a) {
    throw new StatelabError('E_CHECK_FAILED', `output-commit mark ${marks[0]} of ${files.log} falls inside a line (a torn commit)`);
  }
  return { lines: logLines(log.toString('utf8')), packets, logBytes: log.length, pcapBytes: pcap.length };
}

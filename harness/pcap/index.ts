// Public surface of harness/pcap: streaming pcap/pcapng reading and writing,
// byte encoders for fixtures, packet decoding and trace summaries.
export type { PcapRecord, PcapStats, PcapInterface, PcapWarning, PcapFormat, Endian, ReadOptions } from './types.js';
export { readPcap, parsePcapBuffer, forEachPcapRecord, readPcapFileSync, type PcapReader } from './reader.js';
export { PcapParser, type RecordSink } from './parser.js';
export { PcapWriter, writePcapFile, type WriterOptions } from './writer.js';
export {
  encodePcap,
  encodePcapHeader,
  encodeBlock,
  encodeShb,
  encodeIdb,
  encodeEpb,
  encodeSpb,
  type PacketToWrite,
  type PcapHeaderOptions,
  type IdbOptions,
} from './encode.js';
export { decodePacket, flowKey, ETHERTYPE, IPPROTO, type DecodedPacket, type L3, type L4 } from './decode.js';
export { traceInfo, TraceInfoBuilder, type TraceInfo } from './info.js';
export { LINKTYPE, linkTypeName, MAX_SNAPLEN } from './constants.js';
export { pcapError } from './errors.js';

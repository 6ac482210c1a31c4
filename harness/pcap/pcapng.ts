// pcapng block decoding (draft-ietf-opsawg-pcapng): SHB in either byte order,
// IDB with if_tsresol/if_tsoffset, EPB, SPB, obsolete PB; other blocks skipped.
import { pcapError } from './errors.js';
import {
  IF_NAME,
  IF_TSOFFSET,
  IF_TSRESOL,
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_EPB,
  PCAPNG_IDB,
  PCAPNG_MAX_BLOCK,
  PCAPNG_PB_OBSOLETE,
  PCAPNG_SHB,
  PCAPNG_SPB,
} from './constants.js';
import type { PcapInterface } from './types.js';
import type { PcapParser, RecordSink } from './parser.js';

/** One section: its byte order and the interfaces its IDBs declared, in order. */
export interface PcapngSection {
  le: boolean;
  index: number;
  interfaces: PcapInterface[];
}

const TWO32 = 4294967296;

/**
 * Decode the block at buf[pos]; returns the bytes it spans, or 0 when the
 * buffer does not yet hold all of it. `at` is the block's file offset.
 */
export function decodeBlock(p: PcapParser, buf: Buffer, pos: number, at: number, out: RecordSink): number {
  const avail = buf.length - pos;
  if (avail < 12) return 0;
  const file = p.fileName;
  let sec = p.currentSection;
  const typeBE = buf.readUInt32BE(pos);
  let le: boolean;
  if (typeBE === PCAPNG_SHB) {
    const bom = buf.readUInt32LE(pos + 8);
    if (bom === PCAPNG_BYTE_ORDER_MAGIC) le = true;
    else if (buf.readUInt32BE(pos + 8) === PCAPNG_BYTE_ORDER_MAGIC) le = false;
    else throw pcapError(file, at + 8, `section header block has bad byte-order magic 0x${buf.readUInt32BE(pos + 8).toString(16)}`);
  } else {
    if (sec === null) throw pcapError(file, at, 'pcapng file does not start with a section header block');
    le = sec.le;
  }
  const u32 = (o: number): number => (le ? buf.readUInt32LE(pos + o) : buf.readUInt32BE(pos + o));
  const u16 = (o: number): number => (le ? buf.readUInt16LE(pos + o) : buf.readUInt16BE(pos + o));
  const type = u32(0);
  const total = u32(4);
  if (total < 12 || total % 4 !== 0) throw pcapError(file, at + 4, `block type 0x${type.toString(16)} has invalid total length ${total} (must be a multiple of 4, at least 12)`);
  if (total > PCAPNG_MAX_BLOCK) throw pcapError(file, at + 4, `block type 0x${type.toString(16)} claims length ${total} > ${PCAPNG_MAX_BLOCK}`);
  if (avail < total) return 0;
  const trailer = u32(total - 4);
  if (trailer !== total) throw pcapError(file, at + total - 4, `block type 0x${type.toString(16)}: trailing length ${trailer} differs from leading length ${total}`);
  const bodyEnd = total - 4; // relative to pos

  switch (type) {
    case PCAPNG_SHB: {
      if (total < 28) throw pcapError(file, at + 4, `section header block too short (${total} bytes, need 28)`);
      const major = u16(12);
      const minor = u16(14);
      if (major !== 1) throw pcapError(file, at + 12, `unsupported pcapng version ${major}.${minor}`);
      sec = { le, index: (p.currentSection?.index ?? -1) + 1, interfaces: [] };
      p.startSection(sec, `${major}.${minor}`);
      return total;
    }
    case PCAPNG_IDB: {
      if (total < 20) throw pcapError(file, at + 4, `interface description block too short (${total} bytes)`);
      const iface: PcapInterface = {
        section: (sec as PcapngSection).index,
        linkType: u16(8),
        snapLen: u32(12),
        unitsPerSecond: 1e6,
        tsOffsetSec: 0,
      };
      readIdbOptions(p, buf, pos, 16, bodyEnd, at, le, iface);
      (sec as PcapngSection).interfaces.push(iface);
      p.addInterface(iface);
      return total;
    }
    case PCAPNG_EPB:
    case PCAPNG_PB_OBSOLETE: {
      if (total < 32) throw pcapError(file, at + 4, `packet block too short (${total} bytes)`);
      const ifId = type === PCAPNG_EPB ? u32(8) : u16(8);
      const iface = interfaceOf(p, sec as PcapngSection, ifId, at + 8);
      const capLen = u32(20);
      const origLen = u32(24);
      checkCapLen(p, iface, capLen, at + 20);
      if (28 + capLen > bodyEnd) throw pcapError(file, at + 20, `packet block caplen ${capLen} overruns its block of ${total} bytes`);
      const [tsSec, tsNsec] = timestamp(iface, u32(12), u32(16));
      p.emit(out, tsSec, tsNsec, capLen, origLen, iface.linkType, ifId, buf.subarray(pos + 28, pos + 28 + capLen), at);
      return total;
    }
    case PCAPNG_SPB: {
      if (total < 16) throw pcapError(file, at + 4, `simple packet block too short (${total} bytes)`);
      const iface = interfaceOf(p, sec as PcapngSection, 0, at);
      const origLen = u32(8);
      // The SPB has no caplen: it is the wire length cut to the snaplen and to the block.
      let capLen = Math.min(origLen, bodyEnd - 12);
      if (iface.snapLen > 0) capLen = Math.min(capLen, iface.snapLen);
      // No timestamp in an SPB: libpcap reports 0, and so do we.
      p.emit(out, 0, 0, capLen, origLen, iface.linkType, 0, buf.subarray(pos + 12, pos + 12 + capLen), at);
      return total;
    }
    default:
      // NRB, ISB, DSB, custom and unknown blocks carry no packet: skip them whole.
      p.skipBlock();
      return total;
  }
}

function interfaceOf(p: PcapParser, sec: PcapngSection, id: number, at: number): PcapInterface {
  const iface = sec.interfaces[id];
  if (iface === undefined) throw pcapError(p.fileName, at, `packet refers to interface ${id}, but section ${sec.index} declares ${sec.interfaces.length}`);
  return iface;
}

function checkCapLen(p: PcapParser, iface: PcapInterface, capLen: number, at: number): void {
  if (iface.snapLen > 0 && capLen > iface.snapLen) throw pcapError(p.fileName, at, `record claims caplen ${capLen} > snaplen ${iface.snapLen}`);
}

/** Walk IDB options: if_tsresol sets the unit, if_tsoffset the epoch shift, if_name the name. */
function readIdbOptions(p: PcapParser, buf: Buffer, pos: number, o: number, bodyEnd: number, at: number, le: boolean, iface: PcapInterface): void {
  while (o + 4 <= bodyEnd) {
    const code = le ? buf.readUInt16LE(pos + o) : buf.readUInt16BE(pos + o);
    const len = le ? buf.readUInt16LE(pos + o + 2) : buf.readUInt16BE(pos + o + 2);
    if (code === 0) return;
    const v = pos + o + 4;
    if (o + 4 + len > bodyEnd) throw pcapError(p.fileName, at + o, `IDB option ${code} of length ${len} overruns its block`);
    if (code === IF_TSRESOL && len >= 1) {
      const r = buf[v];
      const exp = r & 0x7f;
      // High bit set: a negative power of two; clear: a negative power of ten.
      if ((r & 0x80) !== 0 ? exp > 63 : exp > 18) throw pcapError(p.fileName, at + o + 4, `if_tsresol ${r} is out of range`);
      iface.unitsPerSecond = (r & 0x80) !== 0 ? 2 ** exp : 10 ** exp;
    } else if (code === IF_TSOFFSET && len >= 8) {
      iface.tsOffsetSec = Number(le ? buf.readBigInt64LE(v) : buf.readBigInt64BE(v));
    } else if (code === IF_NAME) {
      iface.name = buf.toString('utf8', v, v + len).replace(/\0+$/, '');
    }
    o += 4 + ((len + 3) & ~3);
  }
}

/** (high, low) timestamp in interface units → (seconds, nanoseconds). */
function timestamp(iface: PcapInterface, hi: number, lo: number): [number, number] {
  const ups = iface.unitsPerSecond;
  if (ups === 1e6 && hi < 0x200000) {
    // Fast path: the 64-bit count fits a double exactly.
    const units = hi * TWO32 + lo;
    const sec = Math.floor(units / 1e6);
    return [sec + iface.tsOffsetSec, (units - sec * 1e6) * 1000];
  }
  const units = (BigInt(hi) << 32n) | BigInt(lo);
  if (Number.isInteger(ups) && ups <= Number.MAX_SAFE_INTEGER) {
    const u = BigInt(ups);
    const sec = units / u;
    const frac = units % u;
    return [Number(sec) + iface.tsOffsetSec, Number((frac * 1_000_000_000n) / u)];
  }
  const log2 = Math.log2(ups);
  if (Number.isInteger(log2)) {
    // 2^n with n > 53: keep the seconds exact via the exponent.
    const sec = units >> BigInt(log2);
    const frac = units & ((1n << BigInt(log2)) - 1n);
    return [Number(sec) + iface.tsOffsetSec, Number((frac * 1_000_000_000n) >> BigInt(log2))];
  }
  // 10^n with n > 15 (finer than a femtosecond): exact through BigInt powers of ten.
  const u = 10n ** BigInt(Math.round(Math.log10(ups)));
  return [Number(units / u) + iface.tsOffsetSec, Number(((units % u) * 1_000_000_000n) / u)];
}

// Byte encoders for classic pcap headers/records and pcapng blocks (SHB, IDB,
// EPB, SPB, obsolete PB, any raw block), in either byte order.
import {
  IF_NAME,
  IF_TSOFFSET,
  IF_TSRESOL,
  LINKTYPE,
  MAX_SNAPLEN,
  PCAP_MAGIC_NSEC,
  PCAP_MAGIC_USEC,
  PCAP_VERSION_MAJOR,
  PCAP_VERSION_MINOR,
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_EPB,
  PCAPNG_IDB,
  PCAPNG_PB_OBSOLETE,
  PCAPNG_SHB,
  PCAPNG_SPB,
} from './constants.js';
import type { Endian } from './types.js';

/** A packet to write: the timestamp as seconds plus µs or ns, and the bytes. */
export interface PacketToWrite {
  tsSec: number;
  tsUsec?: number;
  tsNsec?: number;
  /** Wire length; defaults to data.length (and is never less than the bytes written). */
  origLen?: number;
  data: Buffer;
}

export interface PcapHeaderOptions {
  linkType?: number;
  snapLen?: number;
  nanosecond?: boolean;
  endian?: Endian;
}

export function encodePcapHeader(o: PcapHeaderOptions = {}): Buffer {
  const b = Buffer.alloc(24);
  const le = (o.endian ?? 'le') === 'le';
  const w32 = (v: number, at: number): number => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  const w16 = (v: number, at: number): number => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  w32(o.nanosecond ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC, 0);
  w16(PCAP_VERSION_MAJOR, 4);
  w16(PCAP_VERSION_MINOR, 6);
  w32(0, 8); // thiszone: always 0 in practice (libpcap writes 0)
  w32(0, 12); // sigfigs
  w32(o.snapLen ?? MAX_SNAPLEN, 16);
  w32(o.linkType ?? LINKTYPE.ETHERNET, 20);
  return b;
}

/** Fraction of the second in the file's unit (µs or ns). */
function fraction(p: PacketToWrite, nanosecond: boolean): number {
  if (nanosecond) return p.tsNsec ?? (p.tsUsec ?? 0) * 1000;
  return p.tsUsec ?? Math.floor((p.tsNsec ?? 0) / 1000);
}

/** One classic record (header + bytes cut to snapLen) into `out` at `at`; returns bytes written. */
export function encodePcapRecordInto(out: Buffer, at: number, p: PacketToWrite, o: Required<PcapHeaderOptions>): number {
  const capLen = Math.min(p.data.length, o.snapLen);
  const origLen = Math.max(p.origLen ?? p.data.length, capLen);
  if (o.endian === 'le') {
    out.writeUInt32LE(p.tsSec >>> 0, at);
    out.writeUInt32LE(fraction(p, o.nanosecond), at + 4);
    out.writeUInt32LE(capLen, at + 8);
    out.writeUInt32LE(origLen, at + 12);
  } else {
    out.writeUInt32BE(p.tsSec >>> 0, at);
    out.writeUInt32BE(fraction(p, o.nanosecond), at + 4);
    out.writeUInt32BE(capLen, at + 8);
    out.writeUInt32BE(origLen, at + 12);
  }
  p.data.copy(out, at + 16, 0, capLen);
  return 16 + capLen;
}

export function resolveHeaderOptions(o: PcapHeaderOptions = {}): Required<PcapHeaderOptions> {
  return {
    linkType: o.linkType ?? LINKTYPE.ETHERNET,
    snapLen: o.snapLen ?? MAX_SNAPLEN,
    nanosecond: o.nanosecond ?? false,
    endian: o.endian ?? 'le',
  };
}

/** A whole classic pcap file in one buffer. */
export function encodePcap(packets: Iterable<PacketToWrite>, o: PcapHeaderOptions = {}): Buffer {
  const opts = resolveHeaderOptions(o);
  const list = Array.from(packets);
  let size = 24;
  for (const p of list) size += 16 + Math.min(p.data.length, opts.snapLen);
  const out = Buffer.alloc(size);
  encodePcapHeader(opts).copy(out, 0);
  let at = 24;
  for (const p of list) at += encodePcapRecordInto(out, at, p, opts);
  return out;
}

// ---- pcapng ----

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** A raw block: type, body (padded to 4), both lengths. Also used by tests for unknown blocks. */
export function encodeBlock(type: number, body: Buffer, endian: Endian = 'le'): Buffer {
  const total = 12 + pad4(body.length);
  const b = Buffer.alloc(total);
  const le = endian === 'le';
  if (le) {
    b.writeUInt32LE(type >>> 0, 0);
    b.writeUInt32LE(total, 4);
    b.writeUInt32LE(total, total - 4);
  } else {
    b.writeUInt32BE(type >>> 0, 0);
    b.writeUInt32BE(total, 4);
    b.writeUInt32BE(total, total - 4);
  }
  body.copy(b, 8);
  return b;
}

interface Option {
  code: number;
  value: Buffer;
}

function encodeOptions(opts: Option[], endian: Endian): Buffer {
  if (opts.length === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (const { code, value } of opts) {
    const h = Buffer.alloc(4 + pad4(value.length));
    if (endian === 'le') {
      h.writeUInt16LE(code, 0);
      h.writeUInt16LE(value.length, 2);
    } else {
      h.writeUInt16BE(code, 0);
      h.writeUInt16BE(value.length, 2);
    }
    value.copy(h, 4);
    parts.push(h);
  }
  parts.push(Buffer.alloc(4)); // opt_endofopt
  return Buffer.concat(parts);
}

export function encodeShb(endian: Endian = 'le'): Buffer {
  const body = Buffer.alloc(16);
  if (endian === 'le') {
    body.writeUInt32LE(PCAPNG_BYTE_ORDER_MAGIC, 0);
    body.writeUInt16LE(1, 4);
    body.writeUInt16LE(0, 6);
  } else {
    body.writeUInt32BE(PCAPNG_BYTE_ORDER_MAGIC, 0);
    body.writeUInt16BE(1, 4);
    body.writeUInt16BE(0, 6);
  }
  body.writeBigInt64LE(-1n, 8); // section length unknown (-1 reads the same in both orders)
  return encodeBlock(PCAPNG_SHB, body, endian);
}

export interface IdbOptions {
  linkType?: number;
  snapLen?: number;
  /** Raw if_tsresol byte: 6 = µs (the default, then omitted), 9 = ns, 0x80|n = 2^-n. */
  tsresol?: number;
  tsOffsetSec?: number;
  name?: string;
}

export function encodeIdb(o: IdbOptions = {}, endian: Endian = 'le'): Buffer {
  const opts: Option[] = [];
  if (o.name !== undefined) opts.push({ code: IF_NAME, value: Buffer.from(o.name, 'utf8') });
  if (o.tsresol !== undefined && o.tsresol !== 6) opts.push({ code: IF_TSRESOL, value: Buffer.from([o.tsresol]) });
  if (o.tsOffsetSec !== undefined) {
    const v = Buffer.alloc(8);
    if (endian === 'le') v.writeBigInt64LE(BigInt(o.tsOffsetSec));
    else v.writeBigInt64BE(BigInt(o.tsOffsetSec));
    opts.push({ code: IF_TSOFFSET, value: v });
  }
  const fixed = Buffer.alloc(8);
  if (endian === 'le') {
    fixed.writeUInt16LE(o.linkType ?? LINKTYPE.ETHERNET, 0);
    fixed.writeUInt32LE(o.snapLen ?? MAX_SNAPLEN, 4);
  } else {
    fixed.writeUInt16BE(o.linkType ?? LINKTYPE.ETHERNET, 0);
    fixed.writeUInt32BE(o.snapLen ?? MAX_SNAPLEN, 4);
  }
  return encodeBlock(PCAPNG_IDB, Buffer.concat([fixed, encodeOptions(opts, endian)]), endian);
}

/** Enhanced (or, with `obsolete`, the old Packet Block); `units` is the timestamp in the interface's units. */
export function encodeEpb(interfaceId: number, units: bigint, data: Buffer, origLen = data.length, endian: Endian = 'le', obsolete = false): Buffer {
  const fixed = Buffer.alloc(20);
  const hi = Number(units >> 32n);
  const lo = Number(units & 0xffffffffn);
  const w32 = (v: number, at: number): number => (endian === 'le' ? fixed.writeUInt32LE(v, at) : fixed.writeUInt32BE(v, at));
  if (obsolete) {
    if (endian === 'le') fixed.writeUInt16LE(interfaceId, 0);
    else fixed.writeUInt16BE(interfaceId, 0);
  } else {
    w32(interfaceId, 0);
  }
  w32(hi, 4);
  w32(lo, 8);
  w32(data.length, 12);
  w32(origLen, 16);
  const body = Buffer.concat([fixed, data, Buffer.alloc(pad4(data.length) - data.length)]);
  return encodeBlock(obsolete ? PCAPNG_PB_OBSOLETE : PCAPNG_EPB, body, endian);
}

export function encodeSpb(data: Buffer, origLen = data.length, endian: Endian = 'le'): Buffer {
  const fixed = Buffer.alloc(4);
  if (endian === 'le') fixed.writeUInt32LE(origLen, 0);
  else fixed.writeUInt32BE(origLen, 0);
  return encodeBlock(PCAPNG_SPB, Buffer.concat([fixed, data]), endian);
}

/** Timestamp of a packet in the units of if_tsresol 6 (µs) or 9 (ns). */
export function packetUnits(p: PacketToWrite, nanosecond: boolean): bigint {
  return BigInt(p.tsSec) * (nanosecond ? 1_000_000_000n : 1_000_000n) + BigInt(fraction(p, nanosecond));
}

// The push parser behind every reader: fed byte chunks in file order, it emits
// complete records of classic pcap or pcapng and keeps partial ones for later.
import { pcapError } from './errors.js';
import {
  MAX_SNAPLEN,
  PCAP_FILE_HEADER_LEN,
  PCAP_MAGIC_KUZNETZOV,
  PCAP_MAGIC_NSEC,
  PCAP_MAGIC_USEC,
  PCAP_RECORD_HEADER_LEN,
  PCAPNG_SHB,
} from './constants.js';
import { decodeBlock, type PcapngSection } from './pcapng.js';
import type { PcapInterface, PcapRecord, PcapStats, ReadOptions } from './types.js';

const MAX_STORED_WARNINGS = 100;
/** Bytes of a new chunk used to complete a record split across chunks (> libpcap's largest record). */
const BRIDGE = MAX_SNAPLEN + 64;

/** Parser state: which format, and where in it we are. */
type Mode = 'detect' | 'pcap' | 'pcapng';

/** Where complete records go: an array, or anything with a push method (a callback sink). */
export interface RecordSink {
  push(r: PcapRecord): unknown;
}

export class PcapParser {
  readonly stats: PcapStats;
  private readonly file: string;
  private readonly strict: boolean;
  private readonly maxCapLen: number;
  private mode: Mode = 'detect';
  /** Bytes of an unfinished unit carried over from the previous chunk. */
  private pending: Buffer | null = null;
  /** File offset of the first byte of `pending` (or of the next chunk when none). */
  private base = 0;
  private ended = false;
  // classic pcap
  private le = true;
  private nsec = false;
  private recHdrLen = PCAP_RECORD_HEADER_LEN;
  private capLimit = MAX_SNAPLEN;
  private linkType = 0;
  // pcapng
  private section: PcapngSection | null = null;
  // timestamps
  private prevSec = -Infinity;
  private prevNsec = 0;

  constructor(file: string, options: ReadOptions = {}) {
    this.file = file;
    this.strict = options.strict ?? false;
    this.maxCapLen = options.maxCapLen ?? MAX_SNAPLEN;
    this.stats = {
      file,
      interfaces: [],
      sections: 0,
      records: 0,
      nonMonotonic: 0,
      skippedBlocks: 0,
      warnings: [],
      bytesRead: 0,
    };
  }

  /** Feed the next chunk of the file; complete records are appended to `out`. */
  push(chunk: Buffer, out: RecordSink): void {
    if (this.ended) throw new Error('PcapParser.push after end');
    this.stats.bytesRead += chunk.length;
    let buf = chunk;
    const pend = this.pending;
    if (pend !== null && pend.length > 0) {
      // Finish the unit left over from the last chunk on a small bridge buffer, so
      // the new chunk is parsed in place instead of being copied whole.
      const take = Math.min(chunk.length, BRIDGE);
      const bridge = Buffer.concat([pend, chunk.subarray(0, take)]);
      const pos = this.consume(bridge, out);
      if (take === chunk.length) {
        this.base += pos;
        this.pending = pos < bridge.length ? bridge.subarray(pos) : null;
        return;
      }
      this.base += pos;
      if (pos >= pend.length) buf = chunk.subarray(pos - pend.length);
      // The unit is larger than the bridge (a huge pcapng block): fall back to one copy.
      else buf = Buffer.concat([pend.subarray(pos), chunk]);
      this.pending = null;
    }
    const pos = this.consume(buf, out);
    this.base += pos;
    this.pending = pos < buf.length ? buf.subarray(pos) : null;
  }

  /** Signal end of file: a file without header, or an unfinished final unit, is reported here. */
  end(): void {
    this.ended = true;
    const left = this.pending?.length ?? 0;
    if (this.mode === 'detect') {
      throw pcapError(this.file, 0, left === 0 ? 'empty file: no pcap or pcapng header' : `truncated file header: ${left} bytes, too short to identify the format`);
    }
    if (left === 0) return;
    const pend = this.pending as Buffer;
    let needed: number;
    let what: string;
    if (this.mode === 'pcap') {
      if (left < this.recHdrLen) {
        needed = this.recHdrLen;
        what = 'record header';
      } else {
        needed = this.recHdrLen + this.u32(pend, 8);
        what = 'record data';
      }
    } else {
      needed = left >= 8 ? this.blockLength(pend) : 8;
      what = 'block';
    }
    const message = `truncated final ${what}: file ends ${left} bytes into a ${needed}-byte record`;
    if (this.strict) throw pcapError(this.file, this.base, message);
    this.stats.truncatedTail = { offset: this.base, needed, got: left };
    this.warn('truncated-final-record', this.base, message);
  }

  private blockLength(b: Buffer): number {
    if (this.section === null) return b.readUInt32LE(4);
    return this.section.le ? b.readUInt32LE(4) : b.readUInt32BE(4);
  }

  warn(kind: PcapStats['warnings'][number]['kind'], offset: number, message: string): void {
    if (this.stats.warnings.length < MAX_STORED_WARNINGS) this.stats.warnings.push({ kind, offset, message });
  }

  private u32(b: Buffer, at: number): number {
    return this.le ? b.readUInt32LE(at) : b.readUInt32BE(at);
  }

  /** Parse as much of `buf` as forms complete units; returns the position reached. */
  private consume(buf: Buffer, out: RecordSink): number {
    let pos = 0;
    if (this.mode === 'detect') {
      if (buf.length < 4) return 0;
      const be = buf.readUInt32BE(0);
      if (be === PCAPNG_SHB) {
        this.mode = 'pcapng';
        this.stats.format = 'pcapng';
      } else {
        if (buf.length < PCAP_FILE_HEADER_LEN) {
          if (!this.isClassicMagic(buf)) throw this.badMagic(buf);
          return 0;
        }
        this.readClassicHeader(buf);
        pos = PCAP_FILE_HEADER_LEN;
      }
    }
    if (this.mode === 'pcap') return this.consumeClassic(buf, pos, out);
    return this.consumePcapng(buf, pos, out);
  }

  private isClassicMagic(buf: Buffer): boolean {
    const m = [PCAP_MAGIC_USEC, PCAP_MAGIC_NSEC, PCAP_MAGIC_KUZNETZOV];
    return m.includes(buf.readUInt32LE(0)) || m.includes(buf.readUInt32BE(0));
  }

  private badMagic(buf: Buffer): Error {
    return pcapError(this.file, 0, `bad magic 0x${buf.readUInt32BE(0).toString(16).padStart(8, '0')}: not a pcap or pcapng file`);
  }

  private readClassicHeader(buf: Buffer): void {
    const le = buf.readUInt32LE(0);
    const be = buf.readUInt32BE(0);
    let magic: number;
    if (le === PCAP_MAGIC_USEC || le === PCAP_MAGIC_NSEC || le === PCAP_MAGIC_KUZNETZOV) {
      this.le = true;
      magic = le;
    } else if (be === PCAP_MAGIC_USEC || be === PCAP_MAGIC_NSEC || be === PCAP_MAGIC_KUZNETZOV) {
      this.le = false;
      magic = be;
    } else {
      throw this.badMagic(buf);
    }
    this.nsec = magic === PCAP_MAGIC_NSEC;
    this.recHdrLen = magic === PCAP_MAGIC_KUZNETZOV ? PCAP_RECORD_HEADER_LEN + 8 : PCAP_RECORD_HEADER_LEN;
    const major = this.le ? buf.readUInt16LE(4) : buf.readUInt16BE(4);
    const minor = this.le ? buf.readUInt16LE(6) : buf.readUInt16BE(6);
    if (major !== 2) throw pcapError(this.file, 4, `unsupported pcap version ${major}.${minor} (expected 2.x)`);
    const snapLen = this.u32(buf, 16);
    // Upper bits carry FCS information (LT_FCS_* in libpcap); the link type is the low 26.
    this.linkType = this.u32(buf, 20) & 0x03ffffff;
    this.capLimit = snapLen > 0 ? snapLen : this.maxCapLen;
    const iface: PcapInterface = {
      section: 0,
      linkType: this.linkType,
      snapLen,
      unitsPerSecond: this.nsec ? 1e9 : 1e6,
      tsOffsetSec: 0,
    };
    this.mode = 'pcap';
    Object.assign(this.stats, {
      format: 'pcap',
      endian: this.le ? 'le' : 'be',
      version: `${major}.${minor}`,
      nanosecond: this.nsec,
      sections: 1,
    });
    this.stats.interfaces.push(iface);
  }

  /** Classic pcap records: 16-byte header (ts_sec, ts_frac, caplen, len) then caplen bytes. */
  private consumeClassic(buf: Buffer, pos: number, out: RecordSink): number {
    const end = buf.length;
    const hl = this.recHdrLen;
    const le = this.le;
    const nsec = this.nsec;
    const linkType = this.linkType;
    const limit = this.capLimit;
    // DataView reads are an order of magnitude cheaper than Buffer.readUInt32LE in this loop.
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
    while (end - pos >= hl) {
      const tsSec = dv.getUint32(pos, le);
      const frac = dv.getUint32(pos + 4, le);
      const capLen = dv.getUint32(pos + 8, le);
      const origLen = dv.getUint32(pos + 12, le);
      if (capLen > limit) {
        throw pcapError(this.file, this.base + pos, `record ${this.stats.records} claims caplen ${capLen} > snaplen ${limit}`);
      }
      if (frac >= (nsec ? 1e9 : 1e6)) {
        throw pcapError(this.file, this.base + pos + 4, `record ${this.stats.records} has a fraction of a second ${frac} >= 1 s (${nsec ? 'ns' : 'µs'} file)`);
      }
      if (end - pos - hl < capLen) break;
      const start = pos + hl;
      pos = start + capLen;
      const tsNsec = nsec ? frac : frac * 1000;
      this.emit(out, tsSec, tsNsec, capLen, origLen, linkType, 0, buf.subarray(start, pos), this.base + start - hl);
    }
    return pos;
  }

  private consumePcapng(buf: Buffer, pos: number, out: RecordSink): number {
    for (;;) {
      const used = decodeBlock(this, buf, pos, this.base + pos, out);
      if (used === 0) return pos;
      pos += used;
    }
  }

  // ---- hooks used by the pcapng block decoder ----

  get fileName(): string {
    return this.file;
  }
  get currentSection(): PcapngSection | null {
    return this.section;
  }
  startSection(s: PcapngSection, version: string): void {
    this.section = s;
    this.stats.sections += 1;
    if (this.stats.sections === 1) {
      this.stats.endian = s.le ? 'le' : 'be';
      this.stats.version = version;
    }
  }
  addInterface(i: PcapInterface): void {
    this.stats.interfaces.push(i);
  }
  skipBlock(): void {
    this.stats.skippedBlocks += 1;
  }

  emit(out: RecordSink, tsSec: number, tsNsec: number, capLen: number, origLen: number, linkType: number, interfaceId: number, data: Buffer, offset: number): void {
    if (tsSec < this.prevSec || (tsSec === this.prevSec && tsNsec < this.prevNsec)) this.stats.nonMonotonic += 1;
    this.prevSec = tsSec;
    this.prevNsec = tsNsec;
    if (capLen > origLen) this.warn('caplen-exceeds-origlen', offset, `record ${this.stats.records}: caplen ${capLen} > wire length ${origLen}`);
    out.push({
      index: this.stats.records++,
      tsSec,
      tsUsec: Math.floor(tsNsec / 1000),
      tsNsec,
      capLen,
      origLen,
      linkType,
      interfaceId,
      data,
    });
  }
}

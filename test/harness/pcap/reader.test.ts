// Classic pcap reading: both byte orders, µs and ns magic, any link type, the
// Kuznetzov variant; values checked against bytes laid out by hand here.
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { forEachPcapRecord, parsePcapBuffer, readPcap, readPcapFileSync } from '../../../harness/pcap/index.js';

/** A file laid out field by field, independently of the library's encoder. */
function handMade(le: boolean, magic: number, linkType: number, recs: [number, number, number, number, number[]][], extraHdr = 0): Buffer {
  const parts: Buffer[] = [];
  const u32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    if (le) b.writeUInt32LE(v);
    else b.writeUInt32BE(v);
    return b;
  };
  const u16 = (v: number): Buffer => {
    const b = Buffer.alloc(2);
    if (le) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  };
  parts.push(u32(magic), u16(2), u16(4), u32(0), u32(0), u32(65535), u32(linkType));
  for (const [s, f, cap, orig, bytes] of recs) parts.push(u32(s), u32(f), u32(cap), u32(orig), Buffer.alloc(extraHdr), Buffer.from(bytes));
  return Buffer.concat(parts);
}

const recs: [number, number, number, number, number[]][] = [
  [1_600_000_000, 999_999, 3, 60, [1, 2, 3]],
  [1_599_999_999, 5, 0, 0, []],
  [1_600_000_001, 0, 2, 2, [0xaa, 0xbb]],
];

describe('classic pcap reader', () => {
  it.each([
    ['little-endian µs', true, 0xa1b2c3d4, 1000],
    ['big-endian µs', false, 0xa1b2c3d4, 1000],
    ['little-endian ns', true, 0xa1b23c4d, 1],
    ['big-endian ns', false, 0xa1b23c4d, 1],
  ])('%s', (_name, le, magic, scale) => {
    const { records, stats } = parsePcapBuffer(handMade(le, magic, 228, recs));
    expect(stats.endian).toBe(le ? 'le' : 'be');
    expect(stats.nanosecond).toBe(scale === 1);
    expect(stats.version).toBe('2.4');
    expect(records.map((r) => [r.index, r.tsSec, r.tsNsec, r.capLen, r.origLen, r.linkType, [...r.data]])).toEqual(
      recs.map(([s, f, cap, orig, bytes], i) => [i, s, f * scale, cap, orig, 228, bytes]),
    );
    expect(records[0].tsUsec).toBe(scale === 1 ? 999 : 999_999);
    expect(stats.nonMonotonic).toBe(1);
  });

  it('reads the Kuznetzov variant (24-byte record headers) and any recorded link type', () => {
    const { records, stats } = parsePcapBuffer(handMade(true, 0xa1b2cd34, 147, recs, 8));
    expect(records.map((r) => [...r.data])).toEqual(recs.map((r) => r[4]));
    expect(stats.interfaces[0].linkType).toBe(147);
  });

  it('masks the FCS bits out of the link type field', () => {
    const b = handMade(true, 0xa1b2c3d4, 1, recs);
    b.writeUInt32LE(0x14000001, 20); // FCS present, 4 bytes: LT_FCS_DATALEN
    expect(parsePcapBuffer(b).stats.interfaces[0].linkType).toBe(1);
  });

  it('streams byte by byte with the same result', async () => {
    const b = handMade(false, 0xa1b23c4d, 1, recs);
    const got = [];
    for await (const r of readPcap(Readable.from([...b].map((x) => Buffer.from([x]))))) got.push([r.tsSec, r.tsNsec, [...r.data]]);
    expect(got).toEqual(parsePcapBuffer(b).records.map((r) => [r.tsSec, r.tsNsec, [...r.data]]));
  });

  it('warns, without failing, when caplen exceeds the wire length', () => {
    const { records, stats } = parsePcapBuffer(handMade(true, 0xa1b2c3d4, 1, [[1, 0, 4, 2, [1, 2, 3, 4]]]));
    expect(records.length).toBe(1);
    expect(stats.warnings.map((w) => [w.kind, w.offset])).toEqual([['caplen-exceeds-origlen', 24]]);
  });

  it('offers the same records through the file, visit and early-exit paths', async () => {
    const path = 'traces/small-mixed.pcap';
    const { records } = readPcapFileSync(path);
    const visited: number[] = [];
    const stats = forEachPcapRecord(readFileSync(path), (r) => visited.push(r.origLen), path);
    expect(visited).toEqual(records.map((r) => r.origLen));
    expect(stats.records).toBe(records.length);
    // Leaving a for-await loop early closes the reader without reading the rest.
    const reader = readPcap(path, { chunkSize: 4096 });
    let n = 0;
    for await (const _r of reader) if (++n === 5) break;
    expect(n).toBe(5);
    expect(reader.stats.bytesRead).toBeLessThan(records.length * 10);
    expect(() => readPcapFileSync('/nonexistent.pcap')).toThrow('/nonexistent.pcap (byte 0): cannot read: ENOENT');
  });
});

// pcapng reading: sections in both byte orders, interfaces with if_tsresol and
// if_tsoffset, EPB/SPB/obsolete PB, skipped blocks; checked against hand-computed
// values and against libpcap on the committed pcapng trace.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { encodeBlock, encodeEpb, encodeIdb, encodePcap, encodeShb, encodeSpb, parsePcapBuffer, readPcap, type PcapRecord } from '../../../harness/pcap/index.js';
import { haveTcpdump, libpcapRewrite } from './helpers.js';

const frame = (n: number, fill: number): Buffer => Buffer.alloc(n, fill);

/** Two sections: a big-endian one with µs, ns and 2^-10 interfaces, then a little-endian one. */
function twoSections(): Buffer {
  return Buffer.concat([
    encodeShb('be'),
    encodeIdb({ linkType: 1, snapLen: 1500, name: 'eth0' }, 'be'), // µs
    encodeIdb({ linkType: 101, snapLen: 0, tsresol: 9 }, 'be'), // ns, raw IP
    encodeIdb({ linkType: 1, snapLen: 65535, tsresol: 0x80 | 10, tsOffsetSec: 1000 }, 'be'), // 1/1024 s, +1000 s
    encodeEpb(0, 1_700_000_000_123_456n, frame(60, 1), 60, 'be'),
    encodeBlock(4, Buffer.alloc(8), 'be'), // name resolution block: skipped
    encodeEpb(1, 1_700_000_001_000_000_007n, frame(40, 2), 40, 'be'),
    encodeEpb(2, 5n * 1024n + 512n, frame(61, 3), 100, 'be'),
    encodeEpb(0, 1_700_000_000_000_001n, frame(4, 4), 4, 'be', true), // obsolete PB, earlier: steps backwards
    encodeShb('le'),
    encodeIdb({ linkType: 113, snapLen: 64 }, 'le'),
    encodeSpb(frame(200, 5).subarray(0, 64), 200, 'le'), // SPB: caplen from snaplen
    encodeBlock(0x40000bad, Buffer.alloc(12), 'le'), // custom block: skipped
    encodeBlock(5, Buffer.alloc(16), 'le'), // interface statistics: skipped
    encodeEpb(0, 42n, frame(3, 6), 3, 'le'),
  ]);
}

const view = (r: PcapRecord): unknown[] => [r.index, r.interfaceId, r.linkType, r.tsSec, r.tsNsec, r.capLen, r.origLen, r.data[0]];

describe('pcapng reader', () => {
  it('reads sections of both byte orders, every timestamp resolution, EPB, PB and SPB', () => {
    const { records, stats } = parsePcapBuffer(twoSections(), 'two.pcapng');
    expect(records.map(view)).toEqual([
      [0, 0, 1, 1_700_000_000, 123_456_000, 60, 60, 1],
      [1, 1, 101, 1_700_000_001, 7, 40, 40, 2],
      // 5*1024+512 units of 1/1024 s = 5.5 s, plus if_tsoffset 1000 s
      [2, 2, 1, 1005, 500_000_000, 61, 100, 3],
      [3, 0, 1, 1_700_000_000, 1000, 4, 4, 4],
      // SPB has no timestamp: 0, like libpcap; caplen cut to the IDB snaplen
      [4, 0, 113, 0, 0, 64, 200, 5],
      [5, 0, 113, 0, 42_000, 3, 3, 6],
    ]);
    expect(stats.format).toBe('pcapng');
    expect(stats.endian).toBe('be');
    expect(stats.sections).toBe(2);
    expect(stats.interfaces.map((i) => [i.section, i.linkType, i.unitsPerSecond])).toEqual([
      [0, 1, 1e6],
      [0, 101, 1e9],
      [0, 1, 1024],
      [1, 113, 1e6],
    ]);
    expect(stats.interfaces[0].name).toBe('eth0');
    expect(stats.skippedBlocks).toBe(3);
    // 1.7e9+1 → 1005 steps back, 1005 → 1.7e9 forward, 1.7e9 → 0 back, 0 → 0.000042 forward
    expect(stats.nonMonotonic).toBe(2);
  });

  it('streams the same records when every block is split across chunks', async () => {
    const bytes = twoSections();
    const whole = parsePcapBuffer(bytes).records.map(view);
    for (const size of [1, 3, 13, 64]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const got: unknown[] = [];
      for await (const r of readPcap(Readable.from(chunks))) got.push(view(r));
      expect(got).toEqual(whole);
    }
  });

  it('streams a block larger than any chunk (400 KB packet, 100 KB chunks)', async () => {
    const big = Buffer.alloc(400_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const bytes = Buffer.concat([encodeShb(), encodeIdb({ snapLen: 0 }), encodeEpb(0, 1n, frame(10, 1)), encodeEpb(0, 2n, big), encodeEpb(0, 3n, frame(7, 2))]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 100_000) chunks.push(bytes.subarray(i, i + 100_000));
    const got: PcapRecord[] = [];
    for await (const r of readPcap(Readable.from(chunks))) got.push(r);
    expect(got.map((r) => r.capLen)).toEqual([10, 400_000, 7]);
    expect(got[1].data.equals(big)).toBe(true);
  });

  it('keeps 64-bit nanosecond timestamps exact', () => {
    const units = 4_102_444_800_999_999_999n; // 2100-01-01T00:00:00.999999999Z
    const bytes = Buffer.concat([encodeShb(), encodeIdb({ tsresol: 9 }), encodeEpb(0, units, frame(14, 0))]);
    const [r] = parsePcapBuffer(bytes).records;
    expect([r.tsSec, r.tsNsec, r.tsUsec]).toEqual([4_102_444_800, 999_999_999, 999_999]);
  });

  it.skipIf(!haveTcpdump)('equals libpcap on the committed pcapng trace', () => {
    const path = 'traces/small-mixed.pcapng';
    const { records, stats } = parsePcapBuffer(readFileSync(path), path);
    expect(records.length).toBeGreaterThan(100);
    const ours = encodePcap(records, { snapLen: stats.interfaces[0].snapLen, linkType: stats.interfaces[0].linkType });
    expect(ours.equals(libpcapRewrite(path))).toBe(true);
  });
});

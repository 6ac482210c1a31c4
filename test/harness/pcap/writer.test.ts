// Writing: streaming writer to a file and a stream, both formats, then read back;
// a fast-check property that any records written are read back identical.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { encodePcap, parsePcapBuffer, PcapWriter, readPcap, writePcapFile, type PacketToWrite } from '../../../harness/pcap/index.js';
import { haveTcpdump, libpcapRewrite } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'statelab-pcap-'));

const packetArb = fc.record({
  tsSec: fc.integer({ min: 0, max: 0xffffffff }),
  tsNsec: fc.integer({ min: 0, max: 999_999_999 }),
  data: fc.uint8Array({ minLength: 0, maxLength: 300 }).map((a) => Buffer.from(a)),
  extra: fc.integer({ min: 0, max: 2000 }),
});

describe('pcap writer', () => {
  it('writes a file that reads back, and that libpcap reads identically', async () => {
    const pkts: PacketToWrite[] = Array.from({ length: 5000 }, (_, i) => ({ tsSec: 1000 + i, tsUsec: (i * 7919) % 1_000_000, data: Buffer.alloc(20 + (i % 1500), i & 0xff), origLen: 20 + (i % 1500) + (i % 3) }));
    const path = join(dir, 'w.pcap');
    expect(await writePcapFile(path, pkts, { snapLen: 65535 })).toBe(5000);
    const got = [];
    for await (const r of readPcap(path)) got.push(r);
    expect(got.length).toBe(5000);
    expect(got.every((r, i) => r.tsSec === pkts[i].tsSec && r.tsUsec === pkts[i].tsUsec && r.origLen === pkts[i].origLen && r.data.equals(pkts[i].data))).toBe(true);
    if (haveTcpdump) expect(libpcapRewrite(path).equals(readFileSync(path))).toBe(true);
  });

  it('cuts packets to the snaplen and keeps their wire length', async () => {
    const path = join(dir, 'snap.pcapng');
    await writePcapFile(path, [{ tsSec: 1, tsUsec: 2, data: Buffer.alloc(300, 9) }], { snapLen: 128, format: 'pcapng', nanosecond: true });
    const { records, stats } = parsePcapBuffer(readFileSync(path));
    expect(stats.format).toBe('pcapng');
    expect([records[0].capLen, records[0].origLen, records[0].tsNsec]).toEqual([128, 300, 2000]);
  });

  it('names the file when it cannot be written', async () => {
    await expect(writePcapFile(join(dir, 'no/such/dir.pcap'), [{ tsSec: 0, data: Buffer.alloc(1) }])).rejects.toThrow(`${join(dir, 'no/such/dir.pcap')}: cannot write: ENOENT`);
  });

  it('writes to a stream with backpressure', async () => {
    const sink = new PassThrough({ highWaterMark: 1024 });
    const chunks: Buffer[] = [];
    const w = new PcapWriter(sink, { endian: 'be' });
    const writing = (async () => {
      for (let i = 0; i < 2000; i++) await w.write({ tsSec: i, tsUsec: 0, data: Buffer.alloc(100, i & 0xff) });
      await w.close();
    })();
    sink.on('data', (c: Buffer) => chunks.push(c));
    await writing;
    const { records, stats } = parsePcapBuffer(Buffer.concat(chunks));
    expect(stats.endian).toBe('be');
    expect(records.length).toBe(2000);
    expect(records[1999].data[0]).toBe(1999 & 0xff);
  });

  it('property: random records encoded as classic pcap, either byte order and unit, read back identical', () => {
    fc.assert(
      fc.property(fc.array(packetArb, { maxLength: 40 }), fc.constantFrom('le' as const, 'be' as const), fc.boolean(), (pkts, endian, nanosecond) => {
        const input = pkts.map((p) => ({ tsSec: p.tsSec, tsNsec: p.tsNsec, data: p.data, origLen: p.data.length + p.extra }));
        const { records } = parsePcapBuffer(encodePcap(input, { endian, nanosecond }));
        // A µs file keeps the microseconds only.
        const frac = (n: number): number => (nanosecond ? n : Math.floor(n / 1000) * 1000);
        expect(records.map((r) => [r.tsSec, r.tsNsec, r.origLen, r.data.toString('hex')])).toEqual(input.map((p) => [p.tsSec, frac(p.tsNsec), p.origLen, p.data.toString('hex')]));
      }),
      { numRuns: 200, seed: 61 },
    );
  });

  it('property: the streaming writer (pcap and pcapng) round-trips random records', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(packetArb, { maxLength: 30 }), fc.constantFrom('pcap' as const, 'pcapng' as const), fc.constantFrom('le' as const, 'be' as const), async (pkts, format, endian) => {
        const input = pkts.map((p) => ({ tsSec: p.tsSec, tsNsec: p.tsNsec, data: p.data, origLen: p.data.length + p.extra }));
        const sink = new PassThrough();
        const chunks: Buffer[] = [];
        sink.on('data', (c: Buffer) => chunks.push(c));
        const w = new PcapWriter(sink, { format, endian, nanosecond: true });
        for (const p of input) await w.write(p);
        await w.close();
        const { records, stats } = parsePcapBuffer(Buffer.concat(chunks));
        expect(stats.format).toBe(format);
        expect(records.map((r) => [r.tsSec, r.tsNsec, r.origLen, r.data.toString('hex')])).toEqual(input.map((p) => [p.tsSec, p.tsNsec, p.origLen, p.data.toString('hex')]));
      }),
      { numRuns: 100, seed: 62 },
    );
  });
});

// Corrupt and truncated traces: every failure is an E_PCAP StatelabError naming
// the file and byte offset; a truncated final record is a warning unless strict;
// no mutation of a valid file makes the reader throw anything else.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { encodeBlock, encodeEpb, encodeIdb, encodePcap, encodeShb, parsePcapBuffer, readPcap } from '../../../harness/pcap/index.js';
import { StatelabError } from '../../../harness/errors.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveTcpdump, tcpdumpCount } from './helpers.js';

const pkts = [0, 1, 2].map((i) => ({ tsSec: 100 + i, tsUsec: i, data: Buffer.alloc(50 + i, i) }));
const good = encodePcap(pkts, { snapLen: 65535 });

function pcapErr(fn: () => unknown): StatelabError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StatelabError);
    expect((e as StatelabError).code).toBe('E_PCAP');
    expect((e as StatelabError).exitCode).toBe(2);
    return e as StatelabError;
  }
  throw new Error('expected an E_PCAP error');
}

describe('corrupt classic pcap', () => {
  it('rejects an empty file and a truncated file header at byte 0', () => {
    expect(pcapErr(() => parsePcapBuffer(Buffer.alloc(0), 'empty.pcap')).message).toBe('empty.pcap (byte 0): empty file: no pcap or pcapng header');
    const e = pcapErr(() => parsePcapBuffer(good.subarray(0, 20), 'short.pcap'));
    expect(e.place).toEqual({ file: 'short.pcap', offset: 0 });
    expect(e.message).toMatch(/truncated file header/);
  });

  it('rejects a bad magic number naming it', () => {
    const b = Buffer.from(good);
    b.write('GIF8', 0, 'latin1');
    expect(pcapErr(() => parsePcapBuffer(b, 'x.pcap')).message).toBe('x.pcap (byte 0): bad magic 0x47494638: not a pcap or pcapng file');
  });

  it('rejects an absurd caplen at the offset of its record header', () => {
    const b = Buffer.from(good);
    const second = 24 + 16 + 50; // the second record header
    b.writeUInt32LE(70000, second + 8);
    expect(pcapErr(() => parsePcapBuffer(b, 'trace.pcap')).message).toBe(`trace.pcap (byte ${second}): record 1 claims caplen 70000 > snaplen 65535`);
  });

  it('rejects a fraction of a second that is not one', () => {
    const b = Buffer.from(good);
    b.writeUInt32LE(1_000_000, 24 + 4);
    expect(pcapErr(() => parsePcapBuffer(b, 't.pcap')).place).toEqual({ file: 't.pcap', offset: 28 });
  });

  it('tolerates a truncated final record as a warning, with its offset, and keeps the records before it', () => {
    for (const cut of [3, 16, 30]) {
      const b = good.subarray(0, good.length - (16 + 52) + cut); // inside the last record
      const { records, stats } = parsePcapBuffer(b, 'cut.pcap');
      expect(records.length).toBe(2);
      const at = 24 + 16 + 50 + 16 + 51;
      expect(stats.truncatedTail).toEqual({ offset: at, needed: cut < 16 ? 16 : 16 + 52, got: cut });
      expect(stats.warnings[0].kind).toBe('truncated-final-record');
      const e = pcapErr(() => parsePcapBuffer(b, 'cut.pcap', { strict: true }));
      expect(e.place?.offset).toBe(at);
      expect(e.message).toMatch(/truncated final record (header|data)/);
    }
  });

  it.skipIf(!haveTcpdump)('keeps exactly the records libpcap keeps from a file cut mid-record', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'statelab-cut-')), 'cut.pcap');
    for (const n of [100_000, 54_321]) {
      writeFileSync(f, readFileSync('traces/scan.pcap').subarray(0, n));
      const { records, stats } = parsePcapBuffer(readFileSync(f), f);
      expect(stats.truncatedTail).toBeDefined();
      expect(records.length).toBe(tcpdumpCount(f));
    }
  });

  it('reports the same error through the streaming reader', async () => {
    const b = Buffer.from(good);
    b.writeUInt32LE(0xffffffff, 24 + 8);
    const r = readPcap(Readable.from([b.subarray(0, 30), b.subarray(30)]), { name: 's.pcap' });
    await expect(async () => {
      for await (const _ of r) void _;
    }).rejects.toThrow('s.pcap (byte 24): record 0 claims caplen 4294967295 > snaplen 65535');
  });

  it('names a missing file', async () => {
    await expect(async () => {
      for await (const _ of readPcap('/nonexistent/x.pcap')) void _;
    }).rejects.toThrow('/nonexistent/x.pcap (byte 0): cannot open: ENOENT');
  });
});

describe('corrupt pcapng', () => {
  const shb = encodeShb();
  const idb = encodeIdb({ snapLen: 100 });
  it('rejects a block whose trailing length differs', () => {
    const epb = encodeEpb(0, 1n, Buffer.alloc(8));
    epb.writeUInt32LE(epb.length + 4, epb.length - 4);
    const e = pcapErr(() => parsePcapBuffer(Buffer.concat([shb, idb, epb]), 'n.pcapng'));
    expect(e.place?.offset).toBe(shb.length + idb.length + epb.length - 4);
    expect(e.message).toMatch(/trailing length/);
  });
  it('rejects a length that is not a multiple of 4 or under 12', () => {
    const bad = encodeBlock(4, Buffer.alloc(4));
    bad.writeUInt32LE(10, 4);
    expect(pcapErr(() => parsePcapBuffer(Buffer.concat([shb, bad]), 'n.pcapng')).place?.offset).toBe(shb.length + 4);
  });
  it('rejects a packet for an interface that was never described', () => {
    expect(pcapErr(() => parsePcapBuffer(Buffer.concat([shb, idb, encodeEpb(3, 1n, Buffer.alloc(8))]), 'n.pcapng')).message).toMatch(/interface 3, but section 0 declares 1/);
  });
  it('rejects caplen above the interface snaplen and caplen overrunning the block', () => {
    expect(pcapErr(() => parsePcapBuffer(Buffer.concat([shb, idb, encodeEpb(0, 1n, Buffer.alloc(101))]), 'n.pcapng')).message).toMatch(/caplen 101 > snaplen 100/);
    const epb = encodeEpb(0, 1n, Buffer.alloc(8));
    epb.writeUInt32LE(90, 20);
    expect(pcapErr(() => parsePcapBuffer(Buffer.concat([shb, idb, epb]), 'n.pcapng')).message).toMatch(/overruns its block/);
  });
  it('rejects a bad byte-order magic and blocks before any section header', () => {
    const s = Buffer.from(shb);
    s.writeUInt32LE(0x12345678, 8);
    expect(pcapErr(() => parsePcapBuffer(s, 'n.pcapng')).place?.offset).toBe(8);
  });
  it('tolerates a truncated final block as a warning', () => {
    const b = Buffer.concat([shb, idb, encodeEpb(0, 1n, Buffer.alloc(8)), encodeEpb(0, 2n, Buffer.alloc(8))]);
    const { records, stats } = parsePcapBuffer(b.subarray(0, b.length - 5), 'n.pcapng');
    expect(records.length).toBe(1);
    expect(stats.truncatedTail?.offset).toBe(b.length - 40);
  });
});

describe('robustness', () => {
  const ng = Buffer.concat([encodeShb(), encodeIdb({ tsresol: 9 }), encodeEpb(0, 5n, Buffer.alloc(30, 7)), encodeEpb(0, 6n, Buffer.alloc(9, 1))]);
  it('any byte-level mutation yields records or an E_PCAP error, never another exception', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(good, ng),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        (base, edits, cutAt) => {
          const b = Buffer.from(base);
          for (const [at, v] of edits) b[at % b.length] = v;
          const input = b.subarray(0, cutAt % (b.length + 1));
          try {
            parsePcapBuffer(input, 'fuzz');
          } catch (e) {
            if (!(e instanceof StatelabError) || e.code !== 'E_PCAP' || e.place?.file !== 'fuzz') throw e;
          }
        },
      ),
      { numRuns: 2000, seed: 6 },
    );
  });
});

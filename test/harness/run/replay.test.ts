// The replayer and the failover spec: a replayed range is byte-for-byte the
// trace's records with a fresh header; the scan reports what a real trace
// makes the run skip or pass through; `random` is reproducible from its seed.
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePcapBuffer, readPcapFileSync } from '../../../harness/pcap/index.js';
import { parseFailover, replay, replayFromImage, replayImage, resolveFailover, scanTrace } from '../../../harness/run/index.js';

const TRACE = fileURLToPath(new URL('../../../traces/small-mixed.pcap', import.meta.url));
const FTP = '/work/shared/traces/ftp-bruteforce-1400conns.pcap';

async function collect(from: number, to: number): Promise<Buffer> {
  const facts = await scanTrace(TRACE);
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const n = await replay(facts, sink, { from, to });
  expect(n).toBe(to - from);
  return Buffer.concat(chunks);
}

describe('replay', () => {
  it('streams exactly records [from, to) of the trace, in order, behind one header', async () => {
    const all = readPcapFileSync(TRACE).records;
    const got = parsePcapBuffer(await collect(100, 350), 'replayed', { strict: true }).records;
    expect(got.length).toBe(250);
    for (let i = 0; i < got.length; i++) {
      const want = all[100 + i]!;
      expect(got[i]!.data.equals(want.data)).toBe(true);
      expect([got[i]!.tsSec, got[i]!.tsUsec, got[i]!.origLen]).toEqual([want.tsSec, want.tsUsec, want.origLen]);
    }
  });

  it("the standby's feed from the in-memory image equals the streamed replay from the same packet", async () => {
    const facts = await scanTrace(TRACE);
    const image = (await replayImage(facts))!;
    expect(image.offsets).toHaveLength(facts.packets + 1);
    const drain = async (feed: (sink: PassThrough) => Promise<number>): Promise<[number, Buffer]> => {
      const sink = new PassThrough();
      const chunks: Buffer[] = [];
      sink.on('data', (c: Buffer) => chunks.push(c));
      const n = await feed(sink);
      return [n, Buffer.concat(chunks)];
    };
    for (const from of [0, 1, 850, facts.packets - 1, facts.packets]) {
      const [n1, streamed] = await drain((sink) => replay(facts, sink, { from, header: false }));
      const [n2, fromImage] = await drain((sink) => replayFromImage(image, sink, from));
      expect(n2).toBe(n1);
      expect(fromImage.equals(streamed)).toBe(true);
    }
    // Byte-exact against the file: packet 850's record is where the image says it is.
    const want = readPcapFileSync(TRACE).records[850]!;
    expect(image.bytes.readUInt32LE(image.offsets[850]! + 8)).toBe(want.capLen);
    expect(image.bytes.subarray(image.offsets[850]! + 16, image.offsets[851]!).equals(Buffer.from(want.data))).toBe(true);
  });

  it.skipIf(!existsSync(FTP))('reports timestamps stepping backwards in a real trace', async () => {
    const f = await scanTrace(FTP);
    expect(f.packets).toBe(19730);
    expect(f.skipped.nonMonotonic).toBeGreaterThan(0);
  });

  it('names the file of a missing trace (exit code 2)', async () => {
    await expect(scanTrace('/nonexistent/x.pcap')).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('failover spec', () => {
  it('parses and validates', () => {
    expect(parseFailover('crash@17')).toEqual({ kind: 'crash', at: 17 });
    expect(parseFailover('graceful@0')).toEqual({ kind: 'graceful', at: 0 });
    expect(() => parseFailover('crash@')).toThrow(/--failover must be/);
    expect(() => resolveFailover({ kind: 'crash', at: 11 }, 10, 1)).toThrow(/only 10 packets/);
  });

  it('random is reproducible from the seed and stays inside the trace', () => {
    const a = resolveFailover({ kind: 'random' }, 1707, 42);
    expect(resolveFailover({ kind: 'random' }, 1707, 42)).toEqual(a);
    const seen = new Set<string>();
    for (let s = 0; s < 200; s++) {
      const r = resolveFailover({ kind: 'random' }, 50, s);
      if (r.kind === 'none') throw new Error('random resolved to none');
      expect(r.at).toBeGreaterThanOrEqual(1);
      expect(r.at).toBeLessThanOrEqual(49);
      seen.add(r.kind);
    }
    expect(seen).toEqual(new Set(['graceful', 'crash']));
  });
});

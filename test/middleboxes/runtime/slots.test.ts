// Flowspace slot frames through the C runtime (ASan+UBSan build) on an lb-like
// fixture: two chained tables over the same entries, entries deleted and their
// blocks reused by smaller objects, an empty table and a full one. The standby's
// digest must equal the primary's after every packet, and the frames must carry
// slots (not the tables whole), so selection and persistent identity are both exercised.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import msgpack from 'msgpack-lite';
import { buildMiddlebox, type BuildReport } from '../../../analyzer/instrument/index.js';
import { runPair, type Frame } from '../../analyzer/instrument/pair.js';

const FIXTURE = join(import.meta.dirname, 'fixture-slots');
const TRACES = join(import.meta.dirname, '../../../traces');
// ASan's quarantine would keep freed blocks from coming back: turn it off so addresses are reused
const ENV = { ASAN_OPTIONS: 'quarantine_size_mb=0:thread_local_quarantine_size_kb=0:detect_leaks=0' };

type Payload = Record<string, unknown> & { $?: Record<string, unknown[]>; '@'?: unknown[] };
const payloadOf = (f: Frame) => msgpack.decode(f.payload!) as Payload;

/** A pcap of IPv4 packets between the given (src, dst) pairs (last octets). */
function pcapOf(pairs: [number, number][]): Buffer {
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32LE(0xa1b2c3d4, 0);
  hdr.writeUInt16LE(2, 4);
  hdr.writeUInt16LE(4, 6);
  hdr.writeUInt32LE(65535, 16);
  hdr.writeUInt32LE(1, 20);
  const recs = pairs.map(([s, d], i) => {
    const pkt = Buffer.alloc(14 + 20);
    pkt.writeUInt16BE(0x0800, 12);
    pkt[14] = 0x45;
    pkt.writeUInt16BE(20, 16);
    pkt[22] = 64;
    pkt[23] = 17;
    Buffer.from([10, 0, 0, s]).copy(pkt, 26);
    Buffer.from([10, 0, 1, d]).copy(pkt, 30);
    const r = Buffer.alloc(16);
    r.writeUInt32LE(1000 + i, 0);
    r.writeUInt32LE(pkt.length, 8);
    r.writeUInt32LE(pkt.length, 12);
    return Buffer.concat([r, pkt]);
  });
  return Buffer.concat([hdr, ...recs]);
}

describe('flowspace slot frames (twotab fixture, ASan+UBSan)', () => {
  let report: BuildReport;
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sa-slots-'));
    report = buildMiddlebox(FIXTURE, { outDir: work, deps: 'sdg', sanitize: true });
  }, 240_000);

  const pair = async (trace: string, model: string, buckets: number, digestEvery = 1) => {
    const r = await runPair(report.binary, ['-b', String(buckets)], trace, model, { work, env: ENV, digestEvery });
    expect(r.primary.code, r.primary.stderr).toBe(0);
    expect(r.standby.code, r.standby.stderr).toBe(0);
    expect(r.standbyDigests.length).toBeGreaterThan(0);
    expect(r.standbyDigests).toEqual(r.primaryDigests);
    const log = readFileSync(join(work, `p-${model}.log`), 'utf8');
    return { r, log };
  };

  it('selects both tables by slots', () => {
    for (const n of ['by_src', 'by_dst']) {
      const v = report.variables.find((x) => x.name === n);
      expect(v?.selection?.mode, n).toBe('slots');
      // lookup, unlink and insert; the insert's second subscript (`by_src[hs] = e` after
      // `e->next_s = by_src[hs]`) needs no recording of its own
      expect(v!.selection!.sites).toBeGreaterThanOrEqual(2);
      expect(v!.selection!.prunedList).toEqual([expect.stringMatching(/:(89|91):/)]);
    }
  });

  it.each(['flowspace', 'flowspace+updated'])('%s: shared entries, deletions and reused addresses stay equal after every packet', async (model) => {
    const { r, log } = await pair(join(TRACES, 'small-mixed.pcap'), model, 64);
    const m = /live=(\d+) deleted=(\d+) reused=(\d+)/.exec(log)!;
    expect(Number(m[2])).toBeGreaterThan(10); // entries were deleted...
    expect(Number(m[3])).toBeGreaterThan(0); // ...and a freed entry's block came back as a smaller object
    const later = r.frames.slice(1).map(payloadOf);
    expect(payloadOf(r.frames[0])['!']).toBe(true); // the first frame is full
    // later frames carry slots of the tables, not the tables
    expect(later.filter((p) => p.$?.by_src !== undefined).length).toBeGreaterThan(later.length / 4);
    expect(later.every((p) => p.by_src === undefined && p.by_dst === undefined)).toBe(true);
    // pids are allocation numbers: the freed entry's reused address came back under a new pid, and a pid
    // never changes size (so the standby never imports a block into one of another size)
    const sizes = new Map<number, Set<number>>();
    for (const p of later) {
      const objs = p[''] as unknown[][];
      (p['@'] ?? []).forEach((pid, i) => {
        if (typeof pid !== 'number') return;
        const o = objs[i];
        const n = o[1] === true ? (o[2] as Buffer).length : -(o.length - 1); // bytes for raw blocks, -elements for typed ones
        const s = sizes.get(pid) ?? new Set();
        s.add(n);
        sizes.set(pid, s);
      });
    }
    expect(sizes.size).toBeGreaterThan(Number(m[1]));
    expect([...sizes.values()].every((s) => s.size === 1)).toBe(true);
  }, 180_000);

  it('a full table (every bucket chained) and many flows', async () => {
    const { log } = await pair(join(TRACES, 'small-mixed.pcap'), 'flowspace', 4);
    expect(log).toMatch(/full-buckets=4\/4/);
    const many = await pair(join(TRACES, 'many-flows.pcap'), 'flowspace', 64, 37);
    expect(many.log).toMatch(/full-buckets=64\/64/);
  }, 240_000);

  it('an empty table: entries created and deleted until none is left', async () => {
    const trace = join(work, 'empty.pcap');
    // (1,1) three times: created, counted, deleted; then (2,3) three times; the table ends empty
    writeFileSync(trace, pcapOf([[1, 1], [1, 1], [1, 1], [2, 3], [2, 3], [2, 3]]));
    const { r, log } = await pair(trace, 'flowspace', 64);
    expect(log).toMatch(/^live=0 deleted=2 /);
    expect(r.frames.length).toBe(6);
    // the deleting frames send the emptied slots as NULL
    const del = payloadOf(r.frames[2]).$!.by_src as unknown[];
    expect(del.filter((_, i) => i % 3 === 2)).toContain(null);
  }, 120_000);

  it('a loop that steps an index across packets is no sweep: its subscripts are recorded', async () => {
    // the receive loop itself steps `i` and touches by_src[i] after each packet: a whole mark
    // before that loop would run once for all packets, so the subscript must record instead
    const dir = mkdtempSync(join(tmpdir(), 'sa-span-'));
    const src = readFileSync(join(FIXTURE, 'twotab.c'), 'utf8').replace(
      '  while ((b = pcap_next(in, &h)) != NULL) handle(&h, b);',
      '  for (uint32_t i = 0; (b = pcap_next(in, &h)) != NULL; i = (i + 1) % nbuckets) {\n' +
        '    handle(&h, b);\n' +
        '    if (by_src[i] != NULL) by_src[i]->pkts += 2; /* an entry the packet did not look up */\n' +
        '  }',
    );
    expect(src).toContain('by_src[i]->pkts += 2');
    writeFileSync(join(dir, 'twotab.c'), src);
    writeFileSync(join(dir, 'mbox.json'), readFileSync(join(FIXTURE, 'mbox.json')));
    const rep = buildMiddlebox(dir, { outDir: join(dir, 'out'), deps: 'sdg' });
    const sel = rep.variables.find((v) => v.name === 'by_src')!.selection!;
    expect(sel.mode).toBe('slots');
    const line = src.split('\n').findIndex((l) => l.includes('by_src[i]->pkts')) + 1;
    expect(sel.siteList).toContainEqual(expect.stringMatching(new RegExp(`twotab\\.c:${line}:`)));
    expect(sel.wholeMarkList.every((w) => !w.includes(`:${line - 2}:`))).toBe(true);
    const r = await runPair(rep.binary, ['-b', '16'], join(TRACES, 'small-mixed.pcap'), 'flowspace', { work: dir });
    expect(r.primary.code, r.primary.stderr).toBe(0);
    expect(r.standby.code, r.standby.stderr).toBe(0);
    expect(r.standbyDigests).toEqual(r.primaryDigests);
  }, 180_000);

  it('a slot dropped from one frame is caught at that frame', async () => {
    const trace = join(work, 'drop.pcap');
    writeFileSync(trace, pcapOf([[1, 1], [4, 5], [4, 5], [6, 7]]));
    const ok = await pair(trace, 'flowspace', 64);
    // frame 1 (second packet) creates (4,5): its by_src slot goes from NULL to the entry
    const p = payloadOf(ok.r.frames[1]);
    expect((p.$!.by_src as unknown[])[2]).not.toBeNull();
    const r = await runPair(report.binary, ['-b', '64'], trace, 'flowspace', {
      work, env: ENV,
      relay: (f, i) => {
        if (i !== 1) return f;
        const q = payloadOf(f);
        delete q.$!.by_src;
        return { ...f, payload: msgpack.encode(q) };
      },
    });
    expect(r.standby.code, r.standby.stderr).toBe(0);
    expect(r.standbyDigests[0]).toBe(r.primaryDigests[0]);
    expect(r.standbyDigests[1]).not.toBe(r.primaryDigests[1]);
  }, 120_000);
});

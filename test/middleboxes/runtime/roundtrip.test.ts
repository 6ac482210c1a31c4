// Round trips of the generated serializers through the C runtime on a fixture whose
// state has cycles, sharing, a chained hash table, function pointers, a union, heap
// strings, a table that fills and empties and a pointer into an array; plus the
// build errors for state that cannot move soundly.
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import msgpack from 'msgpack-lite';
import { StatelabError } from '../../../analyzer/errors.js';
import { buildMiddlebox, type BuildReport } from '../../../analyzer/instrument/index.js';
import { dropVariable, frameBytes, runMbox, runPair, SHARED_TRACES, splitFrames, type Frame } from '../../analyzer/instrument/pair.js';
import { existsSync } from 'node:fs';

const FIXTURE = join(import.meta.dirname, 'fixture');
const SMALL = join(SHARED_TRACES, 'tcpreplay-test-mixed.pcap');
const LARGE = join(SHARED_TRACES, 'gnutella-p2p.pcap');

type Payload = Record<string, unknown> & { '': unknown[][] };

describe.skipIf(!existsSync(SMALL))('shapes fixture round trips', () => {
  let report: BuildReport;
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sa-shapes-'));
    report = buildMiddlebox(FIXTURE, { outDir: work, deps: 'conservative', sanitize: true });
  }, 240_000);

  it('transfers every state variable of the fixture', () => {
    const names = report.variables.map((v) => v.name).sort();
    for (const v of ['buckets', 'ring', 'last', 'pick', 'sample', 'slots', 'nslots', 'newest', 'history', 'nhistory', 'total'])
      expect(names).toContain(v);
    expect(report.marks.inserted).toBeGreaterThan(report.marks.pruned);
    expect(report.marks.pruned).toBeGreaterThan(0);
  });

  it('standby digest equals primary digest after every packet (ASan+UBSan build)', async () => {
    const r = await runPair(report.binary, [], SMALL, 'all', { work });
    expect(r.primary.code, r.primary.stderr).toBe(0);
    expect(r.standby.code, r.standby.stderr).toBe(0);
    expect(r.primaryDigests.length).toBe(179);
    expect(r.standbyDigests).toEqual(r.primaryDigests);
    // the digest changes as the state does (it is not constant)
    expect(new Set(r.primaryDigests.map((l) => l.split(' ')[1])).size).toBeGreaterThan(100);
  }, 120_000);

  it('keeps sharing, cycles, function names, interior pointers and strings in the encoding', async () => {
    const r = await runPair(report.binary, [], SMALL, 'all', { work });
    const p = msgpack.decode(r.frames[r.frames.length - 1].payload!) as Payload;
    const objs = p[''];
    // `last` is the same object as one in the hash table: the same id, sent once
    const lastId = p.last as number;
    const inBuckets = (p.buckets as (number | null)[]).filter((x): x is number => x !== null);
    const chained = new Set<number>();
    for (const b of inBuckets) for (let id: number | null = b; id !== null; id = (objs[id - 1][1] as unknown[])[3] as number | null) chained.add(id);
    expect(chained.has(lastId)).toBe(true);
    // the ring is a cycle: following next from `ring` comes back to it
    let id = p.ring as number;
    const seen = new Set<number>();
    while (!seen.has(id)) {
      seen.add(id);
      id = (objs[id - 1][1] as unknown[])[5] as number;
    }
    expect(id).toBe(p.ring);
    expect(seen.size).toBe(chained.size); // every flow is on the ring once
    expect(['score_key', 'score_packets']).toContain(p.pick);
    // `newest` points into the global array: a name and an offset
    const newest = objs[(p.newest as number) - 1];
    expect(String(newest[0])).toMatch(/slots$/);
    // a label is a heap string of its allocator's size
    const label = (objs[(p.last as number) - 1][1] as unknown[])[2] as number;
    expect(Buffer.from(objs[label - 1][2] as Buffer).toString()).toMatch(/^flow-[0-9a-f]{8}\0$/);
  }, 120_000);

  it('answers snapshot-request with a snapshot numbered after the last state, and a standby goes live on takeover', async () => {
    const req = frameBytes({ t: 'snapshot-request', seq: 0 } as Frame);
    const p = await runMbox(report.binary, ['--sa-mode', 'primary', '-r', SMALL, '-l', join(work, 'snap.log')], {}, req);
    expect(p.code, p.stderr).toBe(0);
    const frames = splitFrames(p.fd3);
    const i = frames.findIndex((f) => f.t === 'snapshot');
    expect(i).toBeGreaterThan(0); // polled after the first packet
    expect(frames[i].seq).toBe(frames[i - 1].seq);
    expect(frames.filter((f) => f.t === 'state').map((f) => f.seq)).toEqual(frames.filter((f) => f.t === 'state').map((_, k) => k + 1));
    // standby: the snapshot, then takeover → live(seq)
    const input = Buffer.concat([frameBytes(frames[i]), frameBytes({ t: 'takeover', seq: frames[i].seq } as Frame)]);
    const s = await runMbox(report.binary, ['--sa-mode', 'standby', '-r', SMALL, '-l', join(work, 'live.log')], {}, input);
    expect(s.code, s.stderr).toBe(0);
    const back = splitFrames(s.fd3);
    expect(back[0]).toMatchObject({ t: 'applied', seq: frames[i].seq });
    expect(back[1]).toMatchObject({ t: 'live', seq: frames[i].seq });
    // live: it processes the trace itself and numbers its frames after the takeover seq
    expect(back[2]).toMatchObject({ t: 'state', seq: frames[i].seq + 1 });
    expect(readFileSync(join(work, 'live.log'), 'utf8')).toMatch(/^total=\d+/);
  }, 120_000);

  it('catches a variable dropped from the frames', async () => {
    const r = await runPair(report.binary, [], SMALL, 'all', { work, relay: (f) => dropVariable(f, 'ring') });
    expect(r.standbyDigests.some((d, i) => d !== r.primaryDigests[i])).toBe(true);
  }, 120_000);

  it('round-trips the largest state of a many-flow trace in every model', async () => {
    for (const model of ['all', 'flowspace', 'flowspace+updated']) {
      const r = await runPair(report.binary, [], LARGE, model, { work, digestEvery: 97 });
      expect(r.primary.code, r.primary.stderr).toBe(0);
      expect(r.standby.code, r.standby.stderr).toBe(0);
      expect(r.standbyDigests.length).toBeGreaterThan(10);
      expect(r.standbyDigests).toEqual(r.primaryDigests);
    }
  }, 240_000);
});

describe('state that cannot move soundly is a build error', () => {
  function variant(extra: string, use: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'sa-bad-'));
    mkdirSync(dir, { recursive: true });
    const src = readFileSync(join(FIXTURE, 'shapes.c'), 'utf8')
      .replace('static unsigned long total;', `static unsigned long total;\n${extra}`)
      .replace('  total += pick(f);', `  total += pick(f);\n  ${use}`);
    writeFileSync(join(dir, 'shapes.c'), src);
    writeFileSync(join(dir, 'mbox.json'), readFileSync(join(FIXTURE, 'mbox.json')));
    return dir;
  }

  it('an untyped void * names variable, type and reason', () => {
    const dir = variant('static void *opaque;', 'opaque = f;');
    let err: unknown;
    try {
      buildMiddlebox(dir, { outDir: join(dir, 'out'), deps: 'conservative' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatelabError);
    expect((err as StatelabError).code).toBe('E_BUILD');
    expect((err as StatelabError).exitCode).toBe(2);
    expect(String((err as Error).message)).toMatch(/shapes\.c:\d+: variable opaque \(void \*\): cannot be moved soundly: .*void \*/);
  }, 120_000);

  it('a union holding pointers (active member unknown) is refused', () => {
    const dir = variant('static union { struct flow *f; unsigned long n; } either;', 'either.f = f;');
    expect(() => buildMiddlebox(dir, { outDir: join(dir, 'out'), deps: 'conservative' })).toThrow(/variable either .*union holding pointers/);
  }, 120_000);
});

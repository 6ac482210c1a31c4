// Output-commit marks (`out` in every state frame): checked against sizes the
// test computes itself from the trace and the fixture's known output format,
// with frames batched (default) or not, a middlebox that fflushes its own log,
// and one that writes around its stdio stream (the runtime must stop, or
// measure by stat with SA_MARKS=stat). The primary reads a pipe fed in chunks
// whose next chunk is sent only once the frames of the last one arrived: a
// batch held back while the primary waits for input would hang the test.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMiddlebox, type BuildReport } from '../../../analyzer/instrument/index.js';
import { SHARED_TRACES, splitFrames, type Frame } from '../../analyzer/instrument/pair.js';

const FIXTURE = join(import.meta.dirname, 'fixture-outputs');
const TRACE = join(SHARED_TRACES, 'tcpreplay-test-mixed.pcap');

/** Caplens of a classic little-endian pcap's records, and where each chunk of `per` records ends. */
function records(file: string, per: number): { caplens: number[]; chunks: Buffer[] } {
  const b = readFileSync(file);
  if (b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${file}: not a little-endian microsecond pcap`);
  const caplens: number[] = [];
  const chunks: Buffer[] = [];
  let start = 0;
  let o = 24;
  while (o + 16 <= b.length) {
    const n = b.readUInt32LE(o + 8);
    if (o + 16 + n > b.length) break;
    caplens.push(n);
    o += 16 + n;
    if (caplens.length % per === 0) {
      chunks.push(b.subarray(start, o));
      start = o;
    }
  }
  if (start < o) chunks.push(b.subarray(start, o));
  return { caplens, chunks };
}

/** Expected [log, pcap] sizes after each packet k = 1..n, from the fixture's format. */
function expectedMarks(caplens: number[], bypass: boolean): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let log = 0;
  let pcap = 24;
  caplens.forEach((len, i) => {
    const k = i + 1;
    log += `pkt ${k} len ${len}\n`.length + (bypass && k % 50 === 0 ? 'around\n'.length : 0);
    pcap += 16 + len;
    out.push([log, pcap]);
  });
  return out;
}

/** The first state frame whose marks differ from the expected ones, or null. */
function wrongMark(frames: Frame[], want: Array<[number, number]>): string | null {
  for (const f of frames) {
    if (f.t !== 'state') continue;
    const w = want[f.pkt! - 1];
    if (!w || f.out?.length !== 2 || f.out[0] !== w[0] || f.out[1] !== w[1]) return `seq ${f.seq} pkt ${f.pkt}: out ${JSON.stringify(f.out)}, expected ${JSON.stringify(w)}`;
  }
  return null;
}

interface Primary {
  code: number | null;
  stderr: string;
  frames: Frame[];
}

/** A primary on stdin: each chunk after the first is written once a frame for the chunk's last packet came. */
function runPrimary(bin: string, flags: string[], env: Record<string, string>, chunks: Buffer[], per: number, dir: string): Promise<Primary> {
  const log = join(dir, 'log');
  const pcap = join(dir, 'out.pcap');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['-r', '-', '-l', log, '-w', pcap, ...flags, '--sa-mode', 'primary', '--sa-model', 'flowspace+updated'], {
      env: { ...process.env, SA_OUTPUTS: `${log}:${pcap}`, ...env },
      stdio: ['pipe', 'ignore', 'pipe', 'pipe', 'ignore'],
    });
    let stderr = '';
    let got = Buffer.alloc(0);
    let sent = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const feed = (): void => {
      const c = chunks[sent++];
      if (c) child.stdin!.write(c);
      if (sent >= chunks.length) child.stdin!.end();
    };
    child.stdin!.on('error', () => {});
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      // whole frames only: the last pkt seen decides whether the next chunk goes
      let o = 0;
      let last = 0;
      while (o + 4 <= got.length && o + 4 + got.readUInt32BE(o) <= got.length) {
        const [f] = splitFrames(got.subarray(o, o + 4 + got.readUInt32BE(o)));
        if (f?.t === 'state') last = f.pkt!;
        o += 4 + got.readUInt32BE(o);
      }
      if (sent < chunks.length && last >= sent * per) feed();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, frames: splitFrames(got) });
    });
    feed();
  });
}

describe.skipIf(!existsSync(TRACE))('output-commit marks (outputs fixture, ASan+UBSan)', () => {
  const PER = 40;
  let report: BuildReport;
  let work: string;
  let trace: ReturnType<typeof records>;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sa-outputs-'));
    report = buildMiddlebox(FIXTURE, { outDir: work, deps: 'sdg', sanitize: true });
    trace = records(TRACE, PER);
  }, 240_000);

  const run = (flags: string[], env: Record<string, string>, name: string): Promise<Primary> =>
    runPrimary(report.binary, flags, env, trace.chunks, PER, mkdtempSync(join(work, `${name}-`)));

  it('marks equal the output sizes after every packet, frames batched, input arriving in chunks', async () => {
    const r = await run([], {}, 'batched');
    expect(r.code, r.stderr).toBe(0);
    const states = r.frames.filter((f) => f.t === 'state');
    expect(states.length).toBe(trace.caplens.length);
    expect(wrongMark(r.frames, expectedMarks(trace.caplens, false))).toBeNull();
  }, 120_000);

  it('marks stay exact unbatched (SA_BATCH=0) and when the middlebox fflushes its own log', async () => {
    const want = expectedMarks(trace.caplens, false);
    const a = await run([], { SA_BATCH: '0' }, 'unbatched');
    expect(a.code, a.stderr).toBe(0);
    expect(wrongMark(a.frames, want)).toBeNull();
    const b = await run(['-F'], {}, 'selfflush');
    expect(b.code, b.stderr).toBe(0);
    expect(b.frames.filter((f) => f.t === 'state').length).toBe(trace.caplens.length);
    expect(wrongMark(b.frames, want)).toBeNull();
  }, 120_000);

  it('a log written around its stdio stream stops the primary; SA_MARKS=stat measures it exactly; after an fflush it is exact', async () => {
    const r = await run(['-B'], {}, 'bypass');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/output .*\/log was written around its stdio stream/);
    // no frame that left names a mark past the first write around the stream
    expect(r.frames.filter((f) => f.t === 'state').every((f) => f.pkt! < 50)).toBe(true);
    const s = await run(['-B'], { SA_MARKS: 'stat' }, 'bypass-stat');
    expect(s.code, s.stderr).toBe(0);
    expect(wrongMark(s.frames, expectedMarks(trace.caplens, true))).toBeNull();
    // fflush, then write(2): glibc forgot its count, the runtime asks the kernel for the next mark
    const f = await run(['-b'], {}, 'bypass-flushed');
    expect(f.code, f.stderr).toBe(0);
    expect(f.frames.filter((x) => x.t === 'state').length).toBe(trace.caplens.length);
    expect(wrongMark(f.frames, expectedMarks(trace.caplens, true))).toBeNull();
  }, 120_000);

  it('the comparison catches a mark one byte off (negative control)', async () => {
    const r = await run([], {}, 'control');
    const want = expectedMarks(trace.caplens, false);
    expect(wrongMark(r.frames, want)).toBeNull();
    const i = r.frames.findIndex((f) => f.t === 'state' && f.pkt === 77);
    const bad = r.frames.map((f, j) => (j === i ? { ...f, out: [f.out![0]! - 1, f.out![1]!] } : f));
    expect(wrongMark(bad, want)).toMatch(/pkt 77/);
  }, 120_000);
});

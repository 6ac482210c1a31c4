// Benchmark: reading a pcap in TypeScript vs libpcap's own reading of the same
// file, in-process (bench-libpcap.c: pcap_next_ex loop) and as `tcpdump -r file
// -w /dev/null`; medians of N rounds after warm-up, all measured in one run.
// Usage (after npm run build): node dist/harness/pcap/bench.js [file...] [--concat-mb 200] [--runs 9]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePcap, forEachPcapRecord, parsePcapBuffer, readPcap, type PacketToWrite } from './index.js';

const SHARED = '/work/shared/traces';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** CPU time of this process (all threads, user + system) in ms: robust to other processes' load. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Wall-clock ms, and CPU ms pushed into `cpu` when given. */
function timeSync(fn: () => void, cpu?: number[]): number {
  const c = cpuMs();
  const t = process.hrtime.bigint();
  fn();
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  cpu?.push(cpuMs() - c);
  return wall;
}

async function timeAsync(fn: () => Promise<void>, cpu?: number[]): Promise<number> {
  const c = cpuMs();
  const t = process.hrtime.bigint();
  await fn();
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  cpu?.push(cpuMs() - c);
  return wall;
}

/** Every shared trace's records, repeated until the file passes `mb` MiB (timestamps kept, as a replay loop would). */
function concatenated(mb: number): string {
  const files = readdirSync(SHARED).filter((f) => f.endsWith('.pcap')).sort();
  const all: PacketToWrite[] = [];
  for (const f of files) for (const r of parsePcapBuffer(readFileSync(join(SHARED, f))).records) all.push({ tsSec: r.tsSec, tsUsec: r.tsUsec, data: r.data, origLen: r.origLen });
  const one = encodePcap(all, { snapLen: 65535 });
  const body = one.subarray(24);
  const reps = Math.max(1, Math.ceil((mb * 1024 * 1024) / body.length));
  const out = join(tmpdir(), `statelab-bench-concat-${process.pid}.pcap`);
  writeFileSync(out, Buffer.concat([one.subarray(0, 24), ...Array.from({ length: reps }, () => body)]));
  return out;
}

/** Compile bench-libpcap.c (found beside this file or in the source tree when run from dist/). */
function buildLibpcapBench(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const src = [join(here, 'bench-libpcap.c'), join(here, '../../../harness/pcap/bench-libpcap.c')].find((p) => existsSync(p));
  if (src === undefined) throw new Error('bench-libpcap.c not found');
  const exe = join(tmpdir(), `statelab-bench-libpcap-${process.pid}`);
  execFileSync('cc', ['-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', '-o', exe, src, '-lpcap'], { stdio: 'inherit' });
  return exe;
}

interface Row {
  file: string;
  mb: number;
  packets: number;
  inprocMs: number;
  inprocCpuMs: number;
  visitCpuMs: number;
  batchCpuMs: number;
  libpcapMs: number;
  syncMs: number;
  visitMs: number;
  streamMs: number;
  batchMs: number;
}

/** tcpdump's own start-up and exit on a header-only file: subtracted so the ratio compares reading alone. */
function libpcapStartupMs(runs: number): number {
  const empty = join(tmpdir(), `statelab-bench-empty-${process.pid}.pcap`);
  writeFileSync(empty, encodePcap([], { snapLen: 65535 }));
  const t: number[] = [];
  for (let i = 0; i < runs; i++) t.push(timeSync(() => execFileSync('tcpdump', ['-r', empty, '-w', '/dev/null'], { stdio: 'ignore' })));
  unlinkSync(empty);
  return median(t);
}

async function measure(file: string, runs: number, libpcapExe: string): Promise<Row> {
  const [inproc, inprocCpu, cPackets] = execFileSync(libpcapExe, [file, String(runs)]).toString().trim().split(' ').map(Number);
  const visitCpu: number[] = [];
  const batchCpu: number[] = [];
  let packets = 0;
  let bytes = 0;
  const lib: number[] = [];
  const sync: number[] = [];
  const visit: number[] = [];
  const stream: number[] = [];
  const batch: number[] = [];
  // Two untimed warm-up rounds first: the JIT has compiled the reader by the time a long replay reaches its steady state.
  for (let i = -2; i < runs; i++) {
    if (i === 0) for (const xs of [lib, sync, visit, stream, batch, visitCpu, batchCpu]) xs.length = 0;
    // Interleave the contenders so drift on a shared machine hits all of them alike.
    lib.push(timeSync(() => execFileSync('tcpdump', ['-r', file, '-w', '/dev/null'], { stdio: 'ignore' })));
    sync.push(
      timeSync(() => {
        const { records } = parsePcapBuffer(readFileSync(file), file);
        packets = records.length;
        bytes = 0;
        for (const r of records) bytes += r.capLen;
      }),
    );
    visit.push(
      timeSync(() => {
        let n = 0;
        forEachPcapRecord(readFileSync(file), (r) => (n += r.capLen), file);
        if (n !== bytes) throw new Error('visit and sync disagree');
      }, visitCpu),
    );
    stream.push(
      await timeAsync(async () => {
        let n = 0;
        for await (const r of readPcap(file)) n += r.capLen;
        if (n !== bytes) throw new Error('stream and sync disagree');
      }),
    );
    batch.push(
      await timeAsync(async () => {
        let n = 0;
        for await (const b of readPcap(file).batches()) for (const r of b) n += r.capLen;
        if (n !== bytes) throw new Error('batches and sync disagree');
      }, batchCpu),
    );
  }
  if (cPackets !== packets) throw new Error(`libpcap read ${cPackets} packets, we read ${packets}`);
  return { file, mb: statSync(file).size / 1048576, packets, inprocMs: inproc, inprocCpuMs: inprocCpu, visitCpuMs: median(visitCpu), batchCpuMs: median(batchCpu), libpcapMs: median(lib), syncMs: median(sync), visitMs: median(visit), streamMs: median(stream), batchMs: median(batch) };
}

async function benchMain(): Promise<void> {
  const args = process.argv.slice(2);
  let runs = 7;
  let concatMb = 200;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--runs') runs = Number(args[++i]);
    else if (args[i] === '--concat-mb') concatMb = Number(args[++i]);
    else files.push(args[i]);
  }
  let tmp: string | null = null;
  if (files.length === 0) {
    if (!existsSync(SHARED)) throw new Error(`no files given and ${SHARED} is absent`);
    const largest = readdirSync(SHARED)
      .filter((f) => f.endsWith('.pcap'))
      .map((f) => join(SHARED, f))
      .sort((a, b) => statSync(b).size - statSync(a).size)[0];
    const most = join(SHARED, 'synflood-spoofed-realworld.pcap');
    tmp = concatenated(concatMb);
    files.push(largest, ...(existsSync(most) ? [most] : []), tmp);
  }
  const rows: Row[] = [];
  const startup = libpcapStartupMs(runs * 2);
  const exe = buildLibpcapBench();
  for (const f of files) rows.push(await measure(f, runs, exe));
  unlinkSync(exe);
  if (tmp !== null) unlinkSync(tmp);
  console.log(`tcpdump start-up on a header-only file: ${startup.toFixed(1)} ms\n`);
  console.log(`Wall-clock medians (ms):\n`);
  console.log(`| file | MiB | packets | libpcap in-process | tcpdump -w /dev/null | TS array | TS visit | TS stream | TS batches | TS speed / libpcap in-process: array / visit / stream / batches | TS batches speed / tcpdump |`);
  console.log(`|---|---|---|---|---|---|---|---|---|---|---|`);
  for (const r of rows) {
    const name = r.file === tmp ? `all shared traces concatenated (${r.mb.toFixed(0)} MiB)` : r.file.split('/').pop();
    const ratio = (ms: number): string => (r.inprocMs / ms).toFixed(2);
    console.log(`| ${name} | ${r.mb.toFixed(1)} | ${r.packets} | ${r.inprocMs.toFixed(1)} | ${r.libpcapMs.toFixed(1)} | ${r.syncMs.toFixed(1)} | ${r.visitMs.toFixed(1)} | ${r.streamMs.toFixed(1)} | ${r.batchMs.toFixed(1)} | ${ratio(r.syncMs)} / ${ratio(r.visitMs)} / ${ratio(r.streamMs)} / ${ratio(r.batchMs)} | ${(r.libpcapMs / r.batchMs).toFixed(2)} |`);
  }
  console.log(`\nCPU-time medians (ms; this process's threads for TS, CLOCK_PROCESS_CPUTIME_ID for libpcap):\n`);
  console.log(`| file | libpcap in-process | TS visit | TS batches | TS speed / libpcap: visit / batches |`);
  console.log(`|---|---|---|---|---|`);
  for (const r of rows) {
    const name = r.file === tmp ? 'all shared traces concatenated' : r.file.split('/').pop();
    console.log(`| ${name} | ${r.inprocCpuMs.toFixed(1)} | ${r.visitCpuMs.toFixed(1)} | ${r.batchCpuMs.toFixed(1)} | ${(r.inprocCpuMs / r.visitCpuMs).toFixed(2)} / ${(r.inprocCpuMs / r.batchCpuMs).toFixed(2)} |`);
  }
}

benchMain().catch((e) => {
  console.error(e);
  process.exit(1);
});

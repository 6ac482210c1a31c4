// State bytes per packet under each transfer model (paper §7.2, Figures 11/12):
// build a middlebox instrumented, run it as a primary on traces, and average
// the `state` frames' payload sizes. Usable as a module (measureStateBytes) or
// from the shell: npx vite-node analyzer/instrument/bytes-bench-cli.ts -- [--mbox lb,nat]
// [--trace f.pcap ...] [--json]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import msgpack from 'msgpack-lite';
import { PACKAGE_ROOT } from '../paths.js';
import { buildMiddlebox } from './build.js';

export const MODELS = ['all', 'flowspace', 'flowspace+updated'] as const;
export type Model = (typeof MODELS)[number];

export interface ModelBytes {
  frames: number;
  /** Mean bytes of the `payload` (the state itself) per packet. */
  meanPayload: number;
  /** Mean bytes of the whole frame (envelope included) per packet. */
  meanFrame: number;
  maxPayload: number;
}

export interface BytesRow {
  middlebox: string;
  trace: string;
  packets: number;
  models: Record<Model, ModelBytes>;
  /** all / flowspace and all / flowspace+updated, on mean payload bytes. */
  ratioFlowspace: number;
  ratioUpdated: number;
}

export interface BytesOptions {
  /** Middlebox folder names under middleboxes/. */
  middleboxes: string[];
  traces: string[];
  models?: readonly Model[];
  /** Build folder (a temporary one by default, removed afterwards). */
  work?: string;
}

/** The middlebox's run arguments from its mbox.json (`-c` paths made absolute). */
export function mboxArgs(name: string): string[] {
  const dir = join(PACKAGE_ROOT, 'middleboxes', name);
  const m = JSON.parse(readFileSync(join(dir, 'mbox.json'), 'utf8')) as { args?: string[] };
  const args = m.args ?? [];
  return args.map((a, i) => (i > 0 && args[i - 1] === '-c' ? join(dir, a) : a));
}

/** Runs the primary and returns each `state` frame's (payload bytes, frame bytes), parsing
 * the fd-3 stream as it arrives (a whole run's frames can be gigabytes). */
function runPrimary(bin: string, args: string[]): Promise<{ payload: number; frame: number }[]> {
  return new Promise((res, rej) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'ignore'] });
    const out: { payload: number; frame: number }[] = [];
    // chunks are joined only once a whole frame is there (a frame can be megabytes)
    let chunks: Buffer[] = [];
    let have = 0;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
      chunks.push(d);
      have += d.length;
      for (;;) {
        if (have < 4) return;
        if (chunks[0].length < 4) chunks = [Buffer.concat(chunks)];
        const n = chunks[0].readUInt32BE(0);
        if (have < 4 + n) return;
        const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        const f = msgpack.decode(all.subarray(4, 4 + n)) as { t: string; payload?: Buffer };
        if (f.t === 'state') out.push({ payload: f.payload?.length ?? 0, frame: n + 4 });
        const rest = all.subarray(4 + n);
        chunks = rest.length ? [rest] : [];
        have = rest.length;
      }
    });
    child.on('error', rej);
    child.on('close', (code) => {
      if (code !== 0) return rej(new Error(`${basename(bin)} exited ${code}: ${stderr.slice(0, 2000)}`));
      if (have) return rej(new Error(`${basename(bin)}: frame stream cut (${have} bytes left)`));
      res(out);
    });
  });
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Measures every (middlebox, trace, model); builds each middlebox once. */
export async function measureStateBytes(opts: BytesOptions): Promise<BytesRow[]> {
  const models = opts.models ?? MODELS;
  const work = opts.work ?? mkdtempSync(join(tmpdir(), 'sa-bytes-'));
  const rows: BytesRow[] = [];
  try {
    for (const m of opts.middleboxes) {
      const report = buildMiddlebox(join(PACKAGE_ROOT, 'middleboxes', m), { outDir: join(work, m) });
      for (const trace of opts.traces) {
        const per = {} as Record<Model, ModelBytes>;
        let packets = 0;
        for (const model of models) {
          const log = join(work, `${m}-${model}.log`);
          const fr = await runPrimary(report.binary, ['--sa-mode', 'primary', '--sa-model', model, '-r', resolve(trace), '-l', log, ...mboxArgs(m)]);
          packets = fr.length;
          per[model] = {
            frames: fr.length,
            meanPayload: mean(fr.map((f) => f.payload)),
            meanFrame: mean(fr.map((f) => f.frame)),
            maxPayload: Math.max(0, ...fr.map((f) => f.payload)),
          };
        }
        const r = (a?: ModelBytes, b?: ModelBytes) => (a && b && b.meanPayload > 0 ? a.meanPayload / b.meanPayload : NaN);
        rows.push({
          middlebox: m, trace: basename(trace), packets, models: per,
          ratioFlowspace: r(per.all, per.flowspace), ratioUpdated: r(per.all, per['flowspace+updated']),
        });
      }
    }
  } finally {
    if (!opts.work) rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

/** Markdown table of the rows (BENCHMARKS.md). */
export function bytesTable(rows: BytesRow[]): string {
  const f = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '–');
  const lines = [
    '| middlebox | trace | packets | all B/pkt | flowspace B/pkt | flowspace+updated B/pkt | all/flowspace | all/flowspace+updated |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows)
    lines.push(`| ${r.middlebox} | ${r.trace} | ${r.packets} | ${f(r.models.all?.meanPayload)} | ${f(r.models.flowspace?.meanPayload)} | ${f(r.models['flowspace+updated']?.meanPayload)} | ${f(r.ratioFlowspace)}× | ${f(r.ratioUpdated)}× |`);
  return lines.join('\n');
}

/** The shell entry (bytes-bench-cli.ts): flags --mbox a,b --trace f (repeatable) --json. */
export async function bytesBenchMain(argv: string[]): Promise<void> {
  const get = (flag: string) => argv.flatMap((a, i) => (a === flag && argv[i + 1] ? [argv[i + 1]] : []));
  const middleboxes = (get('--mbox')[0] ?? 'synblock,lb,firewall,nat,assetmon,ids').split(',');
  let traces = get('--trace');
  if (traces.length === 0) {
    traces = ['small-mixed.pcap', 'many-flows.pcap', 'scan.pcap'].map((t) => join(PACKAGE_ROOT, 'traces', t));
    const real = '/work/shared/traces/ftp-bruteforce-1400conns.pcap';
    if (existsSync(real)) traces.push(real);
  }
  const rows = await measureStateBytes({ middleboxes, traces });
  process.stdout.write(argv.includes('--json') ? JSON.stringify(rows, null, 2) + '\n' : bytesTable(rows) + '\n');
}

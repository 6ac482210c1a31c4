// Test helper: run an instrumented middlebox as primary on a trace, relay its
// state frames (optionally tampered) to a standby of the same build over fd 4,
// and collect both sides' per-frame digests (SA_DIGEST_FILE) and outputs.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import msgpack from 'msgpack-lite';

export const SHARED_TRACES = resolve(import.meta.dirname, '../../../../shared/traces');

export interface Frame {
  t: string;
  seq: number;
  pkt?: number;
  model?: string;
  payload?: Buffer;
  out?: number[];
}

/** Splits a fd-3 byte stream into frames (u32 big-endian length + MessagePack map). */
export function splitFrames(buf: Buffer): Frame[] {
  const out: Frame[] = [];
  for (let o = 0; o < buf.length; ) {
    if (o + 4 > buf.length) throw new Error(`stream cut inside a length at ${o}`);
    const n = buf.readUInt32BE(o);
    if (o + 4 + n > buf.length) throw new Error(`stream cut inside a frame at ${o}`);
    out.push(msgpack.decode(buf.subarray(o + 4, o + 4 + n)) as Frame);
    o += 4 + n;
  }
  return out;
}

export function frameBytes(f: Frame): Buffer {
  const body = msgpack.encode(f);
  const hdr = Buffer.alloc(4);
  hdr.writeUInt32BE(body.length);
  return Buffer.concat([hdr, body]);
}

/** Removes variable `name` from a state payload (a fault the digests must catch). */
export function dropVariable(f: Frame, name: string): Frame {
  if (!f.payload) return f;
  const p = msgpack.decode(f.payload) as Record<string, unknown>;
  delete p[name];
  return { ...f, payload: msgpack.encode(p) };
}

type Payload = Record<string, unknown> & { ''?: unknown[][]; $?: Record<string, unknown[]> };

// 64-bit integers (addresses, microsecond clocks) must survive a re-encoding as integers
const INT64 = msgpack.createCodec({ int64: true });

/** Removes triple `k` (container, offset, value) of variable `name`'s slots from a flowspace frame. */
export function dropSlot(f: Frame, name: string, k: number): Frame {
  const p = msgpack.decode(f.payload!, { codec: INT64 }) as Payload;
  const list = p.$![name];
  list.splice(3 * k, 3);
  if (list.length === 0) delete p.$![name];
  return { ...f, payload: msgpack.encode(p, { codec: INT64 }) };
}

/**
 * A slot whose loss must change the standby's state: a (variable, container, offset)
 * that goes from NULL (in the full first frame, and never touched since) to an entry.
 * Only for containers of pointers (8-byte elements), as the chained tables are.
 */
export function findChangingSlot(frames: Frame[]): { frame: number; name: string; k: number } | undefined {
  if (frames.length < 2) return undefined;
  const first = msgpack.decode(frames[0].payload!) as Payload;
  const seen = new Set<string>();
  const block = (id: unknown): unknown[] | undefined => {
    const o = typeof id === 'number' ? first['']?.[id - 1] : undefined; // a heap array: [n, e0, e1, ...]
    return Array.isArray(o) && o.length > 1 && o[1] !== true ? o.slice(1) : undefined;
  };
  const elementsOf = (name: string): unknown[] | undefined => {
    const v = first[name];
    // a struct variable whose first member points to the table (ids' flow_table), or an array variable
    if (Array.isArray(v)) return block(v[0]) && (first['']?.[(v[0] as number) - 1] as unknown[])[0] as number > 1 ? block(v[0]) : v;
    return block(v); // a pointer to a heap array
  };
  for (let i = 1; i < frames.length; i++) {
    const p = msgpack.decode(frames[i].payload!) as Payload;
    for (const [name, list] of Object.entries(p.$ ?? {})) {
      for (let k = 0; 3 * k < list.length; k++) {
        const [c, off, value] = list.slice(3 * k, 3 * k + 3) as [number, number, unknown];
        const key = `${name}/${c}/${off}`;
        const before = elementsOf(name)?.[off / 8];
        if (!seen.has(key) && c === 0 && off % 8 === 0 && before === null && value !== null && p[name] === undefined)
          return { frame: i, name, k };
        seen.add(key);
      }
    }
  }
  return undefined;
}

/** Writes the first `n` packets of a classic pcap file to `dst` (a shorter real trace for a test). */
export function pcapHead(src: string, n: number, dst: string): string {
  const b = readFileSync(src);
  if (b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${src}: not a little-endian microsecond pcap`);
  let o = 24;
  for (let k = 0; k < n && o + 16 <= b.length; k++) o += 16 + b.readUInt32LE(o + 8);
  writeFileSync(dst, b.subarray(0, Math.min(o, b.length)));
  return dst;
}

export interface Run {
  code: number | null;
  stderr: string;
  fd3: Buffer;
  dir: string;
}

/** Runs the binary with fds 3 (collected) and 4 (fed `input`, or closed when undefined). */
export function runMbox(bin: string, args: string[], env: Record<string, string>, input?: Buffer): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'sa-run-'));
  return new Promise((res, rej) => {
    const child = spawn(bin, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', input === undefined ? 'ignore' : 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => chunks.push(d));
    if (input !== undefined) {
      const w = child.stdio[4] as NodeJS.WritableStream;
      w.on('error', () => undefined); // a standby that failed closes early; its exit code tells
      w.end(input);
    }
    child.on('error', rej);
    child.on('close', (code) => res({ code, stderr, fd3: Buffer.concat(chunks), dir }));
  });
}

export interface PairResult {
  primary: Run;
  standby: Run;
  frames: Frame[];
  primaryDigests: string[];
  standbyDigests: string[];
  applied: Frame[];
}

/** Primary on `trace`, then a standby fed its frames (through `relay`). */
export async function runPair(
  bin: string,
  mboxArgs: string[],
  trace: string,
  model: string,
  opts: { relay?: (f: Frame, i: number) => Frame; digestEvery?: number; work: string; env?: Record<string, string> },
): Promise<PairResult> {
  const every = String(opts.digestEvery ?? 1);
  const pd = join(opts.work, `p-${model}.dig`);
  const sd = join(opts.work, `s-${model}.dig`);
  const primary = await runMbox(
    bin,
    ['--sa-mode', 'primary', '--sa-model', model, '-r', trace, '-l', join(opts.work, `p-${model}.log`), ...mboxArgs],
    { SA_DIGEST_FILE: pd, SA_DIGEST_EVERY: every, ...opts.env },
  );
  const frames = splitFrames(primary.fd3);
  const relayed = Buffer.concat(frames.map((f, i) => frameBytes(opts.relay ? opts.relay(f, i) : f)));
  const standby = await runMbox(
    bin,
    ['--sa-mode', 'standby', '--sa-model', model, '-r', trace, '-l', join(opts.work, `s-${model}.log`), ...mboxArgs],
    { SA_DIGEST_FILE: sd, SA_DIGEST_EVERY: every, ...opts.env },
    relayed,
  );
  const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter((l) => l.length > 0);
  return {
    primary,
    standby,
    frames,
    primaryDigests: lines(pd),
    standbyDigests: primary.code === 0 && standby.code === 0 ? lines(sd) : [],
    applied: standby.code === 0 ? splitFrames(standby.fd3) : [],
  };
}

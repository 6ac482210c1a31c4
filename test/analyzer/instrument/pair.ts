// Test helper: run an instrumented middlebox as primary on a trace, relay its
// state frames (optionally tampered) to a standby of the same build over fd 4,
// and collect both sides' per-frame digests (SA_DIGEST_FILE) and outputs.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
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
  opts: { relay?: (f: Frame) => Frame; digestEvery?: number; work: string },
): Promise<PairResult> {
  const every = String(opts.digestEvery ?? 1);
  const pd = join(opts.work, `p-${model}.dig`);
  const sd = join(opts.work, `s-${model}.dig`);
  const primary = await runMbox(
    bin,
    ['--sa-mode', 'primary', '--sa-model', model, '-r', trace, '-l', join(opts.work, `p-${model}.log`), ...mboxArgs],
    { SA_DIGEST_FILE: pd, SA_DIGEST_EVERY: every },
  );
  const frames = splitFrames(primary.fd3);
  const relayed = Buffer.concat(frames.map((f) => frameBytes(opts.relay ? opts.relay(f) : f)));
  const standby = await runMbox(
    bin,
    ['--sa-mode', 'standby', '--sa-model', model, '-r', trace, '-l', join(opts.work, `s-${model}.log`), ...mboxArgs],
    { SA_DIGEST_FILE: sd, SA_DIGEST_EVERY: every },
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

// Helpers for the data-driven middlebox suite: manifest discovery, make,
// running a middlebox on a trace, a tiny pcap reader/writer and frame builder.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const MIDDLEBOXES_DIR = join(REPO_ROOT, 'middleboxes');
/** Real traces shared next to the repository; tests skip them only when absent. */
export const SHARED_TRACES_DIR = resolve(REPO_ROOT, '../shared/traces');
export const COMMITTED_TRACES_DIR = join(REPO_ROOT, 'traces');

/** The `mbox.json` manifest every middlebox folder carries. */
export interface MboxManifest {
  name: string;
  imitates: string;
  sources: string[];
  cflags: string[];
  onPath: boolean;
  args: string[];
  loopProcedure: string;
}

export interface Middlebox {
  dir: string;
  manifest: MboxManifest;
}

/** Checks a parsed manifest; returns the problems found (empty when valid). */
export function manifestProblems(m: unknown): string[] {
  const problems: string[] = [];
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return ['manifest is not a JSON object'];
  const o = m as Record<string, unknown>;
  const str = (k: string) => {
    if (typeof o[k] !== 'string' || (o[k] as string).length === 0) problems.push(`"${k}" must be a non-empty string`);
  };
  const strArr = (k: string) => {
    if (!Array.isArray(o[k]) || !(o[k] as unknown[]).every((x) => typeof x === 'string'))
      problems.push(`"${k}" must be an array of strings`);
  };
  str('name');
  str('imitates');
  str('loopProcedure');
  strArr('sources');
  strArr('cflags');
  strArr('args');
  if (typeof o.onPath !== 'boolean') problems.push('"onPath" must be a boolean');
  if (Array.isArray(o.sources) && o.sources.length === 0) problems.push('"sources" is empty');
  return problems;
}

/** Every `middleboxes/<name>/mbox.json`, sorted by name. */
export function discoverMiddleboxes(): Middlebox[] {
  if (!existsSync(MIDDLEBOXES_DIR)) return [];
  return readdirSync(MIDDLEBOXES_DIR)
    .sort()
    .map((name) => join(MIDDLEBOXES_DIR, name))
    .filter((dir) => existsSync(join(dir, 'mbox.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'mbox.json'), 'utf8')) as MboxManifest }));
}

/** Trace files (pcap/pcapng) in a folder, sorted; [] when the folder is absent. */
export function traceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  ms: number;
}

/** Runs a command with a time limit, collecting output; never rejects. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: Buffer; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const start = Date.now();
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    if (opts.input) {
      child.stdin!.on('error', () => undefined); // the child may exit before reading everything
      child.stdin!.end(opts.input);
    }
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), ms: Date.now() - start });
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolvePromise({ code: null, signal: null, stdout: Buffer.alloc(0), stderr: String(e), ms: Date.now() - start });
    });
  });
}

/** `make -C dir targets...`; resolves with the combined output and exit code. */
export function make(dir: string, targets: string[], extra: string[] = []): Promise<{ code: number; output: string }> {
  return new Promise((res) => {
    execFile('make', ['-C', dir, ...extra, ...targets], { maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      res({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** Runs tasks with at most `limit` in flight; results keep input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Environment for sanitizer builds: fail hard, report leaks, no colours. */
export const SANITIZER_ENV: NodeJS.ProcessEnv = {
  ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86:color=never',
  UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1:exitcode=87:color=never',
};

/** Sanitizer or crash reports found in a process's stderr. */
export function sanitizerFindings(stderr: string): string[] {
  const pats = [/ERROR: AddressSanitizer[^\n]*/g, /ERROR: LeakSanitizer[^\n]*/g, /runtime error:[^\n]*/g, /SUMMARY: \w+Sanitizer[^\n]*/g];
  return pats.flatMap((p) => stderr.match(p) ?? []);
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `statelab-${prefix}-`));
}

export function newerThan(file: string, ms: number): boolean {
  return existsSync(file) && statSync(file).mtimeMs >= ms;
}

// ---- pcap files ---------------------------------------------------------

export interface PcapPacket {
  sec: number;
  usec: number;
  caplen: number;
  len: number;
  data: Buffer;
}

/** Reads a classic pcap (either byte order, µs or ns); throws naming the offset on damage. */
export function readPcap(buf: Buffer): { linktype: number; packets: PcapPacket[] } {
  if (buf.length < 24) throw new Error(`pcap: ${buf.length}-byte file has no global header`);
  const magicLE = buf.readUInt32LE(0);
  let le: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) le = true;
  else if (buf.readUInt32BE(0) === 0xa1b2c3d4 || buf.readUInt32BE(0) === 0xa1b23c4d) le = false;
  else throw new Error(`pcap: bad magic 0x${magicLE.toString(16)} at offset 0`);
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linktype = u32(20);
  const packets: PcapPacket[] = [];
  let off = 24;
  while (off < buf.length) {
    if (off + 16 > buf.length) throw new Error(`pcap: truncated record header at offset ${off}`);
    const caplen = u32(off + 8);
    if (off + 16 + caplen > buf.length) throw new Error(`pcap: truncated record data at offset ${off}`);
    packets.push({ sec: u32(off), usec: u32(off + 4), caplen, len: u32(off + 12), data: buf.subarray(off + 16, off + 16 + caplen) });
    off += 16 + caplen;
  }
  return { linktype, packets };
}

/** Writes a little-endian µs pcap (linktype Ethernet unless given). */
export function writePcap(packets: { sec: number; usec: number; data: Buffer; len?: number }[], linktype = 1): Buffer {
  const parts: Buffer[] = [];
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(65535, 16);
  gh.writeUInt32LE(linktype, 20);
  parts.push(gh);
  for (const p of packets) {
    const rh = Buffer.alloc(16);
    rh.writeUInt32LE(p.sec >>> 0, 0);
    rh.writeUInt32LE(p.usec >>> 0, 4);
    rh.writeUInt32LE(p.data.length, 8);
    rh.writeUInt32LE(p.len ?? p.data.length, 12);
    parts.push(rh, p.data);
  }
  return Buffer.concat(parts);
}

// ---- frame builder (for synthetic and malformed traces) -----------------

/** RFC 1071 checksum of a buffer (independent of the C helpers under test). */
export function inetChecksum(b: Buffer, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
  if (b.length % 2) sum += b[b.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function ipv4Addr(s: string): Buffer {
  return Buffer.from(s.split('.').map((x) => Number(x)));
}

export function ethernet(type: number, payload: Buffer, tags: { tpid: number; vid: number }[] = []): Buffer {
  const h = Buffer.alloc(14);
  Buffer.from([0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa]).copy(h);
  const tagBytes = tags.map((t, i) => {
    const b = Buffer.alloc(4);
    b.writeUInt16BE(t.vid & 0x0fff, 0);
    b.writeUInt16BE(i + 1 < tags.length ? tags[i + 1].tpid : type, 2);
    return b;
  });
  h.writeUInt16BE(tags.length ? tags[0].tpid : type, 12);
  return Buffer.concat([h, ...tagBytes, payload]);
}

export interface Ipv4Opts {
  src: string;
  dst: string;
  proto: number;
  ttl?: number;
  id?: number;
  df?: boolean;
  fragOffset?: number;
  mf?: boolean;
  options?: Buffer;
}

export function ipv4(o: Ipv4Opts, payload: Buffer): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  const hlen = 20 + opts.length;
  const h = Buffer.alloc(hlen);
  h[0] = 0x40 | (hlen / 4);
  h.writeUInt16BE(hlen + payload.length, 2);
  h.writeUInt16BE(o.id ?? 1, 4);
  h.writeUInt16BE((o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | ((o.fragOffset ?? 0) & 0x1fff), 6);
  h[8] = o.ttl ?? 64;
  h[9] = o.proto;
  ipv4Addr(o.src).copy(h, 12);
  ipv4Addr(o.dst).copy(h, 16);
  opts.copy(h, 20);
  h.writeUInt16BE(inetChecksum(h), 10);
  return Buffer.concat([h, payload]);
}

export interface TcpOpts {
  sport: number;
  dport: number;
  flags: number;
  seq?: number;
  ack?: number;
  win?: number;
  options?: Buffer;
}

export const TH = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20 } as const;

/** TCP segment (checksum left zero: middleboxes here do not verify it). */
export function tcp(o: TcpOpts, payload: Buffer = Buffer.alloc(0)): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  const hlen = 20 + opts.length;
  const h = Buffer.alloc(hlen);
  h.writeUInt16BE(o.sport, 0);
  h.writeUInt16BE(o.dport, 2);
  h.writeUInt32BE((o.seq ?? 1) >>> 0, 4);
  h.writeUInt32BE((o.ack ?? 0) >>> 0, 8);
  h[12] = (hlen / 4) << 4;
  h[13] = o.flags;
  h.writeUInt16BE(o.win ?? 29200, 14);
  opts.copy(h, 20);
  return Buffer.concat([h, payload]);
}

export function udp(sport: number, dport: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

/** Linux-style SYN options: MSS 1460, SACK-permitted, timestamps, NOP, WS 7. */
export const LINUX_SYN_OPTIONS = Buffer.from([2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]);

/** Deterministic PRNG (mulberry32) so generated traces are identical run to run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Well-formed frames covering the layers the common decoder handles. */
export function baseFrames(): Buffer[] {
  const http = Buffer.from('GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: curl/8.5.0\r\n\r\n');
  const banner = Buffer.from('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3\r\n');
  const v6 = Buffer.alloc(40);
  v6[0] = 0x60;
  v6.writeUInt16BE(8 + 8 + 12, 4);
  v6[6] = 0; // hop-by-hop first
  v6[7] = 64;
  v6[8] = 0x20;
  v6[9] = 0x01;
  v6[23] = 1;
  v6[24] = 0x20;
  v6[25] = 0x01;
  v6[39] = 2;
  const hbh = Buffer.from([17, 0, 1, 4, 0, 0, 0, 0]);
  const mpls = Buffer.from([0x00, 0x01, 0x00, 0x40, 0x00, 0x02, 0x01, 0x40]);
  const syn = tcp({ sport: 40000, dport: 22, flags: TH.SYN, win: 64240, options: LINUX_SYN_OPTIONS });
  const arp = Buffer.from([0, 1, 8, 0, 6, 4, 0, 2, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 10, 0, 0, 1, 0, 0x66, 0x77, 0x88, 0x99, 0xaa, 10, 0, 0, 2]);
  return [
    ethernet(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, df: true }, syn)),
    ethernet(0x0800, ipv4({ src: '10.0.0.2', dst: '10.0.0.1', proto: 6, df: true }, tcp({ sport: 22, dport: 40000, flags: TH.SYN | TH.ACK, win: 65160, options: LINUX_SYN_OPTIONS }))),
    ethernet(0x0800, ipv4({ src: '10.0.0.2', dst: '10.0.0.1', proto: 6 }, tcp({ sport: 22, dport: 40000, flags: TH.ACK | TH.PSH }, banner))),
    ethernet(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.3', proto: 6 }, tcp({ sport: 40001, dport: 80, flags: TH.ACK | TH.PSH }, http)), [{ tpid: 0x88a8, vid: 100 }, { tpid: 0x8100, vid: 200 }]),
    ethernet(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.9', proto: 17, options: Buffer.from([1, 1, 1, 0]) }, udp(5353, 53, Buffer.from('0123456789ab')))),
    ethernet(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.9', proto: 1 }, Buffer.from([8, 0, 0, 0, 0x12, 0x34, 0, 1, 1, 2, 3, 4]))),
    ethernet(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.9', proto: 17, mf: true }, udp(1000, 2000, Buffer.alloc(32, 7)))),
    ethernet(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.9', proto: 17, fragOffset: 4 }, Buffer.alloc(24, 9))),
    ethernet(0x86dd, Buffer.concat([v6, hbh, udp(53, 5353, Buffer.from('abcdefghijkl'))])),
    ethernet(0x8847, Buffer.concat([mpls, ipv4({ src: '10.1.0.1', dst: '10.1.0.2', proto: 6 }, tcp({ sport: 1234, dport: 443, flags: TH.SYN }))])),
    ethernet(0x0806, arp),
  ];
}

/**
 * A trace of malformed frames: every truncation of each base frame, broken
 * length fields, bad option lengths, runaway VLAN/MPLS/IPv6 chains, and
 * seeded random byte flips; timestamps jump forwards and backwards.
 */
export function malformedFrames(seed = 1): Buffer[] {
  const rnd = prng(seed);
  const out: Buffer[] = [];
  const bases = baseFrames();
  for (const f of bases) for (let cut = 0; cut < f.length; cut++) out.push(Buffer.from(f.subarray(0, cut)));
  const ipTcp = bases[0];
  const mutate = (f: Buffer, at: number, v: number) => {
    const g = Buffer.from(f);
    if (at < g.length) g[at] = v;
    return g;
  };
  for (const ihl of [0x40, 0x44, 0x4f, 0x46]) out.push(mutate(ipTcp, 14, ihl)); // IHL 0, 4, 15, 6 (no room)
  for (const tot of [0, 1, 19, 21, 0xffff]) {
    const g = Buffer.from(ipTcp);
    g.writeUInt16BE(tot, 16);
    out.push(g);
  }
  for (const doff of [0x00, 0x40, 0xf0, 0xa0]) out.push(mutate(ipTcp, 14 + 20 + 12, doff)); // TCP data offset
  for (const olen of [0, 1, 2, 3, 40, 255]) out.push(mutate(ipTcp, 14 + 20 + 21, olen)); // MSS option length
  out.push(mutate(ipTcp, 14 + 20 + 20, 0)); // EOL first, then garbage: "past EOL"
  out.push(ethernet(0x0800, Buffer.alloc(0), Array.from({ length: 12 }, () => ({ tpid: 0x8100, vid: 5 }))));
  out.push(ethernet(0x8847, Buffer.alloc(4 * 12, 0))); // MPLS never bottom-of-stack
  const v6loop = Buffer.alloc(40 + 8 * 12);
  v6loop[0] = 0x60;
  v6loop.writeUInt16BE(8 * 12, 4);
  v6loop[6] = 60;
  for (let i = 0; i < 12; i++) v6loop[40 + 8 * i] = 60; // destination options forever
  out.push(ethernet(0x86dd, v6loop));
  const v6long = Buffer.from(v6loop);
  v6long[41] = 200; // extension header length far past the end
  out.push(ethernet(0x86dd, v6long));
  out.push(Buffer.alloc(60, 0xff), Buffer.alloc(14, 0), Buffer.alloc(1, 0x45));
  for (let i = 0; i < 400; i++) {
    const g = Buffer.from(bases[Math.floor(rnd() * bases.length)]);
    const flips = 1 + Math.floor(rnd() * 6);
    for (let k = 0; k < flips; k++) g[Math.floor(rnd() * g.length)] = Math.floor(rnd() * 256);
    out.push(rnd() < 0.3 ? g.subarray(0, Math.floor(rnd() * g.length)) : g);
  }
  return out;
}

/** The malformed frames as a pcap whose timestamps wander (including backwards and long gaps). */
export function malformedTrace(seed = 1): Buffer {
  const rnd = prng(seed + 1);
  let t = 1_600_000_000;
  return writePcap(
    malformedFrames(seed).map((data) => {
      const r = rnd();
      t += r < 0.05 ? 4000 : r < 0.1 ? -50 : Math.floor(rnd() * 3);
      return { sec: t, usec: Math.floor(rnd() * 1e6), data, len: data.length + (rnd() < 0.1 ? 100 : 0) };
    }),
  );
}

export function readText(file: string): string {
  return readFileSync(file, 'utf8');
}

/** A counting semaphore so that every process the suite starts shares one small limit. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Where two runs' outputs first differ (log line or pcap record), or null when identical. */
export function firstDifference(a: { log: Buffer; pcap?: Buffer }, b: { log: Buffer; pcap?: Buffer }): string | null {
  if (!a.log.equals(b.log)) {
    const la = a.log.toString('utf8').split('\n');
    const lb = b.log.toString('utf8').split('\n');
    const i = la.findIndex((l, k) => l !== lb[k]);
    const at = i === -1 ? la.length : i;
    return `log differs at line ${at + 1}: ${JSON.stringify(la[at])} vs ${JSON.stringify(lb[at])}`;
  }
  if (a.pcap && b.pcap && !a.pcap.equals(b.pcap)) {
    const pa = readPcap(a.pcap).packets;
    const pb = readPcap(b.pcap).packets;
    const i = pa.findIndex((p, k) => !pb[k] || !p.data.equals(pb[k].data) || p.sec !== pb[k].sec || p.usec !== pb[k].usec);
    return `packet output differs at record ${i === -1 ? pa.length : i} (${pa.length} vs ${pb.length} records)`;
  }
  return null;
}

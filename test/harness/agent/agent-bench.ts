// Benchmark of the agent pair on loopback (BENCHMARKS.md): replication
// throughput (frames/s, MB/s) for several payload sizes, and heartbeat
// failure-detection latency. The standby and primary run in two processes.
// Run: see BENCHMARKS.md (bundled with esbuild, then node).
import { fork, type ChildProcess } from 'node:child_process';
import { WebSocket, WebSocketServer } from 'ws';
import { PassThrough } from 'node:stream';
import { PrimaryAgent, StandbyAgent, MboxLink } from '../../../harness/agent/index.js';
import { encodeLocal, LocalFrameReader, decodeLocal } from '../../../harness/protocol/index.js';

const KEY = Buffer.from('statelab-benchmark-key-0123456789', 'utf8');
const role = process.argv[2] ?? 'main';

/** A standby middlebox that imports nothing and answers `applied` at once: measures the agents, not a middlebox. */
function nullStandbyMbox(): MboxLink {
  const toAgent = new PassThrough();
  const toMbox = new PassThrough();
  const reader = new LocalFrameReader();
  toMbox.on('data', (c: Buffer) => {
    for (const body of reader.push(c)) {
      const f = decodeLocal(body);
      if (f.t === 'state' || f.t === 'snapshot') toAgent.write(encodeLocal({ t: 'applied', seq: f.seq }));
      else if (f.t === 'takeover') toAgent.write(encodeLocal({ t: 'live', seq: f.seq }));
    }
  });
  return new MboxLink(toAgent, toMbox);
}

/** A primary middlebox that answers snapshot requests and emits frames when told to. */
function scriptedPrimaryMbox(): { link: MboxLink; emit(n: number, size: number, from: number): Promise<void> } {
  const toAgent = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
  const toMbox = new PassThrough();
  const reader = new LocalFrameReader();
  let seq = 0;
  toMbox.on('data', (c: Buffer) => {
    for (const body of reader.push(c)) {
      if (decodeLocal(body).t === 'snapshot-request') toAgent.write(encodeLocal({ t: 'snapshot', seq, pkt: seq, model: 'all', payload: Buffer.alloc(32) }));
    }
  });
  return {
    link: new MboxLink(toAgent, toMbox),
    async emit(n, size) {
      const payload = Buffer.alloc(size, 0x5a);
      for (let i = 0; i < n; i++) {
        seq++;
        if (!toAgent.write(encodeLocal({ t: 'state', seq, pkt: seq, model: 'all', payload }))) await new Promise((r) => toAgent.once('drain', r));
        // A PassThrough in flowing mode delivers synchronously; yield as a pipe reader would.
        else if (i % 64 === 63) await new Promise((r) => setImmediate(r));
      }
    },
  };
}

async function standbyChild(): Promise<void> {
  const heartbeatMs = Number(process.argv[3] ?? 10);
  const agent = new StandbyAgent(nullStandbyMbox(), { key: KEY, model: 'all', heartbeatMs, missLimit: 3, maxFramesPerSecond: 10_000_000 });
  agent.on('peer-dead', (silent) => process.send!({ t: 'dead', at: performance.timeOrigin + performance.now(), silent }));
  agent.on('peer', () => process.send!({ t: 'peer' }));
  const port = await agent.listen(0);
  process.send!({ t: 'port', port });
  process.on('message', (m: { t: string }) => {
    if (m.t === 'exit') void agent.close().then(() => process.exit(0));
  });
}

function message<T>(child: ChildProcess, t: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { t: string }): void => {
      if (m.t === t) {
        child.off('message', on);
        resolve(m as T);
      }
    };
    child.on('message', on);
  });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Baseline: a bare ws server that counts messages and reports the count once per turn. */
async function bareChild(): Promise<void> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, maxPayload: 1 << 27 });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => {
    let n = 0;
    let scheduled = false;
    ws.on('message', () => {
      n++;
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        ws.send(String(n));
      });
    });
  });
  process.send!({ t: 'port', port: (wss.address() as { port: number }).port });
  process.on('message', (m: { t: string }) => m.t === 'exit' && process.exit(0));
}

/** Bare ws loopback rate for `n` messages of `bytes`, with the same batching as the agent bench. */
async function bareRate(port: number, n: number, bytes: number): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false, generateMask: () => {} });
  await new Promise((r) => ws.once('open', r));
  const msg = Buffer.alloc(bytes, 0x5a);
  const t0 = performance.now();
  const done = new Promise<void>((r) => ws.on('message', (d) => Number(d.toString()) >= n && r()));
  // The same flow control as the primary agent: at most 1024 messages or 8 MiB unsent.
  let inflight = 0;
  let inflightBytes = 0;
  let resume: (() => void) | null = null;
  for (let i = 0; i < n; i++) {
    inflight++;
    inflightBytes += msg.length;
    ws.send(msg, () => {
      inflight--;
      inflightBytes -= msg.length;
      if (resume && inflight < 512 && inflightBytes < 4 * 1024 * 1024) (resume(), (resume = null));
    });
    if (inflight > 1024 || inflightBytes > 8 * 1024 * 1024) await new Promise<void>((r) => (resume = r));
    else if (i % 64 === 63) await new Promise((r) => setImmediate(r));
  }
  await done;
  const sec = (performance.now() - t0) / 1000;
  ws.close();
  return n / sec;
}

const SIZES = [
  [64, 50_000],
  [1024, 50_000],
  [64 * 1024, 2_000],
] as const;
const ROUNDS = Number(process.env.ROUNDS ?? 3);

function median(xs: number[]): number {
  return pct(xs, 50);
}

/**
 * For each payload size, ROUNDS rounds of (bare ws, agent pair) back to back,
 * so the ratio compares runs made under the same machine load.
 */
async function throughput(): Promise<void> {
  const bare = fork(process.argv[1]!, ['bare-child'], { stdio: 'inherit' });
  const { port: barePort } = await message<{ port: number }>(bare, 'port');
  const child = fork(process.argv[1]!, ['standby-child', '10'], { stdio: 'inherit' });
  const { port } = await message<{ port: number }>(child, 'port');
  const mbox = scriptedPrimaryMbox();
  const primary = new PrimaryAgent(mbox.link, { key: KEY, model: 'all', heartbeatMs: 10 });
  primary.connect(`ws://127.0.0.1:${port}`);
  await new Promise<void>((r) => primary.on('ack', (s) => s === 0 && r()));
  console.log(`| payload | frames × rounds | agent frames/s (median) | agent MB/s payload | bare ws msgs/s (median) | agent / bare (median of rounds) |`);
  console.log('|---|---|---|---|---|---|');
  let base = 0;
  for (const [size, n] of SIZES) {
    const agentRates: number[] = [];
    const bareRates: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Envelope overhead of a state frame (map header, keys, seq/pkt/model, bin header) is ~40 bytes.
      const b = await bareRate(barePort, n, size + 40);
      const last = base + n;
      const t0 = performance.now();
      const done = new Promise<void>((r) => {
        const on = (s: number): void => {
          if (s === last) {
            primary.off('ack', on);
            r();
          }
        };
        primary.on('ack', on);
      });
      await mbox.emit(n, size, base);
      await done;
      const a = n / ((performance.now() - t0) / 1000);
      base = last;
      agentRates.push(a);
      bareRates.push(b);
      ratios.push(a / b);
    }
    const a = median(agentRates);
    console.log(`| ${size} B | ${n} × ${ROUNDS} | ${Math.round(a)} | ${((a * size) / 1e6).toFixed(1)} | ${Math.round(median(bareRates))} | ${median(ratios).toFixed(2)} |`);
  }
  await primary.close();
  child.send({ t: 'exit' });
  bare.send({ t: 'exit' });
  await Promise.all([new Promise((r) => child.once('exit', r)), new Promise((r) => bare.once('exit', r))]);
}

/** A primary agent in its own process, to be frozen with SIGSTOP (a hung host). */
async function primaryChild(): Promise<void> {
  const mbox = scriptedPrimaryMbox();
  const primary = new PrimaryAgent(mbox.link, { key: KEY, model: 'all', heartbeatMs: Number(process.argv[4]) });
  primary.connect(process.argv[3]!, 20);
}

async function detection(trials: number, heartbeatMs: number): Promise<void> {
  const standby = fork(process.argv[1]!, ['standby-child', String(heartbeatMs)], { stdio: 'inherit' });
  const { port } = await message<{ port: number }>(standby, 'port');
  const primary = fork(process.argv[1]!, ['primary-child', `ws://127.0.0.1:${port}`, String(heartbeatMs)], { stdio: 'inherit' });
  const fromStop: number[] = [];
  const silence: number[] = [];
  for (let i = 0; i < trials; i++) {
    await message(standby, 'peer');
    // Let heartbeats flow for a random while so the stop lands at a random phase of the interval.
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 50));
    const dead = message<{ at: number; silent: number }>(standby, 'dead');
    const stopAt = performance.timeOrigin + performance.now();
    primary.kill('SIGSTOP');
    const d = await dead;
    fromStop.push(d.at - stopAt);
    silence.push(d.silent);
    primary.kill('SIGCONT');
  }
  primary.kill('SIGKILL');
  standby.send({ t: 'exit' });
  await new Promise((r) => standby.once('exit', r));
  const f = (x: number): string => x.toFixed(1);
  console.log(`| heartbeat | miss limit | trials | from SIGSTOP p50 | p99 | max | silence at detection p50 | p99 |`);
  console.log('|---|---|---|---|---|---|---|---|');
  console.log(`| ${heartbeatMs} ms | 3 | ${trials} | ${f(pct(fromStop, 50))} ms | ${f(pct(fromStop, 99))} ms | ${f(Math.max(...fromStop))} ms | ${f(pct(silence, 50))} ms | ${f(pct(silence, 99))} ms |`);
}

if (role === 'standby-child') void standbyChild();
else if (role === 'bare-child') void bareChild();
else if (role === 'primary-child') void primaryChild();
else {
  console.log(`load average before: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  await throughput();
  await detection(Number(process.env.TRIALS ?? 200), 10);
}

// Good path: fake primary middlebox → primary agent → WebSocket → standby agent
// → fake standby middlebox, as real processes; every frame arrives in order,
// is applied and acked; gaps and reconnects resynchronise; takeover goes live.
import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { PrimaryAgent, StandbyAgent, MboxLink, type AgentLogEvent } from '../../../harness/agent/index.js';
import { startProcess, liveCount, killAll, type Subprocess } from '../../../harness/process/index.js';
import { KEY, waitFor } from './helpers.js';

const FAKE = fileURLToPath(new URL('../../fixtures/agent/fake-mbox.mjs', import.meta.url));

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  killAll();
  expect(liveCount()).toBe(0);
});

function mbox(args: string[]): Subprocess {
  const sp = startProcess([process.execPath, FAKE, ...args], { extraFds: 2, stdin: 'ignore', killGraceMs: 500 });
  cleanups.push(() => sp.terminate());
  return sp;
}

function lines(sp: Subprocess): string[] {
  const out: string[] = [];
  let rest = '';
  sp.stdout!.on('data', (c: Buffer) => {
    const parts = (rest + c.toString('utf8')).split('\n');
    rest = parts.pop()!;
    out.push(...parts);
  });
  return out;
}

async function pair(frames: number, size: number, extra: string[] = []) {
  const log: AgentLogEvent[] = [];
  const pm = mbox(['primary', String(frames), String(size), 'all', ...extra]);
  const sm = mbox(['standby', '0']);
  const pOut = lines(pm);
  const sOut = lines(sm);
  const standby = new StandbyAgent(MboxLink.fromSubprocess(sm), { key: KEY, model: 'all', heartbeatMs: 20, log: (e) => log.push(e) });
  const primary = new PrimaryAgent(MboxLink.fromSubprocess(pm), { key: KEY, model: 'all', heartbeatMs: 20, log: (e) => log.push(e) });
  cleanups.push(() => standby.close());
  cleanups.push(() => primary.close());
  const acks: number[] = [];
  const appliedAtAck: number[] = [];
  primary.on('ack', (s) => {
    acks.push(s);
    appliedAtAck.push(standby.lastApplied);
  });
  const port = await standby.listen(0);
  return { primary, standby, pOut, sOut, acks, appliedAtAck, log, url: `ws://127.0.0.1:${port}`, pm, sm };
}

describe('the digest check used below', () => {
  it('catches a dropped, repeated or reordered frame', async () => {
    const { BOOT, chain, payloadFor } = await import('../../fixtures/agent/fake-mbox-core.mjs');
    const run = (seqs: number[]) => seqs.reduce((h, s) => chain(h, payloadFor(s, 100)), BOOT).toString('hex');
    const good = run([1, 2, 3, 4]);
    expect(run([1, 2, 3, 4])).toBe(good);
    for (const broken of [[1, 2, 4], [1, 2, 2, 3, 4], [1, 3, 2, 4]]) expect(run(broken)).not.toBe(good);
  });
});

describe('primary → standby agent pair', () => {
  it('delivers every frame in order, applies and acks it, and both middleboxes end in the same state', async () => {
    const N = 300;
    const p = await pair(N, 100);
    p.primary.connect(p.url);
    await waitFor<void>((done) => p.primary.on('ack', (s) => s === N && done()), 10_000, `ack ${N}`);
    // The standby middlebox saw the snapshot at 0 and then 1..N, each exactly once, in order.
    const seqs = p.sOut.map((l) => Number(l.split(' ')[1]));
    expect(p.sOut[0]!.startsWith('snapshot 0 ')).toBe(true);
    expect(seqs).toEqual(Array.from({ length: N + 1 }, (_, i) => i));
    // Acks are cumulative: strictly increasing, ending at N, and each sent only
    // once the standby middlebox had reported that frame applied.
    expect(p.acks.at(-1)).toBe(N);
    for (let i = 1; i < p.acks.length; i++) expect(p.acks[i]!).toBeGreaterThan(p.acks[i - 1]!);
    p.acks.forEach((seq, i) => expect(p.appliedAtAck[i]!).toBeGreaterThanOrEqual(seq));
    await waitFor<void>((done) => (p.pOut.length > 0 ? done() : p.pm.stdout!.once('data', () => done())), 5_000, 'primary done line');
    const primaryDigest = p.pOut[0]!.split(' ')[2];
    expect(p.sOut.at(-1)!.split(' ')[2]).toBe(primaryDigest);
    expect(p.log.filter((e) => e.event === 'reject')).toEqual([]);
  });

  it('resynchronises with a full snapshot after a sequence gap and still ends in the same state', async () => {
    const N = 50;
    const p = await pair(N, 10, ['20']); // the primary middlebox never exports seq 20
    const resyncs: string[] = [];
    p.standby.on('resync', (r) => resyncs.push(r));
    p.primary.connect(p.url);
    await waitFor<void>((done) => p.primary.on('ack', (s) => s === N && done()), 10_000, `ack ${N}`);
    expect(resyncs).toEqual(['connect', 'gap']);
    expect(p.log.some((e) => e.event === 'gap' && e.detail === 'expected seq 20, got 21')).toBe(true);
    await waitFor<void>((done) => (p.pOut.length > 0 ? done() : p.pm.stdout!.once('data', () => done())), 5_000, 'primary done line');
    expect(p.sOut.at(-1)!.split(' ')[2]).toBe(p.pOut[0]!.split(' ')[2]);
    // The standby never imported a frame out of order: every state line is one more than the line before.
    const kinds = p.sOut.map((l) => l.split(' '));
    for (let i = 1; i < kinds.length; i++) {
      if (kinds[i]![0] === 'state') expect(Number(kinds[i]![1])).toBe(Number(kinds[i - 1]![1]) + 1);
    }
  });

  it('hands over on takeover: the standby middlebox goes live at the last frame sent', async () => {
    const N = 40;
    const p = await pair(N, 10);
    p.primary.connect(p.url);
    await waitFor<void>((done) => p.primary.on('ack', (s) => s === N && done()), 10_000, `ack ${N}`);
    const live = waitFor<number>((done) => p.standby.on('live', done), 5_000, 'live');
    const seq = await p.primary.takeover();
    expect(seq).toBe(N);
    expect(await live).toBe(N);
    expect(p.standby.isLive).toBe(true);
    await waitFor<void>((done) => (p.sOut.some((l) => l.startsWith('live ')) ? done() : p.sm.stdout!.once('data', () => done())), 2_000, 'live line');
    expect(p.sOut.find((l) => l.startsWith('live '))).toMatch(new RegExp(`^live ${N} `));
  });

  it('resynchronises after a reconnect', async () => {
    const N = 30;
    const p = await pair(N, 10);
    const resyncs: string[] = [];
    p.standby.on('resync', (r) => resyncs.push(r));
    p.primary.connect(p.url, 50);
    await waitFor<void>((done) => p.primary.on('ack', (s) => s === N && done()), 10_000, `ack ${N}`);
    // Cut the TCP connection under both agents; the primary reconnects.
    const peerCount = p.standby.connectionCount;
    const again = waitFor<number>((done) => p.standby.on('peer', done), 5_000, 'second peer');
    (p.standby as unknown as { active: { ws: { terminate(): void } } }).active.ws.terminate();
    expect(await again).toBeGreaterThan(peerCount);
    await waitFor<void>((done) => (resyncs.length >= 2 ? done() : p.standby.on('resync', () => done())), 5_000, 'reconnect resync');
    expect(resyncs).toEqual(['connect', 'reconnect']);
  });
});

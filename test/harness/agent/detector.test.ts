// The standby's failure detector against stalls of its own event loop: a
// 100 ms block with a 10 ms × 3 detector is not a dead primary (both agents in
// this process, joined by the crash relay, as in the run controller: the
// primary's heartbeats stall too); a primary that really went silent is still
// found dead. The detector before loop-lag accounting fails the first test.
import { afterEach, describe, expect, it } from 'vitest';
import { PrimaryAgent, SilenceDetector, StandbyAgent } from '../../../harness/agent/index.js';
import { CrashLink } from '../../../harness/run/crash-link.js';
import { eventually, inProcessPrimary, inProcessStandby, KEY, waitFor } from './helpers.js';

/** Block this thread (not a busy loop: the thread sleeps) for `ms`. */
function blockLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function syncedPair() {
  const s = inProcessStandby();
  const p = inProcessPrimary({ frames: 0, size: 16 });
  const opts = { key: KEY, model: 'all' as const, heartbeatMs: 10, missLimit: 3 };
  const standby = new StandbyAgent(s.link, opts);
  const primary = new PrimaryAgent(p.link, opts);
  cleanups.push(() => standby.close(), () => primary.close());
  const dead: number[] = [];
  standby.on('peer-dead', (ms) => dead.push(ms));
  // Through the run controller's relay, as in a crash run: a frame takes two turns of the
  // event loop to reach the standby (relay read, then standby read).
  const relay = new CrashLink();
  cleanups.push(async () => relay.close());
  const port = await relay.listen('127.0.0.1', await standby.listen(0));
  const acked = waitFor<void>((done) => primary.once('ack', () => done()), 5_000, 'snapshot ack');
  primary.connect(`ws://127.0.0.1:${port}`);
  await acked;
  return { standby, primary, dead };
}

describe('heartbeat detector and stalls of our own event loop', () => {
  it('a 100 ms block of the event loop (10 ms heartbeat, 3 misses) is no false takeover', async () => {
    const { standby, primary, dead } = await syncedPair();
    const sessions = standby.connectionCount;
    for (let i = 0; i < 3; i++) {
      await sleep(40);
      const before = performance.now();
      blockLoop(100);
      // What a wall-clock detector would see right after the block: far past its 30 ms deadline.
      expect(performance.now() - before).toBeGreaterThanOrEqual(95);
      await sleep(80);
    }
    expect(dead).toEqual([]);
    expect(standby.connectionCount).toBe(sessions);
    expect(primary.lastAckedSeq).toBeGreaterThanOrEqual(0);
    // The session is still up: the primary's heartbeats keep arriving and nothing was resynced.
    expect(standby.openConnections).toBe(1);
  });

  it('a primary that really stops is still declared dead, and only after 30 ms of running time', async () => {
    const { standby, primary, dead } = await syncedPair();
    const found = waitFor<number>((done) => standby.once('peer-dead', done), 5_000, 'peer-dead');
    // Stop the primary's heartbeats without closing anything (a hung host), then stall ourselves.
    const timers = primary as unknown as { heartbeat: NodeJS.Timeout };
    clearInterval(timers.heartbeat);
    const t0 = performance.now();
    blockLoop(100);
    const unblocked = performance.now();
    const silent = await found;
    const after = performance.now();
    expect(dead).toHaveLength(1);
    expect(silent).toBeGreaterThanOrEqual(100);
    // Not at the first tick after the stall: the stall is not counted as the peer's silence…
    expect(after - unblocked).toBeGreaterThanOrEqual(10);
    // …but detected within the deadline plus scheduling slack once our loop runs again.
    expect(after - t0).toBeLessThan(100 + 30 + 250);
  });
});

describe('SilenceDetector', () => {
  it('fires after missLimit × heartbeatMs of silence, not before', async () => {
    const seen = performance.now();
    let fired: { silent: number; stalled: number; at: number } | null = null;
    const timers = new Set<NodeJS.Timeout>();
    const d = new SilenceDetector({
      heartbeatMs: 10,
      missLimit: 3,
      lastSeen: () => seen,
      onDead: (silent, stalled) => (fired = { silent, stalled, at: performance.now() }),
      setTimer: (fn, ms) => {
        const t = setTimeout(fn, ms);
        timers.add(t);
        return t;
      },
    });
    await sleep(20);
    expect(fired).toBeNull();
    await eventually(() => fired !== null, 1_000);
    d.stop();
    expect(fired).not.toBeNull();
    expect(fired!.silent).toBeGreaterThanOrEqual(30);
    expect(fired!.at - seen).toBeLessThan(30 + 250);
  });

  it('a frame after a stall forgets the stall; the next silence is counted in full', async () => {
    let seen = performance.now();
    let fired = false;
    const d = new SilenceDetector({
      heartbeatMs: 10,
      missLimit: 3,
      lastSeen: () => seen,
      onDead: () => (fired = true),
      setTimer: (fn, ms) => setTimeout(fn, ms),
    });
    await sleep(5);
    blockLoop(60);
    await sleep(15);
    expect(fired).toBe(false);
    expect(d.maxStallMs).toBeGreaterThanOrEqual(40);
    seen = performance.now();
    await sleep(12);
    expect(d.stalledMs).toBe(0);
    await eventually(() => fired, 1_000);
    expect(fired).toBe(true);
    d.stop();
  });
});

// Live replay end to end: primary and standby in two network namespaces joined
// by veth, agents over the WebSocket across that link, the trace injected and
// the packet output captured with cap; graceful and crash failover must leave
// the output unchanged (on-path firewall and synblock: log + packets; off-path
// assetmon: log), and a standby that never imports its state table must be caught.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInstrumented, buildPlain, loadMbox, type MboxSpec, type ResolvedFailover } from '../../../harness/run/index.js';
import { leftovers, runLive, type LiveRunResult } from '../../../harness/live/index.js';
import { liveCount } from '../../../harness/process/index.js';
import type { Model } from '../../../harness/protocol/index.js';
import { cannotGoLive } from './skip.js';

const MBOXES = fileURLToPath(new URL('../../../middleboxes/', import.meta.url));
const SMALL_MIXED = fileURLToPath(new URL('../../../traces/small-mixed.pcap', import.meta.url));
// A committed trace an on-path middlebox keeps state on: synblock (threshold 5) blocks the scanners' SYNs.
const SCAN = fileURLToPath(new URL('../../../traces/scan.pcap', import.meta.url));
// The committed traces never match the firewall's pass rules (every packet is denied, no packet output);
// dns-home's resolver traffic from 10.0.0.0/24 creates and uses keep-state entries both ways.
const DNS_HOME = '/work/shared/traces/dns-home.pcap';
const root = mkdtempSync(join(tmpdir(), 'h13-live-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Box {
  spec: MboxSpec;
  plain: string;
  instrumented: string;
}
const boxes = new Map<string, Box>();
async function box(name: string): Promise<Box> {
  if (!boxes.has(name)) {
    const spec = loadMbox(join(MBOXES, name));
    boxes.set(name, { spec, plain: await buildPlain(spec), instrumented: (await buildInstrumented(spec)).binary });
  }
  return boxes.get(name)!;
}

async function live(name: string, trace: string, failover: ResolvedFailover, model: Model, extra: { dropVar?: string } = {}): Promise<LiveRunResult & { id: string }> {
  const b = await box(name);
  let id = '';
  const r = await runLive({
    mbox: b.spec,
    trace,
    model,
    failover,
    workDir: join(root, `${name}-${failover.kind}-${model}-${extra.dropVar ?? 'ok'}`),
    // As the offline sweep: slack for a loaded 2-core machine (a false peer-dead would end the session).
    heartbeatMs: 50,
    missLimit: 10,
    timeoutMs: 60_000,
    binaries: { plain: b.plain, instrumented: b.instrumented },
    onTopology: (t) => (id = t),
    ...extra,
  });
  return { ...r, id };
}

/** What every sound live run shows: the run happened in two namespaces, nothing lost, nothing left behind. */
async function expectSoundRun(r: LiveRunResult & { id: string }): Promise<void> {
  expect(r.live.namespaces).toEqual([`${r.id}p`, `${r.id}s`]);
  expect(r.live.outputLost).toBe(0);
  expect(r.live.outputExtra).toBe(0);
  expect(r.live.inputLost).toBe(0);
  // Every packet was injected once: the reference took the whole trace, the pair split it at the commit point.
  expect(r.live.reference.injected).toBe(r.packets);
  expect(r.live.primary!.injected).toBeGreaterThan(r.commit!.pkt);
  expect(r.commit!.resumedAt + r.live.standby!.injected).toBe(r.packets);
  // The standby's own frames say it processed what it was given (a pcap_loop middlebox exports the last one at the next packet).
  expect(r.live.standby!.processed).toBeGreaterThanOrEqual(r.live.standby!.injected - 1);
  expect(await leftovers(r.id)).toEqual([]);
  expect(liveCount()).toBe(0);
}

describe.skipIf(cannotGoLive)('statelab run --live', () => {
  beforeAll(async () => {
    await Promise.all([box('firewall'), box('assetmon'), box('synblock')]);
  }, 120_000);

  describe.skipIf(!existsSync(DNS_HOME))('on-path: firewall on dns-home (log and packet output)', () => {
    it('graceful failover: live output equals one live instance, packets byte for byte', async () => {
      const r = await live('firewall', DNS_HOME, { kind: 'graceful', at: 200 }, 'flowspace');
      expect(r.firstDifference).toBeNull();
      expect(r.equivalent).toBe(true);
      // Both halves produced real output: log lines and forwarded packets on both sides of the handover.
      expect(r.output.primaryPackets).toBeGreaterThan(100);
      expect(r.output.standbyPackets).toBeGreaterThan(100);
      expect(r.output.primaryPackets + r.output.standbyPackets).toBe(r.output.singlePackets);
      expect(r.output.standbyLines).toBeGreaterThan(100);
      expect(r.commit).toMatchObject({ pkt: 199, resumedAt: 200 });
      // Times were masked (every firewall log line starts with the packet's capture time).
      expect(r.live.maskedTimes).toBeGreaterThanOrEqual(r.output.singleLines);
      await expectSoundRun(r);
    }, 60_000);

    it('crash failover (kill -9, inter-host link cut): equivalent, detected, replayed from the last applied packet', async () => {
      const r = await live('firewall', DNS_HOME, { kind: 'crash', at: 150 }, 'flowspace+updated');
      expect(r.firstDifference).toBeNull();
      expect(r.timings.detectedBy).not.toBeNull();
      expect(r.commit!.pkt).toBeGreaterThanOrEqual(149);
      await expectSoundRun(r);
    }, 60_000);

    it('negative control: a standby that never imports the state table is caught, first difference on the standby side', async () => {
      const r = await live('firewall', DNS_HOME, { kind: 'graceful', at: 200 }, 'all', { dropVar: 'state_tab' });
      expect(r.equivalent).toBe(false);
      // Replies whose keep-state entry the standby never received are denied by policy.
      expect(r.firstDifference).toMatchObject({ kind: 'log', side: 'standby' });
      expect((r.firstDifference as { actual: string }).actual).toMatch(/deny .* policy$/);
      expect(await leftovers(r.id)).toEqual([]);
    }, 60_000);
  });

  describe('on-path on a committed trace: synblock on scan.pcap (packet output, SYN counts per host)', () => {
    it('graceful failover: forwarded packets byte for byte and block lines equal one live instance', async () => {
      const r = await live('synblock', SCAN, { kind: 'graceful', at: 300 }, 'flowspace');
      expect(r.firstDifference).toBeNull();
      expect(r.output.primaryPackets).toBeGreaterThan(100);
      expect(r.output.standbyPackets).toBeGreaterThan(100);
      // Some SYNs were blocked (not forwarded): the output depends on the transferred counts.
      expect(r.output.singlePackets).toBeLessThan(r.packets - 100);
      expect(r.output.singleLines).toBeGreaterThan(0);
      await expectSoundRun(r);
    }, 60_000);

    it('negative control: a standby without the per-host SYN counts forwards what should be blocked', async () => {
      const r = await live('synblock', SCAN, { kind: 'graceful', at: 300 }, 'all', { dropVar: 'hosts' });
      expect(r.equivalent).toBe(false);
      expect(r.firstDifference).toMatchObject({ side: 'standby' });
    }, 60_000);
  });

  it('off-path: assetmon (pcap_loop) on a committed trace, graceful: equivalent logs', async () => {
    const r = await live('assetmon', SMALL_MIXED, { kind: 'graceful', at: 600 }, 'flowspace');
    expect(r.firstDifference).toBeNull();
    expect(r.output.singlePackets).toBe(0);
    expect(r.output.primaryLines).toBeGreaterThan(10);
    expect(r.output.standbyLines).toBeGreaterThan(10);
    // pcap_loop exports packet K-1's frame only at packet K, which the primary never gets: handover at K-2.
    expect(r.commit!.resumedAt).toBeGreaterThanOrEqual(599);
    await expectSoundRun(r);
  }, 60_000);

  it('off-path negative control: assetmon standby without its connection table differs', async () => {
    const r = await live('assetmon', SMALL_MIXED, { kind: 'graceful', at: 600 }, 'all', { dropVar: 'bucket' });
    expect(r.equivalent).toBe(false);
    expect(r.firstDifference).toMatchObject({ kind: 'log', side: 'standby' });
  }, 60_000);
});

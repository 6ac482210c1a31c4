// Failover with real instrumented builds (analyzer/instrument + the C runtime):
// graceful and crash failover of synblock, lb, nat and assetmon on a committed trace are
// equivalent to a single plain instance.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { instrumentedLauncher, loadMbox, run, type Launcher } from '../../../harness/run/index.js';
import type { Model } from '../../../harness/protocol/index.js';

const MBOXES = fileURLToPath(new URL('../../../middleboxes/', import.meta.url));
const TRACE = fileURLToPath(new URL('../../../traces/small-mixed.pcap', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'h10-inst-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const launchers = new Map<string, Launcher>();
const launcher = async (name: string): Promise<Launcher> => {
  if (!launchers.has(name)) launchers.set(name, await instrumentedLauncher(loadMbox(join(MBOXES, name))));
  return launchers.get(name)!;
};

const cases: Array<[string, 'graceful' | 'crash', number, Model]> = [
  ['synblock', 'graceful', 500, 'flowspace'],
  ['synblock', 'crash', 700, 'flowspace+updated'],
  ['lb', 'graceful', 800, 'all'],
  ['lb', 'crash', 1200, 'flowspace'],
  // pcap_dispatch / pcap_loop middleboxes: the standby imports before the library reads a packet.
  ['nat', 'graceful', 300, 'all'],
  ['nat', 'crash', 500, 'flowspace+updated'],
  ['assetmon', 'graceful', 900, 'flowspace'],
  ['assetmon', 'crash', 400, 'all'],
];

describe('instrumented pairs', () => {
  it.each(cases)('%s %s@%i (%s) is equivalent', async (name, kind, at, model) => {
    const r = await run({ launcher: await launcher(name), trace: TRACE, model, failover: { kind, at }, workDir: join(root, `${name}-${kind}-${at}`), heartbeatMs: 50, missLimit: 10, timeoutMs: 60_000 });
    expect(r.firstDifference).toBeNull();
    expect(r.equivalent).toBe(true);
    expect(r.commit).not.toBeNull();
    expect(r.frames.exported).toBeGreaterThan(0);
    expect(r.stateBytes.total).toBeGreaterThan(0);
    if (kind === 'crash') expect(r.processes.find((p) => p.role === 'primary')!.exit).toMatch(/SIGKILL/);
    else expect(r.commit!.resumedAt).toBe(at);
    // Where the failover time went, in order. The standby is fed its packets as takeover is sent,
    // but processes none before it is live: the runtime imports inside the receive hook.
    const b = r.timings.breakdown!;
    expect(b.detectedMs === null).toBe(kind === 'graceful');
    if (b.detectedMs !== null) expect(b.takeoverSentMs!).toBeGreaterThanOrEqual(b.detectedMs);
    expect(b.replayStartMs!).toBeGreaterThanOrEqual(b.takeoverSentMs!);
    expect(b.liveMs!).toBeGreaterThanOrEqual(b.takeoverSentMs!);
    expect(b.firstPacketMs!).toBeGreaterThanOrEqual(b.takeoverSentMs!);
    expect(b.firstOutputMs).toBe(r.timings.resumeMs);
  }, 120_000);
});

// The ends of [1, packets-1]: a callback middlebox answers the snapshot request at the next
// packet's entry, which graceful@1 never sends (the primary's input ends and its loop-exit hook
// answers); a crash at the last packet races the primary's own exit.
const ends: Array<[string, 'graceful' | 'crash', number, Model]> = [
  ['nat', 'graceful', 1, 'flowspace+updated'],
  ['assetmon', 'crash', 1, 'flowspace'],
  ['lb', 'graceful', 1, 'all'],
  ['firewall', 'crash', 1706, 'flowspace'],
];

describe('instrumented pairs at the ends of the trace', () => {
  it.each(ends)('%s %s@%i (%s) is equivalent', async (name, kind, at, model) => {
    const r = await run({ launcher: await launcher(name), trace: TRACE, model, failover: { kind, at }, workDir: join(root, `end-${name}-${kind}-${at}`), heartbeatMs: 50, missLimit: 10, timeoutMs: 60_000 });
    expect(r.firstDifference).toBeNull();
    expect(r.equivalent).toBe(true);
    expect(r.commit).not.toBeNull();
    if (kind === 'graceful') expect(r.commit!.resumedAt).toBe(at);
    else expect(r.commit!.resumedAt).toBeLessThanOrEqual(at + 1);
  }, 120_000);
});

// experiments/failover: nearest-rank percentiles, and real crash failovers and throughput
// runs of one middlebox through the runner (every trial equivalent, times ordered).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HEARTBEAT_MS, MISS_LIMIT, percentile, TRIALS } from '../../experiments/failover.js';
import { runExperiments } from '../../experiments/index.js';
import type { ExperimentResult } from '../../experiments/types.js';
import { headOf, TRACES } from './fixtures/traces.js';

const root = mkdtempSync(join(tmpdir(), 'h16-failover-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('percentile', () => {
  it('is the nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    expect(percentile(xs, 0.5)).toBe(50);
    expect(percentile(xs, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('failover through the runner', () => {
  it('crashes nat at seeded points: all equivalent, detection after the heartbeat deadline, throughput measured per model', async () => {
    const trace = await headOf(join(TRACES, 'small-mixed.pcap'), 150, join(root, 'head150.pcap'));
    const out = join(root, 'out');
    await runExperiments({ names: ['failover'], out, traces: [trace], middleboxes: ['nat'], compact: true, jobs: 2, report: false, log: () => {} });
    const r = JSON.parse(readFileSync(join(out, 'failover', 'result.json'), 'utf8')) as ExperimentResult;
    const t = r.tables.find((x) => x.id === 'failover-times')!.rows[0]!;
    expect(t).toMatchObject({ middlebox: 'nat', trials: TRIALS.compact, failed: 0, notEquivalent: 0 });
    // the standby can only declare the primary dead after MISS_LIMIT silent heartbeats
    expect(t.detectP50 as number).toBeGreaterThanOrEqual(HEARTBEAT_MS * (MISS_LIMIT - 1));
    expect(t.detectP99 as number).toBeGreaterThanOrEqual(t.detectP50 as number);
    expect(t.resumeP50 as number).toBeGreaterThan(t.detectP50 as number);
    // live = detection + takeover in each trial, so its median is at least detection's
    expect(t.liveP50 as number).toBeGreaterThanOrEqual(t.detectP50 as number);
    const tp = r.tables.find((x) => x.id === 'failover-throughput')!.rows;
    expect(tp.map((x) => x.kind)).toEqual(['one plain instance', 'pair, all', 'pair, flowspace', 'pair, flowspace+updated']);
    expect(tp[0]!.ratio).toBe(1);
    for (const x of tp) expect(x.pps as number).toBeGreaterThan(0);
    const crash = (r.data as { crash: { at: number }[] }).crash.map((c) => c.at);
    expect(new Set(crash).size).toBeGreaterThan(1);
    expect(crash.every((a) => a >= 1 && a < 150)).toBe(true);
    expect(r.meta.seeds.crashPoints).toBe(1);
  });
});

// `statelab run --live` through the CLI entry: exit 0 and a JSON record with
// the live section (namespaces, per-instance counts, nothing lost) for an
// equivalent live failover; a bad --live-window is a usage error (exit 2).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/helpers.js';
import { cannotGoLive } from './skip.js';

const ASSETMON = fileURLToPath(new URL('../../../middleboxes/assetmon', import.meta.url));
const TRACE = fileURLToPath(new URL('../../../traces/small-mixed.pcap', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'h13-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(cannotGoLive)('statelab run --live (CLI)', () => {
  it('exit 0 and the JSON record with its live section', async () => {
    const json = join(root, 'live.json');
    const r = await runCli(['run', ASSETMON, '--trace', TRACE, '--live', '--failover', 'graceful@300', '--model', 'flowspace+updated', '--heartbeat-ms', '50', '--miss-limit', '10', '--json', json]);
    expect(r.err).toMatch(/equivalent \(live, assetmon graceful@300 model flowspace\+updated, 1707 packets\)/);
    expect(r.code).toBe(0);
    const rec = JSON.parse(readFileSync(json, 'utf8'));
    expect(rec).toMatchObject({ equivalent: true, firstDifference: null, packets: 1707, failoverAt: 300, model: 'flowspace+updated', instrumented: true });
    expect(rec.live.namespaces).toHaveLength(2);
    expect(rec.live.reference).toMatchObject({ injected: 1707, outputSent: 0, outputCaptured: 0 });
    expect(rec.live.primary.injected + rec.live.standby.injected).toBeGreaterThanOrEqual(1707);
    expect(rec.live).toMatchObject({ outputLost: 0, outputExtra: 0, inputLost: 0, window: 8 });
    expect(rec.frames.exported).toBeGreaterThan(290);
  }, 60_000);

  it('a --live-window past the ring-safe limit is a usage error', async () => {
    const r = await runCli(['run', ASSETMON, '--trace', TRACE, '--live', '--live-window', '64']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--live-window must be an integer in 1\.\.16/);
  });
});

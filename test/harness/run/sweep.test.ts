// The failover sweep of issue 8: every instrumented middlebox × every transfer
// model × failover points, graceful and crash, on a committed trace — each
// run's output must equal one instance's. ids (its frames are hundreds of KB
// per packet) runs on the trace's first IDS_PACKETS packets at three points,
// to keep this file within its time budget; the others at five points over
// the whole trace. The reference instance runs once per middlebox, and two
// failover points run at a time (126 s for the file at load 13–15 on 2 cores).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { instrumentedLauncher, loadMbox, run, type Launcher } from '../../../harness/run/index.js';
import { MODELS } from '../../../harness/protocol/index.js';

const MBOXES = fileURLToPath(new URL('../../../middleboxes/', import.meta.url));
const TRACE = fileURLToPath(new URL('../../../traces/small-mixed.pcap', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'statelab-sweep-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The first `n` packets of a classic little-endian pcap, as a new file. */
function firstPackets(file: string, n: number): string {
  const b = readFileSync(file);
  if (b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${file}: expected a little-endian microsecond pcap`);
  let off = 24;
  for (let i = 0; i < n && off + 16 <= b.length; i++) off += 16 + b.readUInt32LE(off + 8);
  const out = join(root, `first-${n}.pcap`);
  writeFileSync(out, b.subarray(0, off));
  return out;
}

const IDS_PACKETS = 300;
const CONCURRENT = 2;
const SWEEPS: Array<{ box: string; points: number[]; trace: () => string }> = [
  // Five points spread over the trace (1707 packets): early, quarter, middle, late, near the end.
  ...['synblock', 'lb', 'nat', 'firewall', 'assetmon'].map((box) => ({ box, points: [3, 411, 850, 1290, 1700], trace: () => TRACE })),
  { box: 'ids', points: [2, 150, 298], trace: () => firstPackets(TRACE, IDS_PACKETS) },
];

describe.each(SWEEPS)('$box failover sweep', ({ box, points, trace }) => {
  let launcher: Launcher;
  let file: string;
  it.each(MODELS.flatMap((model) => (['graceful', 'crash'] as const).map((kind) => [model, kind] as const)))(
    `%s, %s at ${points.length} points: equivalent`,
    async (model, kind) => {
      launcher ??= await instrumentedLauncher(loadMbox(join(MBOXES, box)));
      file ??= trace();
      const one = async (at: number): Promise<string> => {
        const r = await run({ launcher, trace: file, model, failover: { kind, at }, workDir: join(root, `${box}-${model}-${kind}-${at}`), heartbeatMs: 50, missLimit: 10, timeoutMs: 60_000, reuseReference: true });
        expect(r.commit).not.toBeNull();
        return `${at}:${r.equivalent ? 'ok' : `DIFF ${JSON.stringify(r.firstDifference).slice(0, 200)}`}`;
      };
      // The first point alone (it runs the reference instance the others reuse), then the rest
      // CONCURRENT at a time: a pair run mostly waits on its pipeline, so two overlap well on two cores.
      const verdicts = [await one(points[0]!)];
      for (let i = 1; i < points.length; i += CONCURRENT) verdicts.push(...(await Promise.all(points.slice(i, i + CONCURRENT).map(one))));
      expect(verdicts).toEqual(points.map((p) => `${p}:ok`));
    },
    300_000,
  );
});

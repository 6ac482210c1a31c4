// The failover sweep of issue 8: every instrumented middlebox × every transfer
// model × five failover points, graceful and crash, on a committed trace — each
// run's output must equal one instance's. Not ids yet: the analysis (wrongly)
// calls its 15 MiB rule automaton updateable, so every frame would carry it.
import { mkdtempSync, rmSync } from 'node:fs';
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

// Five points spread over the trace (1707 packets): early, quarter, middle, late, near the end.
const POINTS = [3, 411, 850, 1290, 1700];
const BOXES = ['synblock', 'lb', 'nat', 'firewall', 'assetmon'];

describe.each(BOXES)('%s failover sweep', (box) => {
  let launcher: Launcher;
  it.each(MODELS.flatMap((model) => (['graceful', 'crash'] as const).map((kind) => [model, kind] as const)))(
    '%s, %s at five points: equivalent',
    async (model, kind) => {
      launcher ??= await instrumentedLauncher(loadMbox(join(MBOXES, box)));
      const verdicts: string[] = [];
      for (const at of POINTS) {
        const r = await run({ launcher, trace: TRACE, model, failover: { kind, at }, workDir: join(root, `${box}-${model}-${kind}-${at}`), heartbeatMs: 50, missLimit: 10, timeoutMs: 60_000 });
        verdicts.push(`${at}:${r.equivalent ? 'ok' : `DIFF ${JSON.stringify(r.firstDifference).slice(0, 200)}`}`);
      }
      expect(verdicts).toEqual(POINTS.map((p) => `${p}:ok`));
    },
    300_000,
  );
});

// experiments/fig12: the IDS's signature state from its start-up report, and a result
// that says Figure 12 was not reproduced (and why) when ids is not run, with no empty tables.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signatureBytes, writeEmptyPcap } from '../../experiments/fig12.js';
import { runExperiments } from '../../experiments/index.js';
import type { ExperimentResult } from '../../experiments/types.js';
import { readPcap } from '../../harness/index.js';
import { headOf, TRACES } from './fixtures/traces.js';

const root = mkdtempSync(join(tmpdir(), 'h16-fig12-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('fig12 pieces', () => {
  it('writes an empty pcap our reader accepts with zero packets', async () => {
    const f = writeEmptyPcap(join(root, 'e.pcap'));
    let n = 0;
    for await (const _ of readPcap(f)) n++;
    expect(n).toBe(0);
  });

  it("reads the rule automaton's size from the ids start-up report: megabytes of read-only state", async () => {
    const s = await signatureBytes(join(root, 'sig'));
    expect(s.line).toMatch(/rules \d+ in \d+ port groups/);
    expect(s.bytes).toBe(Number(/(\d+) KiB of transitions/.exec(s.line)![1]) * 1024);
    expect(s.bytes).toBeGreaterThan(1 << 20);
  });
});

describe('fig12 through the runner', () => {
  it('says it was not reproduced, and why, when ids is not among the middleboxes', async () => {
    const trace = await headOf(join(TRACES, 'small-mixed.pcap'), 50, join(root, 'h50.pcap'));
    const out = join(root, 'out');
    await runExperiments({ names: ['fig12'], out, traces: [trace], middleboxes: ['nat'], compact: true, jobs: 1, report: false, log: () => {} });
    const r = JSON.parse(readFileSync(join(out, 'fig12', 'result.json'), 'utf8')) as ExperimentResult;
    expect(r.summary).toBe('Figure 12 was not reproduced: ids was not among the selected middleboxes.');
    expect(r.tables).toHaveLength(1);
    expect(r.tables[0]!.rows).toEqual([{ what: 'ids as a primary/standby pair', why: 'ids was not among the selected middleboxes' }]);
    expect(r.plots).toEqual([]);
    expect(r.paper.map((p) => [p.paper, p.ours])).toEqual([
      ['8800×', 'n/a'],
      ['2.75×', 'n/a'],
      ['3.6×', 'n/a'],
      ['constant for a flow after its first few packets', 'n/a'],
    ]);
  });
});

// experiments/fig11: the seeded flow choice (cross-checked with tcpdump), ratios, and a
// real compact run of one middlebox through the runner (result, CSV, SVG, journal resume).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseFlow, COMPACT_PACKETS, FLOW_PACKETS, ratio } from '../../experiments/fig11.js';
import { runExperiments } from '../../experiments/index.js';
import type { ExperimentResult } from '../../experiments/types.js';
import { headOf, TRACES } from './fixtures/traces.js';

const root = mkdtempSync(join(tmpdir(), 'h16-fig11-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Packets of a 5-tuple in both directions, counted by tcpdump (not by our decoder). */
function tcpdumpCount(trace: string, key: string): number {
  const m = /^(tcp|udp) ([\d.]+):(\d+) <-> ([\d.]+):(\d+)$/.exec(key);
  if (!m) throw new Error(`not an IPv4 5-tuple: ${key}`);
  const [, proto, a, pa, b, pb] = m;
  const filter = `${proto} and ((src host ${a} and src port ${pa} and dst host ${b} and dst port ${pb}) or (src host ${b} and src port ${pb} and dst host ${a} and dst port ${pa}))`;
  const out = execFileSync('tcpdump', ['-r', trace, '-nn', filter], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l.trim()).length;
}

// The committed traces have no flow of 50 packets; a real one from ../shared/traces does.
const SHARED = join(TRACES, '..', '..', 'shared', 'traces', 'http-espn-pageload.pcap');

describe('chooseFlow', () => {
  it.skipIf(!existsSync(SHARED))('draws a flow of at least 50 packets, the same for the same seed, and its packet count matches tcpdump', async () => {
    const trace = SHARED;
    const f = await chooseFlow(trace, 1);
    expect(f).not.toBeNull();
    expect(f!.candidates).toBeGreaterThan(0);
    expect(f!.packets).toBeGreaterThanOrEqual(50);
    expect(f!.indices).toHaveLength(Math.min(FLOW_PACKETS, f!.packets));
    expect([...f!.indices].sort((a, b) => a - b)).toEqual(f!.indices);
    expect(tcpdumpCount(trace, f!.key)).toBe(f!.packets);
    expect(await chooseFlow(trace, 1)).toEqual(f);
    // over several seeds the draw is not always the same flow (when there is more than one candidate)
    if (f!.candidates > 1) {
      const keys = new Set(await Promise.all([2, 3, 4, 5, 6, 7].map(async (s) => (await chooseFlow(trace, s))!.key)));
      expect(keys.size).toBeGreaterThan(1);
    }
  });

  it('falls back to the longest flow when none has 50 packets', async () => {
    const trace = await headOf(join(TRACES, 'small-mixed.pcap'), 60, join(root, 'head60.pcap'));
    const f = (await chooseFlow(trace, 9))!;
    expect(f.candidates).toBe(0);
    expect(tcpdumpCount(trace, f.key)).toBe(f.packets);
    expect(f.packets).toBeLessThan(50);
  });
});

describe('ratio', () => {
  it('is null instead of Infinity or NaN', () => {
    expect(ratio(10, 4)).toBe(2.5);
    expect(ratio(10, 0)).toBeNull();
    expect(ratio(null, 3)).toBeNull();
  });
});

describe('fig11 through the runner', () => {
  it('measures one middlebox under the three models, writes result, CSV and SVG, and resumes from its journal', async () => {
    const trace = await headOf(join(TRACES, 'small-mixed.pcap'), 120, join(root, 'head120.pcap'));
    const out = join(root, 'out');
    const o = { names: ['fig11'], out, traces: [trace], middleboxes: ['nat'], compact: true, jobs: 2, report: false, log: () => {} };
    const first = await runExperiments(o);
    const r = JSON.parse(readFileSync(join(out, 'fig11', 'result.json'), 'utf8')) as ExperimentResult;
    expect(first.results[0]!.worked).toBe(3);
    const row = r.tables.find((t) => t.id === 'fig11a-means')!.rows[0]!;
    expect(row.middlebox).toBe('nat');
    expect(row.packets).toBe(120);
    expect(row.equivalent).toBe(true);
    // the all model sends every updateable variable: never less than flowspace selects
    expect(row.all as number).toBeGreaterThan(0);
    expect(row.all as number).toBeGreaterThanOrEqual(row.flowspace as number);
    expect(r.meta.seeds.flow).toBe(1);
    expect(r.meta.inputs.traces[0]!.packets).toBe(120);
    expect(r.paper.map((p) => p.paper)).toEqual(['305×', '2×', expect.stringContaining('varies')]);
    for (const f of ['fig11a-means.csv', 'fig11-per-trace.csv', 'fig11b-flow.csv', 'fig11a-bytes-per-packet.svg']) expect(existsSync(join(out, 'fig11', f))).toBe(true);
    // the flow series has one value per packet of the chosen flow
    const data = r.data as { flow: { packets: number }; runs: { flowSeries: number[] }[] };
    for (const run of data.runs) expect(run.flowSeries).toHaveLength(Math.min(FLOW_PACKETS, data.flow.packets));
    // a second run answers every unit from the journal and gives the same numbers
    const again = await runExperiments(o);
    expect(again.results[0]!.worked).toBe(0);
    expect(again.results[0]!.reused).toBe(3);
    expect(again.results[0]!.result.tables).toEqual(r.tables);
  });

  it('compact mode measures the first COMPACT_PACKETS packets of a longer trace, written under the output folder', async () => {
    const out = join(root, 'compact');
    const trace = join(TRACES, 'small-mixed.pcap'); // 1707 packets
    await runExperiments({ names: ['fig11'], out, traces: [trace], middleboxes: ['nat'], compact: true, jobs: 2, report: false, log: () => {} });
    const r = JSON.parse(readFileSync(join(out, 'fig11', 'result.json'), 'utf8')) as ExperimentResult;
    const used = r.meta.inputs.traces[0]!;
    expect(used.packets).toBe(COMPACT_PACKETS);
    expect(used.path.startsWith(join(out, 'fig11', 'work'))).toBe(true);
    expect(r.meta.args).toMatchObject({ compactOf: trace, compactPackets: COMPACT_PACKETS });
    // the head is the trace's own first packets: tcpdump reads the same first and last timestamps
    const ts = (f: string, n: number): string[] => execFileSync('tcpdump', ['-r', f, '-nn', '-tt', '-c', String(n)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').map((l) => l.split(' ')[0]!);
    expect(ts(used.path, COMPACT_PACKETS)).toEqual(ts(trace, COMPACT_PACKETS));
  });
});

// The runner and `statelab experiment`: bad usage exits 2 with a reason; result.json and
// one CSV per table are written and parse back; meta names the commit, the machine, the
// inputs (sha256 checked against traces/MANIFEST) and the seeds; units are journaled.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { PACKAGE_ROOT } from '../../analyzer/paths.js';
import { main } from '../../cli/main.js';
import { parseCsv, registerExperiment, runExperiments, tableToCsv, type ExperimentContext, type ExperimentResult } from '../../experiments/index.js';

const root = mkdtempSync(join(tmpdir(), 'h15-runner-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const TRACE = join(PACKAGE_ROOT, 'traces/scan.pcap');

/** A small real experiment: packets per trace from the trace reader, one journaled unit per trace. */
let runs = 0;
registerExperiment({
  name: 'h15-count',
  title: 'packets per trace',
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const inputs = await ctx.pool(ctx.traces, (t) => ctx.journal(`count:${t}`, async () => (runs++, ctx.traceInput(t))));
    return {
      meta: ctx.meta({ traces: inputs, middleboxes: [] }, { root: ctx.seed }, { extra: 'x' }),
      summary: `${inputs.length} traces`,
      tables: [{ id: 'counts', title: 'packets, "quoted", with, commas', columns: [{ key: 'trace', label: 'trace, name' }, { key: 'packets', label: 'packets', unit: 'pkt' }], rows: inputs.map((i) => ({ trace: `${i.path}`, packets: i.packets })) }],
      plots: [],
      paper: [],
    };
  },
});

function exitOf(args: string[]): { code: Promise<number>; stderr: () => string } {
  let err = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const code = main(['experiment', ...args]).finally(() => spy.mockRestore());
  return { code, stderr: () => err };
}

describe('statelab experiment: bad usage', () => {
  it.each([
    [['nope'], /unknown experiment 'nope'/],
    [['all', 'table3'], /'all' runs every experiment/],
    [['table3', '--jobs', '0'], /--jobs must be an integer/],
    [['table3', '--jobs', 'many'], /--jobs must be an integer/],
    [['table3', '--seed', '-1'], /--seed/],
    [['table3', '--trace', '/nonexistent/x.pcap'], /no such file/],
    [['table3', '--middlebox', 'squid'], /not a bundled middlebox/],
  ])('%j exits 2 with a reason', async (args, why) => {
    const r = exitOf([...args, '--out', join(root, 'bad')]);
    expect(await r.code).toBe(2);
    expect(r.stderr()).toMatch(why);
  });
});

describe('runner', () => {
  it('writes result.json and a CSV per table, with meta; a rerun reuses the journal', async () => {
    const out = join(root, 'out');
    const o = await runExperiments({ names: ['h15-count'], out, traces: [TRACE, join(PACKAGE_ROOT, 'traces/small-mixed.pcap')], jobs: 2, seed: 7, report: false, log: () => {} });
    expect(o.failedChecks).toEqual([]);
    const r = JSON.parse(readFileSync(join(out, 'h15-count/result.json'), 'utf8')) as ExperimentResult;
    // meta: commit of this tree, the machine, the inputs with their hashes, the seeds and args.
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PACKAGE_ROOT, encoding: 'utf8' }).trim();
    expect(r.meta.commit).toBe(head);
    expect(typeof r.meta.dirty).toBe('boolean');
    expect(r.meta.machine.cpus).toBeGreaterThan(0);
    expect(r.meta.machine.node).toBe(process.version);
    expect(r.meta.seeds).toEqual({ root: 7 });
    expect(r.meta.args).toMatchObject({ extra: 'x', jobs: 2, compact: false });
    const manifest = new Map(readFileSync(join(PACKAGE_ROOT, 'traces/MANIFEST'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t')).map(([f, p, sha]) => [f!, { packets: Number(p), sha: sha! }]));
    expect(r.meta.inputs.traces.map((t) => [t.sha256, t.packets])).toEqual(['scan.pcap', 'small-mixed.pcap'].map((f) => [manifest.get(f)!.sha, manifest.get(f)!.packets]));
    // The CSV parses back to the table, quoting included.
    const csv = parseCsv(readFileSync(join(out, 'h15-count/counts.csv'), 'utf8'));
    expect(csv[0]).toEqual(['trace, name', 'packets (pkt)']);
    expect(csv.slice(1).map((row) => Number(row[1]))).toEqual(r.meta.inputs.traces.map((t) => t.packets));
    expect(runs).toBe(2);
    // Rerun: both units come from the journal.
    const again = await runExperiments({ names: ['h15-count'], out, traces: [TRACE, join(PACKAGE_ROOT, 'traces/small-mixed.pcap')], jobs: 2, seed: 7, report: false, log: () => {} });
    expect(runs).toBe(2);
    expect(again.results[0]).toMatchObject({ reused: 2, worked: 0 });
    // --fresh works them again.
    await runExperiments({ names: ['h15-count'], out, traces: [TRACE], fresh: true, report: false, log: () => {} });
    expect(runs).toBe(3);
  });

  it('a trace that is not a capture is bad input (exit 2) naming the file', async () => {
    const bad = join(root, 'garbage.pcap');
    writeFileSync(bad, 'this is not a pcap file at all');
    const r = exitOf(['h15-count', '--trace', bad, '--out', join(root, 'bad2'), '--no-report']);
    expect(await r.code).toBe(2);
    expect(r.stderr()).toContain(bad);
  });

  it('CSV quotes commas, quotes and newlines', () => {
    const text = tableToCsv({ id: 't', title: 't', columns: [{ key: 'a', label: 'a' }, { key: 'b', label: 'b' }], rows: [{ a: 'x,"y"\nz', b: null }, { a: 1.5, b: true }] });
    expect(text).toBe('a,b\r\n"x,""y""\nz",\r\n1.5,true\r\n');
    expect(parseCsv(text)).toEqual([['a', 'b'], ['x,"y"\nz', ''], ['1.5', 'true']]);
  });
});

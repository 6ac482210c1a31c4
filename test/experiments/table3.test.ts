// table3: the experiment's counts are the analyzer's own (in-process analyze vs the
// child-process CLI the experiment runs), its CSV parses back, and the ground-truth
// comparison catches a deliberately wrong expected.json entry in both directions.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../analyzer/analyze.js';
import { PACKAGE_ROOT } from '../../analyzer/paths.js';
import type { VariableReport } from '../../analyzer/state/types.js';
import { parseCsv, runExperiments, type ExperimentResult } from '../../experiments/index.js';
import { CLI } from '../../experiments/analysis.js';
import { compareToTruth, loadTruth, precision, recall, type Truth } from '../../experiments/truth.js';

const BOX = 'synblock';
const DIR = join(PACKAGE_ROOT, 'middleboxes', BOX);
const root = mkdtempSync(join(tmpdir(), 'h15-table3-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let variables: VariableReport[];
let counts: Record<string, number>;
beforeAll(() => {
  const r = analyze([DIR]).report;
  variables = r.variables;
  counts = r.counts as unknown as Record<string, number>;
}, 120_000);

describe.skipIf(!existsSync(CLI))('table3 experiment', () => {
  it(`${BOX}: the row is the analyzer's counts; CSV and result agree`, async () => {
    const out = join(root, 'out');
    await runExperiments({ names: ['table3'], out, middleboxes: [BOX], jobs: 1, compact: true, report: false, log: () => {} });
    const r = JSON.parse(readFileSync(join(out, 'table3/result.json'), 'utf8')) as ExperimentResult;
    const row = r.tables.find((t) => t.id === 'table3')!.rows[0]!;
    for (const k of ['variables', 'persistent', 'topLevel', 'updateable', 'keyed', 'pktOutput', 'logOutput']) expect(row[k], k).toBe(counts[k]);
    const csv = parseCsv(readFileSync(join(out, 'table3/table3.csv'), 'utf8'));
    expect(csv[0]).toEqual(['middlebox', 'paper counterpart', 'LOC', 'variables', 'persistent', 'top-level', 'updateable', 'keyed', 'pkt-output', 'log-output']);
    expect(csv[1]!.slice(3).map(Number)).toEqual(['variables', 'persistent', 'topLevel', 'updateable', 'keyed', 'pktOutput', 'logOutput'].map((k) => counts[k]));
    expect(r.meta.inputs.middleboxes).toEqual([BOX]);
    // The accuracy row is the truth comparison of the same variables.
    const acc = r.tables.find((t) => t.id === 'table3-accuracy')!.rows[0]!;
    const c = compareToTruth(variables, loadTruth(DIR));
    expect(acc.updateableR).toBe(Math.round(recall(c.counts.updateable)! * 1000) / 10);
    expect(acc.topLevelP).toBe(Math.round(precision(c.counts.topLevel)! * 1000) / 10);
  }, 120_000);
});

describe('ground-truth comparison', () => {
  it('the real analysis scores full recall against the real truth', () => {
    const c = compareToTruth(variables, loadTruth(DIR));
    expect(c.misses).toEqual([]);
    for (const v of Object.values(c.counts)) expect(recall(v) ?? 1).toBe(1);
  });

  it('catches a wrong expected entry: a truly updateable variable the truth denies is a false positive, one it invents is a miss', () => {
    const truth = loadTruth(DIR);
    const before = compareToTruth(variables, truth);
    const upd = truth.find((t) => t.updateable && variables.some((v) => v.name === t.name && v.updateable))!;
    const notUpd = truth.find((t) => !t.updateable && variables.some((v) => v.name === t.name && !v.updateable))!;
    const wrong: Truth[] = truth.map((t) => (t === upd ? { ...t, updateable: false } : t === notUpd ? { ...t, updateable: true } : t));
    const after = compareToTruth(variables, wrong);
    expect(after.counts.updateable.fp).toBe(before.counts.updateable.fp + 1);
    expect(after.counts.updateable.fn).toBe(before.counts.updateable.fn + 1);
    expect(after.misses).toContain(`${notUpd.function ? `${notUpd.function}::` : ''}${notUpd.name}: updateable missed`);
    expect(recall(after.counts.updateable)!).toBeLessThan(1);
  });

  it('a truth variable the analysis does not report misses persistence and its verdicts; a wrong flowspace field is caught', () => {
    const truth = loadTruth(DIR);
    const keyed = truth.find((t) => t.flowspace.length > 0)!;
    const extra: Truth = { name: 'not_in_code', function: null, topLevel: true, updateable: true, pktOutput: false, logOutput: false, outsideFlowspace: false, flowspace: [] };
    const c = compareToTruth(variables, [...truth.map((t) => (t === keyed ? { ...t, flowspace: [...t.flowspace, 'tcp.bogus'] } : t)), extra]);
    expect(c.misses).toEqual(expect.arrayContaining(['not_in_code: not reported as persistent', 'not_in_code: topLevel missed', 'not_in_code: updateable missed', expect.stringMatching(/flowspace misses tcp.bogus/)]));
    expect(c.counts.persistent.fn).toBe(1);
  });

  it('rejects a malformed expected.json with the file named', () => {
    expect(() => loadTruth(join(PACKAGE_ROOT, 'traces'))).toThrow(/expected\.json/);
  });
});

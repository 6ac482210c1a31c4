// Every bundled middlebox against its ground truth (middleboxes/<name>/expected.json):
// recall must be 100% for every verdict (soundness), precision is measured and printed,
// and every false positive is explained in false-positives.json (paper §7.1 style).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../../analyzer/analyze.js';
import type { VariableReport } from '../../../analyzer/state/types.js';
import { BOOL_VERDICTS, type Truth } from '../../../experiments/truth.js';

const ROOT = new URL('../../../middleboxes/', import.meta.url).pathname;
const FP = JSON.parse(readFileSync(new URL('./false-positives.json', import.meta.url), 'utf8')) as {
  middleboxes: Record<string, Record<string, Record<string, string | { extra: string[]; why: string }>>>;
};

const boxes = readdirSync(ROOT).filter((d) => existsSync(join(ROOT, d, 'expected.json')));
const key = (v: { name: string; function: string | null }) => (v.function ? `${v.function}::${v.name}` : v.name);

/** Recall misses and false positives of one report against its truth. */
export function compare(got: VariableReport[], truth: Truth[]) {
  const misses: string[] = [];
  const fps = new Map<string, Map<string, string[] | true>>();
  const counts: Record<string, { tp: number; fp: number; fn: number }> = {};
  const count = (k: string) => (counts[k] ??= { tp: 0, fp: 0, fn: 0 });
  const none: Truth = { name: '', function: null, topLevel: false, updateable: false, pktOutput: false, logOutput: false, outsideFlowspace: false, flowspace: [] };
  for (const t of truth) if (!got.some((g) => key(g) === key(t))) misses.push(`${key(t)}: not reported as persistent`);
  for (const g of got) {
    const t = truth.find((x) => key(x) === key(g)) ?? none;
    const fpOf = () => fps.get(key(g)) ?? fps.set(key(g), new Map()).get(key(g))!;
    for (const k of BOOL_VERDICTS) {
      if (g[k] && t[k]) count(k).tp++;
      else if (g[k]) (count(k).fp++, fpOf().set(k, true));
      else if (t[k]) (count(k).fn++, misses.push(`${key(g)}: ${k} missed`));
    }
    const missing = t.flowspace.filter((f) => !g.flowspace.includes(f));
    const extra = g.flowspace.filter((f) => !t.flowspace.includes(f));
    count('flowspace').tp += g.flowspace.length - extra.length;
    count('flowspace').fn += missing.length;
    count('flowspace').fp += extra.length;
    if (missing.length) misses.push(`${key(g)}: flowspace misses ${missing.join(', ')}`);
    if (extra.length) fpOf().set('flowspace', extra);
  }
  return { misses, fps, counts };
}

describe.each(boxes)('%s against expected.json', (box) => {
  const truth = JSON.parse(readFileSync(join(ROOT, box, 'expected.json'), 'utf8')).variables as Truth[];
  let result: ReturnType<typeof compare>;

  it('has 100% recall for every verdict (soundness)', () => {
    // the pointer analysis' own defaults: what `statelab build` (analyzeForBuild) analyzes with
    const report = analyze([join(ROOT, box)]).report;
    result = compare(report.variables, truth);
    const row = Object.entries(result.counts)
      .map(([k, c]) => `${k} P=${c.tp + c.fp ? ((100 * c.tp) / (c.tp + c.fp)).toFixed(0) : '-'}% R=${c.tp + c.fn ? ((100 * c.tp) / (c.tp + c.fn)).toFixed(0) : '-'}%`)
      .join('  ');
    console.log(`${box}: ${row}`);
    expect(result.misses).toEqual([]);
  }, 300_000);

  it('explains every false positive, and every explanation still applies', () => {
    const explained = FP.middleboxes[box] ?? {};
    const unexplained: string[] = [];
    for (const [v, verdicts] of result.fps) {
      for (const [verdict, extra] of verdicts) {
        const e = explained[v]?.[verdict];
        if (!e) unexplained.push(`${v} ${verdict}`);
        else if (Array.isArray(extra)) {
          const listed = (e as { extra: string[] }).extra;
          const notListed = extra.filter((f) => !listed.includes(f));
          if (notListed.length) unexplained.push(`${v} flowspace ${notListed.join(',')}`);
        }
      }
    }
    expect(unexplained, 'false positives missing from test/analyzer/state/false-positives.json').toEqual([]);
    const stale = Object.entries(explained).flatMap(([v, verdicts]) =>
      Object.keys(verdicts).filter((verdict) => !result.fps.get(v)?.has(verdict)).map((verdict) => `${v} ${verdict}`),
    );
    expect(stale, 'explanations for false positives that no longer happen').toEqual([]);
  });
});

describe('the comparison itself', () => {
  it('catches a missed verdict and a missed flowspace field', () => {
    const t: Truth = { name: 'tbl', function: null, topLevel: true, updateable: true, pktOutput: false, logOutput: true, outsideFlowspace: false, flowspace: ['ip.src', 'ip.dst'] };
    const g = { name: 'tbl', function: null, topLevel: true, updateable: false, pktOutput: false, logOutput: true, outsideFlowspace: false, flowspace: ['ip.src'] } as VariableReport;
    const r = compare([g], [t]);
    expect(r.misses).toEqual(['tbl: updateable missed', 'tbl: flowspace misses ip.dst']);
  });
});

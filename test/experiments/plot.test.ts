// experiments/plot: Vega-Lite specs render headlessly to SVG with the marks and
// axis titles asked for; bad specs are clear E_INPUT errors naming the plot.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupedBars, lineSeries, renderPlots, renderSpec } from '../../experiments/plot/index.js';
import type { ExperimentResult } from '../../experiments/types.js';

/** The `<path>`s inside one vega mark group (`mark-rect role-mark ...`). */
function marks(svg: string, kind: string): string[] {
  const groups = [...svg.matchAll(new RegExp(`<g class="mark-${kind} role-mark[^"]*"[^>]*>(.*?)</g>`, 'gs'))];
  return groups.flatMap((g) => [...g[1]!.matchAll(/<path [^>]*>/g)].map((m) => m[0]));
}
const texts = (svg: string, role: string): string[] =>
  [...svg.matchAll(new RegExp(`<g class="mark-text role-${role}"[^>]*>(.*?)</g>`, 'gs'))].flatMap((g) => [...g[1]!.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!));

describe('renderSpec', () => {
  it('draws one bar per row, on a log axis with the titles asked for', async () => {
    const spec = groupedBars({
      title: 'bytes per packet',
      rows: [
        { group: 'assetmon', series: 'all', value: 30000 },
        { group: 'assetmon', series: 'flowspace', value: 120 },
        { group: 'nat', series: 'all', value: 800 },
      ],
      groupTitle: 'middlebox',
      seriesTitle: 'model',
      valueTitle: 'state bytes per packet',
      log: true,
    });
    const { svg } = await renderSpec(spec, { plot: 't' });
    expect(svg.startsWith('<svg')).toBe(true);
    const bars = marks(svg, 'rect');
    expect(bars).toHaveLength(3);
    expect(bars.join('\n')).toContain('value: 30000');
    expect(texts(svg, 'axis-title').sort()).toEqual(['middlebox', 'state bytes per packet']);
    // log scale: the axis labels step by decades
    expect(texts(svg, 'axis-label')).toEqual(expect.arrayContaining(['100', '1,000', '10,000']));
    // bar heights follow log10 of the values: 30000 is taller than 800, which is taller than 120
    const h = (v: string): number => Number(/h-?[\d.]+v([\d.]+)/.exec(bars.find((b) => b.includes(`value: ${v}"`))!)![1]);
    expect(h('30000')).toBeGreaterThan(h('800'));
    expect(h('800')).toBeGreaterThan(h('120'));
  });

  it('draws a line with one point per packet for each series', async () => {
    const points = [0, 1, 2, 3].flatMap((x) => [
      { x, y: 100 + x, series: 'all' },
      { x, y: 10, series: 'flowspace' },
    ]);
    const { svg } = await renderSpec(lineSeries({ title: 'one flow', points, xTitle: 'packet of the flow', yTitle: 'bytes', seriesTitle: 'model' }), { plot: 'l' });
    expect(marks(svg, 'line')).toHaveLength(2);
    expect(marks(svg, 'symbol')).toHaveLength(8);
    expect(texts(svg, 'axis-title').sort()).toEqual(['bytes', 'packet of the flow']);
  });

  it('names the plot and the file for specs that are not valid', async () => {
    const where = { plot: 'fig11-bars', file: '/out/fig11/result.json' };
    await expect(renderSpec({ mark: 'barz', data: { values: [{ a: 1 }] } }, where)).rejects.toThrow(/fig11\/result\.json: plot "fig11-bars": mark: unknown mark type "barz"/);
    await expect(renderSpec({ mark: 'bar', data: { values: [] } }, where)).rejects.toThrow(/no rows/);
    await expect(renderSpec({ mark: 'bar', data: { url: 'http://x/y.csv' } }, where)).rejects.toThrow(/inline/);
    await expect(renderSpec({ mark: 'bar' }, where)).rejects.toThrow(/no data/);
    // vega-lite only warns about a wrong field type and drops the channel: we refuse instead
    await expect(renderSpec({ mark: 'bar', data: { values: [{ a: 1 }] }, encoding: { x: { field: 'a', type: 'quantitativ' } } }, where)).rejects.toThrow(/invalid Vega-Lite spec: .*field type/);
    await expect(renderSpec([1, 2], where)).rejects.toMatchObject({ code: 'E_INPUT' });
  });
});

describe('renderPlots', () => {
  const dir = mkdtempSync(join(tmpdir(), 'h16-plot-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const result = (plots: ExperimentResult['plots']): ExperimentResult => ({
    meta: { schemaVersion: 1, experiment: 'x', date: '', commit: '', dirty: false, machine: { hostname: '', cpus: 1, cpuModel: '', memGiB: 1, os: '', node: '' }, inputs: { traces: [], middleboxes: [] }, seeds: {}, args: {}, elapsedMs: 0 },
    summary: '',
    tables: [],
    plots,
    paper: [],
  });

  it('writes <plot-id>.svg per plot', async () => {
    const spec = lineSeries({ title: 't', points: [{ x: 0, y: 1, series: 'a' }, { x: 1, y: 2, series: 'a' }], xTitle: 'x', yTitle: 'y', seriesTitle: 's' });
    const files = await renderPlots(result([{ id: 'one', title: 'one', spec }, { id: 'two', title: 'two', spec }]), dir);
    expect(files).toEqual([join(dir, 'one.svg'), join(dir, 'two.svg')]);
    expect(marks(readFileSync(files[1]!, 'utf8'), 'line')).toHaveLength(1);
  });

  it('refuses a plot id that is not a plain file name', async () => {
    const spec = lineSeries({ title: 't', points: [{ x: 0, y: 1, series: 'a' }], xTitle: 'x', yTitle: 'y', seriesTitle: 's' });
    await expect(renderPlots(result([{ id: '../evil', title: 'x', spec }]), dir)).rejects.toThrow(/not a plain file name/);
  });
});

// experiments/plot: Vega-Lite specs of a result rendered to SVG files headlessly
// (vega + vega-lite), and the spec builders the experiment modules share.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inputError } from '../../harness/index.js';
import type { ExperimentResult } from '../types.js';
import { renderSpec } from './render.js';

export { renderSpec, type RenderedSvg } from './render.js';
export { groupedBars, lineSeries, type BarRow, type LinePoint } from './specs.js';

/** `<dir>/<plot-id>.svg` for each plot of the result; returns the files written. */
export async function renderPlots(result: ExperimentResult, dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const p of result.plots) {
    if (!/^[A-Za-z0-9_.-]+$/.test(p.id) || p.id.startsWith('.')) {
      throw inputError(`plot id ${JSON.stringify(p.id)} is not a plain file name`, { file: join(dir, 'result.json') });
    }
    const { svg } = await renderSpec(p.spec, { plot: p.id, file: join(dir, 'result.json') });
    const f = join(dir, `${p.id}.svg`);
    writeFileSync(f, svg);
    files.push(f);
  }
  return files;
}

// Vega-Lite v6 spec (data inline) → SVG string, headlessly in Node: vega-lite
// compiles it to Vega, a renderer-less vega View draws it with `toSVG()`.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { inputError, type StatelabError } from '../../harness/index.js';

export interface RenderedSvg {
  svg: string;
  /** Vega's run-time warnings (e.g. a log scale meeting a zero), kept for the caller to show. */
  warnings: string[];
}

/** Collects what vega-lite and vega would print, so a bad spec becomes one clear error. */
interface Collected extends vega.LoggerInterface {
  errors: string[];
  warnings: string[];
}

// A plain object of closures: vega calls logger methods detached from the logger.
function collector(): Collected {
  const errors: string[] = [];
  const warnings: string[] = [];
  let lvl = vega.Warn;
  const text = (a: unknown[]): string => a.map((x) => (x instanceof Error ? x.message : String(x))).join(' ');
  const log: Collected = {
    errors,
    warnings,
    level: (l?: number) => {
      if (l === undefined) return lvl;
      lvl = l;
      return log;
    },
    error: (...a: unknown[]) => (errors.push(text(a)), log),
    warn: (...a: unknown[]) => (warnings.push(text(a)), log),
    info: () => log,
    debug: () => log,
  };
  return log;
}

/** Every `data.values` in the spec (top level, layers, concatenations) must be inline and non-empty. */
function checkData(spec: Record<string, unknown>, path: string, bad: (why: string) => StatelabError): number {
  let found = 0;
  const data = spec.data as { values?: unknown; url?: unknown } | undefined;
  if (data !== undefined) {
    if (data.url !== undefined) throw bad(`${path}data.url: plots carry their data inline (data.values), not a URL`);
    if (!Array.isArray(data.values)) throw bad(`${path}data.values: an array of rows is needed`);
    if (data.values.length === 0) throw bad(`${path}data.values: no rows, so the plot would be empty`);
    found++;
  }
  for (const key of ['layer', 'hconcat', 'vconcat', 'concat']) {
    const subs = spec[key];
    if (Array.isArray(subs)) subs.forEach((s, i) => (found += checkData(s as Record<string, unknown>, `${path}${key}[${i}].`, bad)));
  }
  return found;
}

// Vega-Lite's marks and composite marks: an unknown one fails deep inside the compiler with an unhelpful message.
const MARKS = new Set(['arc', 'area', 'bar', 'image', 'line', 'point', 'rect', 'rule', 'text', 'tick', 'trail', 'circle', 'square', 'geoshape', 'boxplot', 'errorband', 'errorbar']);

function checkMarks(spec: Record<string, unknown>, path: string, bad: (why: string) => StatelabError): void {
  const m = spec.mark;
  const type = typeof m === 'object' && m !== null ? (m as { type?: unknown }).type : m;
  if (m !== undefined && (typeof type !== 'string' || !MARKS.has(type))) throw bad(`${path}mark: unknown mark type ${JSON.stringify(type)} (one of ${[...MARKS].join(', ')})`);
  for (const key of ['layer', 'hconcat', 'vconcat', 'concat']) {
    const subs = spec[key];
    if (Array.isArray(subs)) subs.forEach((s, i) => checkMarks(s as Record<string, unknown>, `${path}${key}[${i}].`, bad));
  }
}

/**
 * Render one spec. `where` names the plot (and file) in errors. Invalid specs —
 * vega-lite errors *or warnings* (it drops a bad encoding with only a warning,
 * which would silently draw a different plot), no inline data — are E_INPUT errors.
 */
export async function renderSpec(spec: unknown, where: { plot: string; file?: string }): Promise<RenderedSvg> {
  const name = `plot "${where.plot}"`;
  const bad = (why: string): StatelabError => inputError(`${name}: ${why}`, where.file === undefined ? undefined : { file: where.file });
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw bad('the spec must be a Vega-Lite JSON object');
  const s = spec as Record<string, unknown>;
  checkMarks(s, '', bad);
  if (checkData(s, '', bad) === 0) throw bad('no data: give the rows inline in data.values');
  const log = collector();
  let vgSpec: vega.Spec;
  try {
    vgSpec = compile(s as unknown as TopLevelSpec, { logger: log }).spec;
  } catch (e) {
    throw bad(`invalid Vega-Lite spec: ${(e as Error).message}`);
  }
  if (log.errors.length || log.warnings.length) throw bad(`invalid Vega-Lite spec: ${[...log.errors, ...log.warnings].join('; ')}`);
  const run = collector();
  let svg: string;
  try {
    const view = new vega.View(vega.parse(vgSpec), { renderer: 'none', logger: run });
    svg = await view.toSVG();
    view.finalize();
  } catch (e) {
    throw bad(`Vega could not render it: ${(e as Error).message}`);
  }
  if (run.errors.length) throw bad(`Vega could not render it: ${run.errors.join('; ')}`);
  return { svg, warnings: run.warnings };
}

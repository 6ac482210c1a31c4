// The experiment runner: resolves names, traces and middleboxes, gives each experiment
// its context (bounded pool, resumable journal, progress, meta), writes result.json +
// one CSV per table (+ SVGs and the HTML report through experiments/plot and /report).
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { inputError, usageError } from '../analyzer/errors.js';
import { PACKAGE_ROOT } from '../analyzer/paths.js';
import { tableToCsv } from './csv.js';
import { Journal } from './journal.js';
import { buildMeta, provenance, traceInput } from './meta.js';
import { pool } from './pool.js';
import { makeProgress } from './progress.js';
import { EXPERIMENTS, type Experiment, type ExperimentContext, type RenderPlots, type WriteReport } from './registry.js';
import type { ExperimentResult, ResultMeta } from './types.js';

export interface RunnerOptions {
  /** Experiment names, or ['all']. */
  names: string[];
  out: string;
  traces?: string[];
  middleboxes?: string[];
  jobs?: number;
  compact?: boolean;
  fresh?: boolean;
  seed?: number;
  /** Write the HTML report after the experiments (when experiments/report is present). */
  report?: boolean;
  log?: (line: string) => void;
}

export interface RunnerOutcome {
  results: { name: string; dir: string; result: ExperimentResult; files: string[]; reused: number; worked: number }[];
  reportPath: string | null;
  /** Names of experiments whose check failed (exit 1). */
  failedChecks: string[];
}

export const MIDDLEBOX_DIR = join(PACKAGE_ROOT, 'middleboxes');
export const BUNDLED_TRACES = join(PACKAGE_ROOT, 'traces');
export const SHARED_TRACES = resolve(PACKAGE_ROOT, '..', 'shared', 'traces');

/** Folders under middleboxes/ with an mbox.json, sorted. */
export function bundledMiddleboxes(): string[] {
  return readdirSync(MIDDLEBOX_DIR)
    .filter((d) => existsSync(join(MIDDLEBOX_DIR, d, 'mbox.json')))
    .sort();
}

const pcaps = (dir: string, skip: string[] = []): string[] =>
  readdirSync(dir)
    .filter((f) => /\.pcap(ng)?$/.test(f) && !skip.includes(f))
    .sort()
    .map((f) => join(dir, f));

/** Default traces: compact → the committed ones (not malformed.pcap); full → ../shared/traces, else the committed ones. */
export function defaultTraces(compact: boolean, log: (l: string) => void = () => {}): string[] {
  if (!compact) {
    if (existsSync(SHARED_TRACES)) return pcaps(SHARED_TRACES);
    log(`note: ${SHARED_TRACES} is absent; the full evaluation falls back to the bundled traces in traces/`);
  }
  return pcaps(BUNDLED_TRACES, ['malformed.pcap']);
}

export function resolveNames(names: string[]): string[] {
  if (names.length === 0) throw usageError(`name an experiment or 'all' (one of: ${Object.keys(EXPERIMENTS).join(', ')})`);
  if (names.includes('all')) {
    if (names.length > 1) throw usageError(`'all' runs every experiment; do not name others beside it`);
    return Object.keys(EXPERIMENTS);
  }
  for (const n of names) if (!(n in EXPERIMENTS)) throw usageError(`unknown experiment '${n}' (one of: ${Object.keys(EXPERIMENTS).join(', ')}, all)`);
  return [...new Set(names)];
}

function checkInputs(o: RunnerOptions): { traces: string[]; middleboxes: string[]; jobs: number } {
  const jobs = o.jobs ?? cpus().length;
  if (!Number.isInteger(jobs) || jobs < 1) throw usageError(`--jobs ${o.jobs}: a positive integer is needed`);
  if (o.seed !== undefined && (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff)) throw usageError(`--seed ${o.seed}: an integer in [0, 2^32) is needed`);
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const traces = (o.traces?.length ? o.traces : defaultTraces(o.compact ?? false, log)).map((t) => resolve(t));
  for (const t of traces) {
    if (!existsSync(t)) throw inputError(`--trace ${t}: no such file`, { file: t });
    if (!statSync(t).isFile()) throw inputError(`--trace ${t}: not a file`, { file: t });
  }
  if (traces.length === 0) throw usageError('no traces: pass --trace <file>');
  const all = bundledMiddleboxes();
  const middleboxes = o.middleboxes?.length ? [...new Set(o.middleboxes)] : all;
  for (const m of middleboxes) if (!all.includes(m)) throw usageError(`--middlebox ${m}: not a bundled middlebox (one of: ${all.join(', ')})`);
  return { traces, middleboxes, jobs };
}

/** result.json + one CSV per table (+ one SVG per plot when the renderer is present); returns the files written. */
export async function writeResult(outDir: string, r: ExperimentResult, renderPlots?: RenderPlots | null): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const files = [join(outDir, 'result.json')];
  writeFileSync(files[0]!, JSON.stringify(r, null, 2) + '\n');
  for (const t of r.tables) {
    const f = join(outDir, `${t.id}.csv`);
    writeFileSync(f, tableToCsv(t));
    files.push(f);
  }
  const render = renderPlots === undefined ? await optionalRenderer<RenderPlots>('./plot/index.js', 'renderPlots') : renderPlots;
  if (render && r.plots.length) files.push(...(await render(r, outDir)));
  return files;
}

/** H16's renderers are optional: absent (not yet written, or not built) means no SVG / no report, not a failure. */
async function optionalRenderer<F>(spec: string, name: string, log: (l: string) => void = (l) => process.stderr.write(l + '\n')): Promise<F | null> {
  const here = new URL(spec, import.meta.url);
  const candidates = [here, new URL(spec.replace(/\.js$/, '.ts'), import.meta.url)];
  if (!candidates.some((u) => existsSync(u))) return null;
  try {
    const m = (await import(spec)) as Record<string, unknown>;
    return typeof m[name] === 'function' ? (m[name] as F) : null;
  } catch (e) {
    // Present but failing to load (e.g. its plotting library not installed): say so, keep the results.
    log(`warning: ${spec} did not load (${(e as Error).message.split('\n')[0]}); ${name} skipped`);
    return null;
  }
}

function context(exp: Experiment, outDir: string, o: RunnerOptions, inputs: ReturnType<typeof checkInputs>, journal: Journal, startedAt: number): ExperimentContext {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const traceCache = new Map<string, Promise<ResultMeta['inputs']['traces'][number]>>();
  return {
    outDir,
    compact: o.compact ?? false,
    traces: inputs.traces,
    explicitTraces: (o.traces?.length ?? 0) > 0,
    middleboxes: inputs.middleboxes,
    jobs: inputs.jobs,
    seed: o.seed ?? 1,
    progress: (label, total) => makeProgress(`${exp.name}: ${label}`, total),
    log: (line) => log(`${exp.name}: ${line}`),
    journal: (unitId, work) => journal.unit(unitId, work),
    pool: (items, f) => pool(items, inputs.jobs, f),
    traceInput: (path) => {
      let p = traceCache.get(path);
      if (!p) traceCache.set(path, (p = traceInput(path)));
      return p;
    },
    meta: (ins, seeds, args) => buildMeta(exp.name, startedAt, ins, seeds, { compact: o.compact ?? false, jobs: inputs.jobs, ...args }),
  };
}

export async function runExperiments(o: RunnerOptions): Promise<RunnerOutcome> {
  const names = resolveNames(o.names);
  const inputs = checkInputs(o);
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  const stamp = provenance().codeStamp;
  const render = await optionalRenderer<RenderPlots>('./plot/index.js', 'renderPlots', log);
  const outcome: RunnerOutcome = { results: [], reportPath: null, failedChecks: [] };
  for (const name of names) {
    const exp = await EXPERIMENTS[name]!();
    const dir = join(out, name);
    mkdirSync(dir, { recursive: true });
    const journal = new Journal(join(dir, 'journal.jsonl'), stamp, o.fresh ?? false);
    const t0 = performance.now();
    log(`== experiment ${name}: ${exp.title}${o.compact ? ' (compact)' : ''}`);
    try {
      const result = await exp.run(context(exp, dir, o, inputs, journal, t0));
      const files = await writeResult(dir, result, render);
      if (result.check && !result.check.passed) outcome.failedChecks.push(name);
      outcome.results.push({ name, dir, result, files, reused: journal.reused, worked: journal.worked });
      log(`${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s, ${journal.worked} units worked, ${journal.reused} from the journal → ${basename(out)}/${name}/result.json`);
    } finally {
      journal.close();
    }
  }
  if (o.report ?? true) {
    const writeReport = await optionalRenderer<WriteReport>('./report/index.js', 'writeReport', log);
    if (writeReport) outcome.reportPath = await writeReport(out);
  }
  return outcome;
}

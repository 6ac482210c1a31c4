// The experiment API (DESIGN §7): what an experiment module implements, what the
// runner hands it, and the registry of experiments — one lazily loaded line each.
import type { ExperimentResult, ResultMeta } from './types.js';

/** A progress bar for long work: a cli-progress bar on a TTY, plain lines otherwise. */
export interface Progress {
  tick(n?: number): void;
  done(): void;
}

/** What the runner hands an experiment's `run`. */
export interface ExperimentContext {
  /** `<out>/<name>/`, created; the experiment may write extra files here. */
  outDir: string;
  /** Demo-sized (a few minutes for everything) vs the full evaluation. */
  compact: boolean;
  /** `--trace` files; defaults: compact → the bundled traces/, full → ../shared/traces when present. */
  traces: string[];
  /** True when `traces` came from --trace (use them all), false when they are the defaults (pick). */
  explicitTraces: boolean;
  /** `--middlebox` names (folders under middleboxes/ with an mbox.json); default: all of them. */
  middleboxes: string[];
  /** `--jobs`, default os.cpus().length: the bound of `pool`. */
  jobs: number;
  /** `--seed`: the root of every random choice (record derived seeds in meta). */
  seed: number;
  progress(label: string, total: number): Progress;
  /** One line of commentary (stderr), for what a progress bar cannot say. */
  log(line: string): void;
  /**
   * A resumable unit of work: its JSON-serialisable result is appended (fsync'd) to
   * `<outDir>/journal.jsonl` keyed by `unitId` and the code stamp (last commit and
   * uncommitted changes of analyzer/, harness/, middleboxes/); a rerun returns the
   * journaled value instead of working again. Include in `unitId` everything the unit
   * depends on besides the code (trace sha256 via `traceInput`, model, point, seed...).
   * A unit that throws is not journaled.
   */
  journal<T>(unitId: string, work: () => Promise<T>): Promise<T>;
  /** Map `f` over `items`, at most `jobs` at a time, results in item order. Do not nest pools. */
  pool<T, R>(items: readonly T[], f: (t: T, index: number) => Promise<R>): Promise<R[]>;
  /** A trace's path, sha256 and packet count for `meta` (cached per run). */
  traceInput(path: string): Promise<ResultMeta['inputs']['traces'][number]>;
  /** The result's meta: commit, machine, date, elapsed time since the experiment started. */
  meta(inputs: ResultMeta['inputs'], seeds: Record<string, number>, args: Record<string, unknown>): ResultMeta;
}

export interface Experiment {
  /** The name on the command line (`statelab experiment <name>`) and the result folder. */
  name: string;
  /** e.g. "Table 3: state variables per middlebox, precision and recall". */
  title: string;
  run(ctx: ExperimentContext): Promise<ExperimentResult>;
  /** A few terminal lines for `statelab demo` (default: the summary and the first table). */
  brief?(r: ExperimentResult): string;
}

/**
 * The registry, in `all` order. Loaded lazily so that one experiment's missing or
 * broken dependency (e.g. the plot renderer) never stops the others from running.
 * Add an experiment with ONE line here: `name: () => load(import('./name.js')),`
 * where the module exports `experiment: Experiment`.
 */
const load = async (m: Promise<{ experiment: Experiment }>): Promise<Experiment> => (await m).experiment;
export const EXPERIMENTS: Record<string, () => Promise<Experiment>> = {
  table3: () => load(import('./table3.js')),
  table4: () => load(import('./table4.js')),
  soundness: () => load(import('./soundness.js')),
  fig11: () => load(import('./fig11.js')),
  fig12: () => load(import('./fig12.js')),
  overhead: () => load(import('./overhead.js')),
  failover: () => load(import('./failover.js')),
};

/** Add an experiment at run time (tests, plug-ins); a name already taken is an error. */
export function registerExperiment(e: Experiment): void {
  if (e.name in EXPERIMENTS || e.name === 'all') throw new Error(`experiment '${e.name}' is already registered`);
  EXPERIMENTS[e.name] = () => Promise.resolve(e);
}

export function experimentNames(): string[] {
  return Object.keys(EXPERIMENTS);
}

/**
 * The optional renderers of H16 (experiments/plot, experiments/report), imported
 * lazily by the runner when present:
 * - `experiments/plot/index.js` exports `renderPlots(result, outDir)`: one SVG per plot, returns the files;
 * - `experiments/report/index.js` exports `writeReport(outRoot)`: gathers every `<outRoot>/<name>/result.json`
 *   into `<outRoot>/report.html`, returns its path.
 */
export type RenderPlots = (result: ExperimentResult, outDir: string) => Promise<string[]>;
export type WriteReport = (outRoot: string) => Promise<string>;

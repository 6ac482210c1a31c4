// The contract between experiment modules, the runner and the report (DESIGN §7):
// every experiment writes one ExperimentResult to <out>/<name>/result.json, a CSV
// per table and an SVG per plot; the report gathers them into <out>/report.html.

/** Who, what and where produced a result: enough to reproduce or to distrust it. */
export interface ResultMeta {
  schemaVersion: 1;
  experiment: string;
  /** ISO 8601, when the run finished. */
  date: string;
  /** `git rev-parse --short HEAD`, and whether the tree had uncommitted changes. */
  commit: string;
  dirty: boolean;
  machine: { hostname: string; cpus: number; cpuModel: string; memGiB: number; os: string; node: string };
  inputs: {
    traces: { path: string; sha256: string; packets: number }[];
    middleboxes: string[];
  };
  /** Every random choice is seeded; the seeds are listed here. */
  seeds: Record<string, number>;
  /** The options the experiment ran with (compact or full, jobs, points, ...). */
  args: Record<string, unknown>;
  elapsedMs: number;
}

export type Cell = string | number | boolean | null;

export interface Table {
  id: string;
  title: string;
  columns: { key: string; label: string; unit?: string }[];
  rows: Record<string, Cell>[];
}

/** A plot as a Vega-Lite (v6) spec with its data inline; rendered to SVG headlessly. */
export interface Plot {
  id: string;
  title: string;
  spec: Record<string, unknown>;
}

/** One figure of the paper beside ours, with an honest word on any gap. */
export interface PaperComparison {
  /** e.g. "Figure 11a", "Table 4", "§7.3 overhead". */
  figure: string;
  what: string;
  paper: string;
  ours: string;
  note: string;
}

export interface ExperimentResult {
  meta: ResultMeta;
  /** A one-paragraph reading of the result, with its numbers. */
  summary: string;
  tables: Table[];
  plots: Plot[];
  paper: PaperComparison[];
  /** Anything else machine-readable the experiment wants to keep (series, raw runs). */
  data?: unknown;
  /**
   * A pass/fail check the experiment makes (e.g. soundness: every run equivalent).
   * `statelab experiment` exits 1 after writing everything when any check failed.
   */
  check?: { passed: boolean; detail: string };
}

// Public surface of experiments/ (DESIGN §7): the experiment API and registry, the
// runner, result files, and the helpers experiment modules share.
export * from './types.js';
export { EXPERIMENTS, experimentNames, registerExperiment, type Experiment, type ExperimentContext, type Progress, type RenderPlots, type WriteReport } from './registry.js';
export { runExperiments, writeResult, resolveNames, defaultTraces, bundledMiddleboxes, MIDDLEBOX_DIR, BUNDLED_TRACES, SHARED_TRACES, type RunnerOptions, type RunnerOutcome } from './runner.js';
export { tableToCsv, parseCsv } from './csv.js';
export { Journal } from './journal.js';
export { pool } from './pool.js';
export { makeProgress } from './progress.js';
export { provenance, machine, traceInput, sha256File, buildMeta } from './meta.js';

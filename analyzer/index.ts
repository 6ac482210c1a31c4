// The analyzer's public API (experiments and the harness import only this).
export { analyze, type AnalysisResult, type AnalyzeOptions, type StageTiming } from './analyze.js';
export { loadProgram, loadProgramFromSource, type FrontendOptions } from './frontend/index.js';
export * from './ir/index.js';
export { StatelabError, inputError, usageError, type ErrorCode, type Place } from './errors.js';

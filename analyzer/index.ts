// The analyzer's public API (experiments and the harness import only this).
export { analyze, loadIr, DEFAULT_OPTIONS, type AnalysisResult, type AnalyzeOptions, type StageTiming } from './analyze.js';
export { loadProgram, loadProgramFromSource, type FrontendOptions } from './frontend/index.js';
export * from './ir/index.js';
export { StatelabError, inputError, usageError, type ErrorCode, type Place } from './errors.js';
export { analyzePointers, pointsToDump, callGraphDot } from './pointer/index.js';
export type { PointsTo, AbstractObject, ObjId } from './pointer/types.js';
export type { AnalysisReport, VariableReport, Counts, Reason } from './state/types.js';
export { buildMiddlebox, type BuildOptions, type BuildReport, type TransferredVar } from './instrument/index.js';
export { formatReport, formatTable3, formatTimings, formatReasons, table, table3Row, toSarif, validateReport, reportToJson } from './report/index.js';

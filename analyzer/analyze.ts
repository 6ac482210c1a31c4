// The one pipeline entry of the analyzer: front end now; the pointer, SDG and
// StateAlyzr stages are added here as they land (DESIGN §2).
import { lastTimings, loadProgram, type FrontendOptions } from './frontend/index.js';
import type { Program } from './ir/types.js';

export interface AnalyzeOptions extends FrontendOptions {}

export interface StageTiming {
  stage: string;
  ms: number;
}

export interface AnalysisResult {
  program: Program;
  timings: StageTiming[];
}

export function analyze(inputs: string[], opts: AnalyzeOptions = {}): AnalysisResult {
  const program = loadProgram(inputs, opts);
  const t = lastTimings;
  return {
    program,
    timings: [
      { stage: 'preprocess', ms: t.preprocessMs },
      { stage: 'parse', ms: t.parseMs },
      { stage: 'lower', ms: t.lowerMs },
    ],
  };
}

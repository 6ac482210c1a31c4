// Runs the analyzer pipeline up to the StateAlyzr classification, for the state tests.
import { loadProgram, loadProgramFromSource } from '../../../analyzer/frontend/index.js';
import type { Program } from '../../../analyzer/ir/types.js';
import { analyzePointers } from '../../../analyzer/pointer/index.js';
import { buildSdg } from '../../../analyzer/sdg/index.js';
import { buildCatalogs, classify, sdgQueries, type Classification, type VariableReport } from '../../../analyzer/state/index.js';

export interface Classified extends Classification {
  program: Program;
  byName(name: string, func?: string): VariableReport;
}

export function classifyProgram(program: Program): Classified {
  const pts = analyzePointers(program, {});
  const c = classify(program, pts, sdgQueries(buildSdg(program, pts)), buildCatalogs());
  return {
    ...c,
    program,
    byName(name, func) {
      const v = c.variables.find((x) => x.name === name && (func === undefined || x.function === func));
      if (!v) throw new Error(`no persistent variable ${func ? `${func}::` : ''}${name} in the report`);
      return v;
    },
  };
}

export const classifyFiles = (inputs: string[]) => classifyProgram(loadProgram(inputs));
export const classifySource = (code: string) => classifyProgram(loadProgramFromSource(code, 'case.c'));

// `statelab slice <inputs> --at file.c:LINE [--var name] [--forward|--backward] [--dot out.dot]`:
// a context-sensitive (two-phase) slice over the system dependence graph,
// printed as sorted unique `file:line  source text` statements.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { inputError, usageError } from '../analyzer/errors.js';
import { loadProgram } from '../analyzer/frontend/index.js';
import { analyzePointers, type PointerAnalysisKind } from '../analyzer/pointer/index.js';
import { buildSdg } from '../analyzer/sdg/index.js';
import { criterionAt, formatStatements, slice, sliceToDot, statementsOf } from '../analyzer/slice/index.js';

function collect(v: string, acc: string[]): string[] {
  return [...acc, v];
}

/** Splits `file.c:LINE` at the last colon (paths may contain colons). */
export function parseAt(at: string): { file: string; line: number } {
  const m = /^(.+):(\d+)$/.exec(at);
  if (!m || Number(m[2]) < 1) throw usageError(`--at must be file.c:LINE with LINE ≥ 1, got "${at}"`);
  return { file: m[1]!, line: Number(m[2]) };
}

interface SliceOptions {
  at: string;
  var?: string;
  forward?: boolean;
  backward?: boolean;
  dot?: string;
  include: string[];
  define: string[];
  pointer: string;
  fieldSensitive?: boolean;
}

export function register(program: Command): void {
  program
    .command('slice')
    .description('print the backward (default) or forward slice of the statements at file:LINE, context-sensitively')
    .argument('<inputs...>', 'C files, directories (with optional mbox.json) or compile_commands.json')
    .requiredOption('--at <file:line>', 'slicing criterion: the statements on this line')
    .option('--var <name>', 'only the statements on that line that read or write this variable')
    .option('--forward', 'statements affected by the criterion')
    .option('--backward', 'statements that affect the criterion (default)')
    .option('--dot <file>', 'also write the slice subgraph of the SDG as Graphviz DOT')
    .option('-I, --include <dir>', 'add an include directory', collect, [])
    .option('-D, --define <name[=value]>', 'define a macro', collect, [])
    .option('--pointer <kind>', 'pointer analysis: andersen|steensgaard', 'andersen')
    .option('--field-sensitive', 'field-sensitive Andersen (the default)')
    .option('--no-field-sensitive', 'field-insensitive Andersen')
    .action((inputs: string[], o: SliceOptions) => {
      if (o.forward && o.backward) throw usageError('--forward and --backward exclude each other');
      if (o.pointer !== 'andersen' && o.pointer !== 'steensgaard') throw usageError(`--pointer must be andersen or steensgaard, got "${o.pointer}"`);
      const { file, line } = parseAt(o.at);
      const prog = loadProgram(inputs, { includeDirs: o.include, defines: o.define });
      const pts = analyzePointers(prog, { kind: o.pointer as PointerAnalysisKind, fieldSensitive: o.fieldSensitive ?? true });
      const sdg = buildSdg(prog, pts);
      const crit = criterionAt(sdg, file, line, o.var);
      const result = slice(sdg, crit, o.forward ? 'forward' : 'backward');
      if (o.dot !== undefined) {
        try {
          writeFileSync(o.dot, sliceToDot(sdg, result, `${o.forward ? 'forward' : 'backward'} slice from ${o.at}`));
        } catch (e) {
          throw inputError(`cannot write DOT: ${(e as Error).message}`, { file: o.dot }, e);
        }
      }
      process.stdout.write(formatStatements(statementsOf(sdg, result)));
    });
}

// `statelab analyze`: loads a C program and prints its summary and, on request,
// dumps (IR text, CFG DOT); later stages add their own dumps and outputs here.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { analyze, type AnalysisResult } from '../analyzer/analyze.js';
import { usageError } from '../analyzer/errors.js';
import { cfgToDot, printFunction, printProgram } from '../analyzer/ir/index.js';
import type { Func, Program } from '../analyzer/ir/types.js';

export interface AnalyzeCliOptions {
  include: string[];
  define: string[];
  dump?: string;
  function?: string;
  out?: string;
}

function findFunction(p: Program, name: string | undefined, dump: string): Func {
  if (!name) throw usageError(`--dump ${dump} needs --function NAME`);
  const f = p.functions.get(name) ?? [...p.functions.values()].find((x) => x.name === name);
  if (!f) throw usageError(`no function '${name}' in the program (try one of: ${[...p.functions.keys()].slice(0, 10).join(', ')})`);
  return f;
}

/** The dumps by name; pts/callgraph are added by their stages. */
export const dumps: Record<string, (r: AnalysisResult, o: AnalyzeCliOptions) => string> = {
  ir: (r, o) => (o.function ? printFunction(r.program, findFunction(r.program, o.function, 'ir')) : printProgram(r.program)),
  cfg: (r, o) => cfgToDot(findFunction(r.program, o.function, 'cfg'), r.program),
};

export function summary(r: AnalysisResult): string {
  const p = r.program;
  const lines: string[] = [];
  const pp = p.units.reduce((a, u) => a + u.preprocessedLines, 0);
  const src = p.units.reduce((a, u) => a + u.sourceLines, 0);
  const globals = p.vars.filter((v) => v.scope === 'global' || (v.scope === 'static' && v.function === undefined));
  const fstatics = p.vars.filter((v) => v.scope === 'static' && v.function !== undefined);
  lines.push(`units: ${p.units.length} (${src} source lines, ${pp} preprocessed lines)`);
  for (const u of p.units) lines.push(`  ${u.file}: ${u.sourceLines} lines, ${u.preprocessedLines} preprocessed`);
  lines.push(`functions: ${p.functions.size}${[...p.functions.values()].some((f) => f.partial) ? ` (partial: ${[...p.functions.values()].filter((f) => f.partial).map((f) => f.key).join(', ')})` : ''}`);
  for (const f of p.functions.values()) {
    const n = f.blocks.reduce((a, b) => a + b.instrs.length, 0);
    lines.push(`  ${f.key}  ${f.loc.file}:${f.loc.line}  ${f.blocks.length} blocks, ${n} instrs${f.partial ? ', PARTIAL' : ''}`);
  }
  lines.push(`globals and file statics: ${globals.length}`);
  for (const v of globals) lines.push(`  ${v.scope} ${v.name}  ${v.loc.file}:${v.loc.line}`);
  if (fstatics.length) lines.push(`function statics: ${fstatics.map((v) => `${v.function}.${v.name}`).join(', ')}`);
  lines.push(`instructions: ${p.instrs.length}`);
  lines.push(`externals: ${[...p.externals].sort().join(', ') || '-'}`);
  lines.push(`diagnostics: ${p.diagnostics.length}`);
  for (const d of p.diagnostics) lines.push(`  ${d.severity}: ${d.loc.file}:${d.loc.line}:${d.loc.column}: ${d.message}`);
  lines.push(`time: ${r.timings.map((t) => `${t.stage} ${t.ms.toFixed(0)} ms`).join(', ')}`);
  return lines.join('\n') + '\n';
}

const collect = (v: string, acc: string[]): string[] => [...acc, v];

export function register(program: Command): void {
  program
    .command('analyze')
    .description('analyze a C middlebox: <file.c|dir|compile_commands.json>...')
    .argument('<inputs...>', 'C files, directories (with optional mbox.json) or compile_commands.json')
    .option('-I, --include <dir>', 'add an include directory', collect, [])
    .option('-D, --define <name[=value]>', 'define a macro', collect, [])
    .option('--dump <kind>', `print an internal form: ${Object.keys(dumps).join('|')}`)
    .option('--function <name>', 'the function for --dump cfg (and to narrow --dump ir)')
    .option('-o, --out <file>', 'write the dump to a file instead of stdout')
    .action((inputs: string[], o: AnalyzeCliOptions) => {
      if (o.dump !== undefined && !(o.dump in dumps)) throw usageError(`unknown --dump '${o.dump}' (one of: ${Object.keys(dumps).join(', ')})`);
      const r = analyze(inputs, { includeDirs: o.include, defines: o.define });
      if (o.dump) {
        const text = dumps[o.dump](r, o);
        if (o.out) writeFileSync(o.out, text);
        else process.stdout.write(text.endsWith('\n') ? text : text + '\n');
        return;
      }
      process.stdout.write(summary(r));
    });
}

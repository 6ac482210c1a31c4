// `statelab analyze`: runs the analyzer pipeline on a C middlebox and prints the
// paper's Table 3 row, the per-variable table and per-stage time and memory;
// writes the JSON report, SARIF and slice DOT on request, or dumps an internal form.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { analyze, loadIr, type AnalysisResult, type AnalyzeOptions } from '../analyzer/analyze.js';
import { usageError } from '../analyzer/errors.js';
import { cfgToDot, printFunction, printProgram } from '../analyzer/ir/index.js';
import type { Func, Program } from '../analyzer/ir/types.js';
import { callGraphDot, pointsToDump } from '../analyzer/pointer/index.js';
import { formatReasons, formatReport, reportToJson, toSarif, validateReport } from '../analyzer/report/index.js';
import { backwardSlice, forwardSlice, instrVertices, sliceToDot } from '../analyzer/slice/index.js';

export interface AnalyzeCliOptions {
  include: string[];
  define: string[];
  pointer: string;
  fieldSensitive?: boolean;
  recv: string[];
  pktOut: string[];
  logOut: string[];
  catalog?: string;
  json?: string;
  sarif?: string;
  dot?: string;
  dump?: string;
  function?: string;
  out?: string;
  all?: boolean;
  explain?: boolean;
}

function findFunction(p: Program, name: string | undefined, dump: string): Func {
  if (!name) throw usageError(`--dump ${dump} needs --function NAME`);
  const f = p.functions.get(name) ?? [...p.functions.values()].find((x) => x.name === name);
  if (!f) throw usageError(`no function '${name}' in the program (try one of: ${[...p.functions.keys()].slice(0, 10).join(', ')})`);
  return f;
}

/** Dumps of the front end's IR (no later stage needed). */
const irDumps: Record<string, (p: Program, o: AnalyzeCliOptions) => string> = {
  ir: (p, o) => (o.function ? printFunction(p, findFunction(p, o.function, 'ir')) : printProgram(p)),
  cfg: (p, o) => cfgToDot(findFunction(p, o.function, 'cfg'), p),
};
/** Dumps that need the pointer analysis; `--function` names the variable for pts. */
const ptsDumps: Record<string, (r: AnalysisResult, o: AnalyzeCliOptions) => string> = {
  pts: (r, o) => pointsToDump(r.program, r.pts, o.function),
  callgraph: (r) => callGraphDot(r.program, r.pts),
};
export const DUMPS = [...Object.keys(irDumps), ...Object.keys(ptsDumps)];

/** DOT of the slices behind the verdicts: the packet's forward slice and the output calls' backward slices. */
function writeSliceDots(r: AnalysisResult, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const c = r.classification;
  const files: [string, string][] = [
    ['packet-forward.dot', sliceToDot(r.sdg, forwardSlice(r.sdg, instrVertices(r.sdg, c.recvInstrs)), 'packet_forward')],
    ['pkt-output-backward.dot', sliceToDot(r.sdg, backwardSlice(r.sdg, instrVertices(r.sdg, c.outputSites.pkt)), 'pkt_output')],
    ['log-output-backward.dot', sliceToDot(r.sdg, backwardSlice(r.sdg, instrVertices(r.sdg, c.outputSites.log)), 'log_output')],
  ];
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}

function write(file: string, text: string): void {
  writeFileSync(file, text.endsWith('\n') ? text : text + '\n');
}

const collect = (v: string, acc: string[]): string[] => [...acc, v];

export function register(program: Command): void {
  program
    .command('analyze')
    .description('classify the state of a C middlebox (StateAlyzr): <file.c|dir|compile_commands.json>...')
    .argument('<inputs...>', 'C files, directories (with optional mbox.json) or compile_commands.json')
    .option('-I, --include <dir>', 'add an include directory', collect, [])
    .option('-D, --define <name[=value]>', 'define a macro', collect, [])
    .option('--pointer <kind>', 'pointer analysis: andersen|steensgaard', 'andersen')
    .option('--field-sensitive', 'fields of structs as separate locations (the default)')
    .option('--no-field-sensitive', 'one location per struct object (field-insensitive, as the paper)')
    .option('--recv <fn>', 'add a packet-receive function', collect, [])
    .option('--pkt-out <fn>', 'add a packet-output function', collect, [])
    .option('--log-out <fn>', 'add a log-output function', collect, [])
    .option('--catalog <file>', 'JSON file {"recv": [], "pktOut": [], "logOut": []} extending the catalogs')
    .option('--json <file>', 'write the JSON report (schema analyzer/report/report.schema.json)')
    .option('--sarif <file>', 'write SARIF 2.1.0')
    .option('--dot <dir>', 'write DOT of the slices behind the verdicts')
    .option('--dump <kind>', `print an internal form: ${DUMPS.join('|')}`)
    .option('--function <name>', 'the function for --dump cfg|ir, the variable for --dump pts')
    .option('-o, --out <file>', 'write the dump to a file instead of stdout')
    .option('--all', 'list every persistent variable, not only top-level ones')
    .option('--explain', 'print the reason behind every verdict')
    .action((inputs: string[], o: AnalyzeCliOptions) => {
      if (o.dump !== undefined && !DUMPS.includes(o.dump)) throw usageError(`unknown --dump '${o.dump}' (one of: ${DUMPS.join(', ')})`);
      if (o.pointer !== 'andersen' && o.pointer !== 'steensgaard') throw usageError(`unknown --pointer '${o.pointer}' (andersen or steensgaard)`);
      const opts: AnalyzeOptions = {
        includeDirs: o.include,
        defines: o.define,
        pointer: o.pointer,
        fieldSensitive: o.fieldSensitive ?? true,
        recv: o.recv,
        pktOut: o.pktOut,
        logOut: o.logOut,
        configFile: o.catalog,
      };
      const emit = (text: string) => (o.out ? write(o.out, text) : process.stdout.write(text.endsWith('\n') ? text : text + '\n'));
      if (o.dump && o.dump in irDumps) {
        emit(irDumps[o.dump](loadIr(inputs, opts).program, o));
        return;
      }
      const r = analyze(inputs, opts);
      if (o.dump) {
        emit(ptsDumps[o.dump](r, o));
        return;
      }
      const problems = validateReport(r.report);
      if (problems.length) throw new Error(`report does not match its schema: ${problems.join('; ')}`);
      if (o.json) write(o.json, reportToJson(r.report));
      if (o.sarif) write(o.sarif, JSON.stringify(toSarif(r.report, { baseDir: process.cwd() }), null, 2));
      const dots = o.dot ? writeSliceDots(r, o.dot) : [];
      const text = formatReport(r.report, { all: o.all });
      process.stdout.write(text + '\n');
      if (o.explain) process.stdout.write('\n' + formatReasons(r.report) + '\n');
      for (const f of [o.json, o.sarif, ...dots]) if (f) process.stderr.write(`wrote ${f}\n`);
    });
}

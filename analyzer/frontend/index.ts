// The analyzer front end: C sources (files, folders, mbox.json, compile_commands.json)
// → preprocessed units → tree-sitter-c → one linked whole-program IR with CFGs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { inputError } from '../errors.js';
import type { Program } from '../ir/types.js';
import { absolutizeFlags, displayPath, resolveInputs } from './inputs.js';
import { parseC } from './parse.js';
import { mapLines, preprocess, type CompileUnit, type Preprocessed } from './preprocess.js';
import { ProgramBuilder } from './program.js';
import { UnitLowerer } from './unit.js';

export interface FrontendOptions {
  /** Extra include directories (-I). */
  includeDirs?: string[];
  /** Extra macro definitions (-D name[=value]). */
  defines?: string[];
  /** Extra preprocessor flags passed to every unit. */
  cflags?: string[];
  /** The C compiler used as preprocessor (default: $CC or `cc`). */
  cc?: string;
}

export const DEFAULT_OPTIONS: Required<FrontendOptions> = {
  includeDirs: [],
  defines: [],
  cflags: [],
  cc: process.env.CC || 'cc',
};

/** Time spent per phase of the last load, for benchmarks and the analysis report's timings. */
export interface FrontendTimings {
  /** Wall-clock milliseconds per phase (preprocessing runs in cc, a child process). */
  preprocessMs: number;
  parseMs: number;
  lowerMs: number;
  /** CPU milliseconds of this process (user + system) per phase: stable on a loaded machine. */
  parseCpuMs: number;
  lowerCpuMs: number;
  preprocessedLines: number;
}

const NO_TIMINGS: FrontendTimings = { preprocessMs: 0, parseMs: 0, lowerMs: 0, parseCpuMs: 0, lowerCpuMs: 0, preprocessedLines: 0 };
export let lastTimings: FrontendTimings = { ...NO_TIMINGS };

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

function extraFlags(opts: FrontendOptions): string[] {
  const flags: string[] = [];
  for (const d of opts.includeDirs ?? []) flags.push(`-I${resolve(d)}`);
  for (const d of opts.defines ?? []) flags.push(`-D${d}`);
  flags.push(...absolutizeFlags(opts.cflags ?? [], process.cwd()));
  return flags;
}

function countLines(file: string): number {
  try {
    const text = readFileSync(file, 'utf8');
    if (text.length === 0) return 0;
    let n = 0;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
    return text.endsWith('\n') ? n : n + 1;
  } catch (e) {
    throw inputError(`cannot read: ${(e as Error).message}`, { file }, e);
  }
}

/** Tags that name a unit in static function keys (`file.c:name`): the basename unless two units share it. */
function unitTags(units: CompileUnit[]): string[] {
  const count = new Map<string, number>();
  for (const u of units) count.set(basename(u.file), (count.get(basename(u.file)) ?? 0) + 1);
  return units.map((u) => ((count.get(basename(u.file)) ?? 0) > 1 ? u.file : basename(u.file)));
}

export function loadUnits(units: CompileUnit[], opts: FrontendOptions = {}): Program {
  const cc = opts.cc ?? DEFAULT_OPTIONS.cc;
  const prog = new ProgramBuilder();
  const tags = unitTags(units);
  const timings: FrontendTimings = { ...NO_TIMINGS };
  units.forEach((u, i) => {
    let t0 = performance.now();
    const pp: Preprocessed = preprocess(u, cc);
    let t1 = performance.now();
    timings.preprocessMs += t1 - t0;
    t0 = t1;
    let c0 = process.cpuUsage();
    const tree = parseC(pp.text);
    t1 = performance.now();
    timings.parseMs += t1 - t0;
    timings.parseCpuMs += cpuMs(c0);
    t0 = t1;
    c0 = process.cpuUsage();
    prog.units.push({ file: u.file, preprocessedLines: pp.lineStart.length, sourceLines: countLines(u.file) });
    new UnitLowerer(prog, pp, tree, tags[i]).lower();
    timings.lowerMs += performance.now() - t0;
    timings.lowerCpuMs += cpuMs(c0);
    timings.preprocessedLines += pp.lineStart.length;
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const program = prog.finish();
  timings.lowerMs += performance.now() - t0;
  timings.lowerCpuMs += cpuMs(c0);
  lastTimings = timings;
  return program;
}

/**
 * Lowers already preprocessed text (no cc): for tests and fuzzing of the parser
 * and lowering. Each text is one unit named `file`.
 */
export function loadPreprocessed(units: { file: string; text: string }[]): Program {
  const prog = new ProgramBuilder();
  for (const u of units) {
    const pp = mapLines({ file: u.file, flags: [], cwd: process.cwd() }, `# 1 "${u.file}"\n${u.text}`);
    prog.units.push({ file: u.file, preprocessedLines: pp.lineStart.length, sourceLines: u.text.split('\n').length });
    new UnitLowerer(prog, pp, parseC(pp.text), basename(u.file)).lower();
  }
  return prog.finish();
}

/** Loads and links a whole program from C files, folders (mbox.json aware) and compile_commands.json files. */
export function loadProgram(inputs: string[], opts: FrontendOptions = {}): Program {
  return loadUnits(resolveInputs(inputs, extraFlags(opts)), opts);
}

/** For tests: writes `code` to a temporary `fileName` and loads it. */
export function loadProgramFromSource(code: string, fileName = 'input.c', opts: FrontendOptions = {}): Program {
  const dir = mkdtempSync(join(tmpdir(), 'statelab-src-'));
  try {
    const file = join(dir, basename(fileName));
    writeFileSync(file, code);
    return loadProgram([file], opts);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export { displayPath, resolveInputs };
export type { CompileUnit };

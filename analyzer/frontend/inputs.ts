// Turns the analyzer's inputs (C files, folders with or without an mbox.json
// manifest, compile_commands.json) into the list of translation units to read.
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { inputError } from '../errors.js';
import { preprocessorFlags, type CompileUnit } from './preprocess.js';

/** The path we show and hand to cc: relative to the working directory when inside it. */
export function displayPath(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
}

/** Makes the path arguments of -I/-isystem/-include... absolute against `dir`. */
export function absolutizeFlags(flags: string[], dir: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i];
    const sep = /^(-I|-isystem|-iquote|-idirafter|-include|-imacros)$/.exec(f);
    if (sep && i + 1 < flags.length) {
      out.push(f, resolve(dir, flags[++i]));
      continue;
    }
    const joined = /^(-I|-isystem|-iquote|-idirafter)(.+)$/.exec(f);
    if (joined) {
      out.push(joined[1] + resolve(dir, joined[2]));
      continue;
    }
    out.push(f);
  }
  return out;
}

/** Splits a shell command line as compile_commands.json `command` strings use it. */
export function splitCommand(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inArg = false;
  let quote: string | null = null;
  for (let i = 0; i < cmd.length; i++) {
    const ch = cmd[i];
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < cmd.length) cur += cmd[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inArg = true;
    } else if (ch === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i];
      inArg = true;
    } else if (/\s/.test(ch)) {
      if (inArg) out.push(cur);
      cur = '';
      inArg = false;
    } else {
      cur += ch;
      inArg = true;
    }
  }
  if (inArg) out.push(cur);
  return out;
}

function statOrThrow(p: string): Stats {
  try {
    return statSync(p);
  } catch (e) {
    throw inputError(`no such file or directory`, { file: p }, e);
  }
}

function readJson(p: string): unknown {
  let text: string;
  try {
    text = readFileSync(p, 'utf8');
  } catch (e) {
    throw inputError(`cannot read: ${(e as Error).message}`, { file: p }, e);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw inputError(`invalid JSON: ${(e as Error).message}`, { file: p }, e);
  }
}

function cFilesUnder(dir: string): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw inputError(`cannot read directory: ${(e as Error).message}`, { file: dir }, e);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      out.push(...cFilesUnder(p));
    } else if (e.isFile() && e.name.endsWith('.c')) out.push(p);
  }
  return out;
}

function fromManifest(dir: string, manifestPath: string, extra: string[]): CompileUnit[] {
  const m = readJson(manifestPath) as { sources?: unknown; cflags?: unknown };
  if (!m || typeof m !== 'object' || !Array.isArray(m.sources) || !m.sources.every((s) => typeof s === 'string')) {
    throw inputError(`manifest needs "sources": an array of file names`, { file: manifestPath });
  }
  const cflags = Array.isArray(m.cflags) ? m.cflags.filter((f): f is string => typeof f === 'string') : [];
  const flags = absolutizeFlags(preprocessorFlags(cflags), dir);
  return (m.sources as string[]).map((s) => {
    const abs = resolve(dir, s);
    if (!existsSync(abs)) throw inputError(`source listed in ${basename(manifestPath)} does not exist`, { file: abs });
    return { file: displayPath(abs), flags: [...flags, ...extra], cwd: process.cwd() };
  });
}

function fromCompileCommands(path: string, extra: string[]): CompileUnit[] {
  const db = readJson(path);
  if (!Array.isArray(db)) throw inputError('compile_commands.json must hold an array', { file: path });
  const units: CompileUnit[] = [];
  db.forEach((entry: unknown, i: number) => {
    const e = entry as { directory?: unknown; file?: unknown; arguments?: unknown; command?: unknown };
    if (!e || typeof e.file !== 'string' || typeof e.directory !== 'string') {
      throw inputError(`entry ${i} needs "directory" and "file"`, { file: path });
    }
    const dir = resolve(dirname(path), e.directory);
    const abs = resolve(dir, e.file);
    if (!abs.endsWith('.c')) return;
    const args = Array.isArray(e.arguments)
      ? e.arguments.filter((a): a is string => typeof a === 'string')
      : typeof e.command === 'string'
        ? splitCommand(e.command)
        : [];
    const flags = absolutizeFlags(preprocessorFlags(args.slice(1)), dir);
    if (!existsSync(abs)) throw inputError(`source named in compile_commands.json does not exist`, { file: abs });
    units.push({ file: displayPath(abs), flags: [...flags, ...extra], cwd: process.cwd() });
  });
  return units;
}

/** Resolves every input to compile units; `extra` are -I/-D flags from the command line (absolute already). */
export function resolveInputs(inputs: string[], extra: string[]): CompileUnit[] {
  if (inputs.length === 0) throw inputError('no input files', { file: '<command line>' });
  const units: CompileUnit[] = [];
  const seen = new Set<string>();
  const add = (u: CompileUnit): void => {
    const key = resolve(u.file);
    if (seen.has(key)) return;
    seen.add(key);
    units.push(u);
  };
  for (const input of inputs) {
    const abs = resolve(input);
    const st = statOrThrow(abs);
    if (st.isDirectory()) {
      const manifest = join(abs, 'mbox.json');
      if (existsSync(manifest)) fromManifest(abs, manifest, extra).forEach(add);
      else {
        const files = cFilesUnder(abs);
        if (files.length === 0) throw inputError('directory holds no .c files', { file: input });
        for (const f of files) add({ file: displayPath(f), flags: [...extra], cwd: process.cwd() });
      }
    } else if (basename(abs) === 'compile_commands.json' || abs.endsWith('.json')) {
      fromCompileCommands(abs, extra).forEach(add);
    } else {
      try {
        accessSync(abs, constants.R_OK);
      } catch (e) {
        throw inputError(`cannot read: ${(e as Error).message}`, { file: input }, e);
      }
      add({ file: displayPath(abs), flags: [...extra], cwd: process.cwd() });
    }
  }
  return units;
}

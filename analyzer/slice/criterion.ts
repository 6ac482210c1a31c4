// Slicing criteria from source places: the statements (instruction vertices) at
// file:LINE, optionally only those that read or write a named variable.
import { resolve, basename } from 'node:path';
import { inputError } from '../errors.js';
import type { Instr, Program, VarId } from '../ir/types.js';
import { directDef, directUses, type Sdg, type VertexId } from '../sdg/index.js';

/** Does a location's file name the file the user wrote (same path, path suffix, or same base name)? */
export function sameFile(locFile: string, wanted: string): boolean {
  if (locFile === wanted) return true;
  if (resolve(locFile) === resolve(wanted)) return true;
  if (locFile.endsWith('/' + wanted)) return true;
  return !wanted.includes('/') && basename(locFile) === wanted;
}

/** Variables named `name` visible in function `func` (its frame and statics first, then file-level). */
export function varsNamed(p: Program, name: string, func: string): VarId[] {
  const own = p.vars.filter((v) => v.name === name && v.function === func).map((v) => v.id);
  if (own.length > 0) return own;
  return p.vars.filter((v) => v.name === name && v.function === undefined).map((v) => v.id);
}

/** Does the instruction read or write variable v, directly or through memory? */
export function mentions(sdg: Sdg, i: Instr, v: VarId): boolean {
  if (directUses(i).includes(v) || directDef(i) === v) return true;
  if (i.kind === 'load' || i.kind === 'store' || i.kind === 'call' || i.kind === 'icall') {
    const o = sdg.pts.objectOfVar(v);
    const eff = sdg.pts.memEffects(i.id);
    return eff.reads.has(o) || eff.writes.has(o);
  }
  return false;
}

export function instrsAt(p: Program, file: string, line: number): Instr[] {
  return p.instrs.filter((i) => i !== undefined && i.loc.line === line && sameFile(i.loc.file, file));
}

/**
 * Criterion vertices for `file:line` (and variable `varName` if given).
 * Throws an input error naming the place when nothing there can be a criterion.
 */
export function criterionAt(sdg: Sdg, file: string, line: number, varName?: string): VertexId[] {
  const p = sdg.program;
  let instrs = instrsAt(p, file, line);
  if (instrs.length === 0) {
    const known = p.units.some((u) => sameFile(u.file, file)) || p.instrs.some((i) => i && sameFile(i.loc.file, file));
    throw inputError(known ? 'no statement on this line' : 'no such file among the inputs', { file, line });
  }
  if (varName !== undefined) {
    instrs = instrs.filter((i) => varsNamed(p, varName, p.instrFunc[i.id]!).some((v) => mentions(sdg, i, v)));
    if (instrs.length === 0) throw inputError(`no statement on this line reads or writes '${varName}'`, { file, line });
  }
  return instrs.map((i) => sdg.vertexOfInstr(i.id)!).filter((v) => v !== undefined);
}

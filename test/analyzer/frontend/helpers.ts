// Shared helpers of the front-end tests: fixture paths, marker lines, IR lookups.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Block, Func, Instr, Program, Variable } from '../../../analyzer/ir/types.js';

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/c');

/** 1-based line of the line carrying `// @marker` (the marker ends at a space or line end). */
export function markerLine(file: string, marker: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const re = new RegExp(`(//|/\\*) @${marker.replace(/[-]/g, '\\-')}(\\s|\\*/|$)`);
  const idx = lines.findIndex((l) => re.test(l));
  if (idx < 0) throw new Error(`marker @${marker} not in ${file}`);
  return idx + 1;
}

export function fn(p: Program, key: string): Func {
  const f = p.functions.get(key);
  if (!f) throw new Error(`no function ${key}; have ${[...p.functions.keys()].join(', ')}`);
  return f;
}

export function instrs(f: Func): Instr[] {
  return f.blocks.flatMap((b) => b.instrs);
}

export function onLine(f: Func, line: number): Instr[] {
  return instrs(f).filter((i) => i.loc.line === line);
}

export function blockOf(f: Func, i: Instr): Block {
  const b = f.blocks.find((x) => x.instrs.includes(i));
  if (!b) throw new Error(`instr ${i.id} not in ${f.key}`);
  return b;
}

export function blockLabeled(f: Func, label: string, nth = 0): Block {
  const bs = f.blocks.filter((b) => b.label === label);
  if (!bs[nth]) throw new Error(`no block [${label}] #${nth} in ${f.key}: ${f.blocks.map((b) => b.label).join(',')}`);
  return bs[nth];
}

export function vars(p: Program, name: string, func?: string): Variable[] {
  return p.vars.filter((v) => v.name === name && (func === undefined || v.function === func));
}

export function theVar(p: Program, name: string, func?: string): Variable {
  const vs = vars(p, name, func);
  if (vs.length !== 1) throw new Error(`expected one variable ${name}${func ? ` in ${func}` : ''}, found ${vs.length}`);
  return vs[0];
}

export function varName(p: Program, id: number): string {
  return p.vars[id].name;
}

// Checks the structural invariants of a Program that every later stage relies on
// (types.ts comments): ids, block edges, entry/exit, terminators, variable refs.
import type { Func, Instr, Operand, Program, VarId } from './types.js';

function varsOf(i: Instr): VarId[] {
  const ops = (xs: Operand[]): VarId[] => xs.flatMap((o) => (o.kind === 'var' ? [o.var] : []));
  switch (i.kind) {
    case 'addr':
      return i.target.kind === 'var' ? [i.dst, i.target.var] : [i.dst];
    case 'copy':
      return [i.dst, ...ops(i.srcs)];
    case 'gep':
      return [i.dst, i.base, ...(i.index ? ops([i.index]) : [])];
    case 'load':
      return [i.dst, i.addr];
    case 'store':
      return [i.addr, ...ops([i.src])];
    case 'call':
      return [...(i.dst !== undefined ? [i.dst] : []), ...ops(i.args)];
    case 'icall':
      return [i.target, ...(i.dst !== undefined ? [i.dst] : []), ...ops(i.args)];
    case 'ret':
      return i.value ? ops([i.value]) : [];
    case 'branch':
      return ops(i.cond);
  }
}

function checkFunc(p: Program, f: Func, errors: string[]): void {
  const where = (msg: string): void => {
    errors.push(`${f.key}: ${msg}`);
  };
  if (f.entry !== 0) where(`entry is bb${f.entry}, not bb0`);
  const exit = f.blocks[f.exit];
  if (!exit) return where(`exit bb${f.exit} does not exist`);
  if (exit.succs.length || exit.instrs.length) where('exit block must be empty with no successors');
  f.blocks.forEach((b, idx) => {
    if (b.id !== idx) where(`block at index ${idx} has id ${b.id}`);
    for (const s of b.succs) {
      if (!f.blocks[s]) where(`bb${b.id} -> missing bb${s}`);
      else if (!f.blocks[s].preds.includes(b.id)) where(`bb${b.id} -> bb${s} missing from preds`);
    }
    for (const q of b.preds) if (!f.blocks[q]?.succs.includes(b.id)) where(`bb${b.id} has pred bb${q} without the edge`);
    b.instrs.forEach((i, k) => {
      if (p.instrs[i.id] !== i) where(`instr ${i.id} is not Program.instrs[${i.id}]`);
      if (p.instrFunc[i.id] !== f.key) where(`instrFunc[${i.id}] is ${p.instrFunc[i.id]}`);
      if ((i.kind === 'ret' || i.kind === 'branch') && k !== b.instrs.length - 1) where(`${i.kind} %${i.id} is not last in bb${b.id}`);
      if (i.kind === 'ret' && (b.succs.length !== 1 || b.succs[0] !== f.exit)) where(`ret block bb${b.id} must jump to the exit only`);
      if (i.kind === 'branch' && !i.cases && b.succs.length !== 2) where(`branch %${i.id} in bb${b.id} has ${b.succs.length} successors`);
      if (i.kind === 'branch' && i.cases && b.succs.length !== i.cases.length + 1) where(`switch %${i.id} has ${b.succs.length} successors for ${i.cases.length} cases`);
      if (i.kind === 'gep' && (i.field === undefined) === (i.index === undefined)) where(`gep %${i.id} must set exactly one of field/index`);
      for (const v of varsOf(i)) if (!p.vars[v]) where(`instr %${i.id} names missing variable ${v}`);
      if (!i.loc || !i.loc.file || i.loc.line < 1) where(`instr %${i.id} has no location`);
    });
    const last = b.instrs[b.instrs.length - 1];
    if (b.succs.length > 1 && last?.kind !== 'branch') where(`bb${b.id} has ${b.succs.length} successors but no branch`);
  });
}

/** All invariant violations (empty when the program is well formed). */
export function validateProgram(p: Program): string[] {
  const errors: string[] = [];
  p.vars.forEach((v, i) => {
    if (v.id !== i) errors.push(`variable at index ${i} has id ${v.id}`);
    if (!p.types[v.type]) errors.push(`variable ${v.name} has unknown type ${v.type}`);
  });
  let count = 0;
  for (const f of [p.globalInit, ...p.functions.values()]) {
    checkFunc(p, f, errors);
    count += f.blocks.reduce((a, b) => a + b.instrs.length, 0);
  }
  if (count !== p.instrs.length) errors.push(`Program.instrs has ${p.instrs.length} entries but blocks hold ${count}`);
  for (const [key, f] of p.functions) if (f.key !== key) errors.push(`function map key ${key} holds ${f.key}`);
  return errors;
}

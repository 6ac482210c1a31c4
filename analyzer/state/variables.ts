// Stages 3–4 (paper Figure 5 second half, Figure 7): top-level variables (persistent and
// used per packet) and updateable ones (written per packet directly, through an alias, or by a library call).
import type { Instr, InstrId, Program, VarId } from '../ir/types.js';
import type { ObjId, PointsTo } from '../pointer/types.js';
import type { Reason } from '../state/types.js';
import { definedVar, varsOf, type StageContext } from './context.js';

/** Readable name of the pointer an instruction writes through: the source variable behind a temporary. */
export function pointerName(program: Program, v: VarId, depth = 0): string {
  const info = program.vars[v];
  if (!info) return `%${v}`;
  if (info.scope !== 'temp' || depth > 8) return info.name;
  // Follow the temporary's definition back to a named variable.
  const f = info.function ? program.functions.get(info.function) : undefined;
  if (!f) return info.name;
  for (const b of f.blocks) {
    for (const i of b.instrs) {
      if (definedVar(i) !== v) continue;
      switch (i.kind) {
        case 'copy': {
          const src = i.srcs.find((s) => s.kind === 'var');
          return src?.kind === 'var' ? pointerName(program, src.var, depth + 1) : info.name;
        }
        case 'load':
          return pointerName(program, i.addr, depth + 1).replace(/^&/, '');
        case 'gep':
          return i.field ? `${pointerName(program, i.base, depth + 1)}->${i.field.name}` : `${pointerName(program, i.base, depth + 1)}[…]`;
        case 'addr':
          return i.target.kind === 'var' ? `&${program.vars[i.target.var]?.name}` : `&${i.target.name}`;
        case 'call':
          return `${i.callee}(…)`;
        default:
          return info.name;
      }
    }
  }
  return info.name;
}

export function reasonAt(instr: Instr, verdict: Reason['verdict'], chain: string): Reason {
  return { verdict, file: instr.loc.file, line: instr.loc.line, text: instr.text, chain };
}

/** Paper Figure 5, lines 7–12: persistent variables mentioned in per-packet statements. */
export function topLevelVars(
  ctx: StageContext,
  persistent: VarId[],
  perPacket: ReadonlySet<InstrId>,
): Map<VarId, Reason> {
  const { program } = ctx;
  const wanted = new Set(persistent);
  const found = new Map<VarId, Reason>();
  for (const id of [...perPacket].sort((a, b) => a - b)) {
    const instr = program.instrs[id];
    for (const v of varsOf(instr)) {
      if (wanted.has(v) && !found.has(v)) {
        found.set(v, reasonAt(instr, 'topLevel', `uses ${program.vars[v].name} in packet-processing procedure ${program.instrFunc[id]}`));
      }
    }
  }
  return found;
}

/** Objects an instruction may write: its direct LHS variable's storage plus memory effects (stores, library calls). */
export function writtenObjects(pts: PointsTo, instr: Instr): ObjId[] {
  const out: ObjId[] = [];
  const d = definedVar(instr);
  if (d !== undefined) out.push(pts.objectOfVar(d));
  for (const o of pts.memEffects(instr.id).writes) out.push(o);
  return out;
}

/**
 * Paper Figure 7: a top-level variable is updateable when a per-packet statement's
 * LHS is the variable, or points to it, or may point to something the variable reaches.
 * Objects owned by the library behind opaque handles (pcap_t, FILE) are not the middlebox's state.
 */
export function updateableVars(
  ctx: StageContext,
  topLevel: Iterable<VarId>,
  perPacket: ReadonlySet<InstrId>,
): Map<VarId, Reason> {
  const { program, pts } = ctx;
  // First per-packet writer of each object, in statement order, for deterministic reasons.
  const writer = new Map<ObjId, InstrId>();
  for (const id of [...perPacket].sort((a, b) => a - b)) {
    for (const o of writtenObjects(pts, program.instrs[id])) {
      if (pts.objects[o]?.kind === 'external') continue;
      if (!writer.has(o)) writer.set(o, id);
    }
  }
  const found = new Map<VarId, Reason>();
  for (const v of topLevel) {
    const own = pts.objectOfVar(v);
    const name = program.vars[v].name;
    const direct = writer.get(own);
    if (direct !== undefined) {
      const instr = program.instrs[direct];
      const chain = definedVar(instr) === v ? `assigns ${name}` : `writes ${name} via ${writeVia(program, instr)} → &${name}`;
      found.set(v, reasonAt(instr, 'updateable', chain));
      continue;
    }
    let best: { instr: InstrId; obj: ObjId } | undefined;
    for (const o of pts.reachableFromVar(v)) {
      const w = writer.get(o);
      if (w !== undefined && (!best || w < best.instr)) best = { instr: w, obj: o };
    }
    if (best) {
      const instr = program.instrs[best.instr];
      found.set(
        v,
        reasonAt(instr, 'updateable', `writes ${pts.objects[best.obj].name}, reachable from ${name}, via ${writeVia(program, instr)}`),
      );
    }
  }
  return found;
}

function writeVia(program: Program, instr: Instr): string {
  switch (instr.kind) {
    case 'store':
      return pointerName(program, instr.addr);
    case 'call':
      return `${instr.callee}(${instr.args.map((a) => (a.kind === 'var' ? pointerName(program, a.var) : a.text)).join(', ')})`;
    case 'icall':
      return `(*${pointerName(program, instr.target)})(…)`;
    default: {
      const d = definedVar(instr);
      return d !== undefined ? program.vars[d].name : instr.kind;
    }
  }
}

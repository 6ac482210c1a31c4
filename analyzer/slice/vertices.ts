// Criterion vertices from instruction ids, optionally restricted to those that
// read or write one variable (for StateAlyzr stages that start from a call's result).
import type { InstrId, VarId } from '../ir/types.js';
import type { Sdg, VertexId } from '../sdg/index.js';
import { mentions } from './criterion.js';

export function instrVertices(sdg: Sdg, instrs: Iterable<InstrId>, onlyVar?: VarId): VertexId[] {
  const out: VertexId[] = [];
  for (const id of instrs) {
    const i = sdg.program.instrs[id];
    const v = sdg.vertexOfInstr(id);
    if (!i || v === undefined) continue;
    if (onlyVar !== undefined && !mentions(sdg, i, onlyVar)) continue;
    out.push(v);
  }
  return out;
}

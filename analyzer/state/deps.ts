// DependenceQueries answered over the system dependence graph with two-phase slicing.
import type { InstrId } from '../ir/types.js';
import type { Sdg, VertexId } from '../sdg/index.js';
import { backwardSlice, chop, forwardSlice, type VertexSet } from '../slice/index.js';
import type { Criterion, DependenceQueries } from './context.js';

function vertices(sdg: Sdg, cs: Criterion[]): VertexId[] {
  const out: VertexId[] = [];
  for (const c of cs) {
    if (c.kind === 'instr') {
      const v = sdg.vertexOfInstr(c.instr);
      if (v !== undefined) out.push(v);
      continue;
    }
    for (const v of sdg.formalIns(c.func)) {
      const slot = sdg.vertices[v].slot;
      if (slot?.kind === 'param' && slot.index === c.index) out.push(v);
    }
  }
  return out;
}

/** Statements of a vertex set: instruction vertices, and the call of actual-in/out vertices. */
function statements(sdg: Sdg, set: VertexSet): Set<InstrId> {
  const out = new Set<InstrId>();
  for (const v of set.vertices) {
    const instr = sdg.vertices[v].instr;
    if (instr !== undefined) out.add(instr);
  }
  return out;
}

export function sdgQueries(sdg: Sdg): DependenceQueries {
  return {
    forward: (cs) => statements(sdg, forwardSlice(sdg, vertices(sdg, cs))),
    backward: (cs) => statements(sdg, backwardSlice(sdg, vertices(sdg, cs))),
    chop: (from, to) => statements(sdg, chop(sdg, vertices(sdg, from), vertices(sdg, to))),
  };
}

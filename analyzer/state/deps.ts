// DependenceQueries answered over the system dependence graph with two-phase slicing.
import type { InstrId } from '../ir/types.js';
import type { EdgeKind, Sdg, VertexId } from '../sdg/index.js';
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

/**
 * Summary edges are left out on purpose: they stand for paths through a callee,
 * possibly through the very state writes a chop must avoid; following param-in
 * and param-out instead walks those paths where `avoid` can see them.
 */
const VALUE_FLOW: ReadonlySet<EdgeKind> = new Set<EdgeKind>(['data', 'param-in', 'param-out', 'interference']);
const WITH_CONTROL: ReadonlySet<EdgeKind> = new Set<EdgeKind>([...VALUE_FLOW, 'control']);

/** Vertices reachable along value-flow edges (context-insensitive: a sound superset), skipping avoided ones. */
function valueReach(
  sdg: Sdg,
  seeds: VertexId[],
  dir: 'forward' | 'backward',
  avoid: (v: VertexId) => boolean,
  kinds: ReadonlySet<EdgeKind>,
): Uint8Array {
  const mark = new Uint8Array(sdg.vertices.length);
  const stack = seeds.filter((v) => !avoid(v));
  for (const v of stack) mark[v] = 1;
  while (stack.length) {
    const v = stack.pop()!;
    for (const e of dir === 'forward' ? sdg.graph.outEdges(v) : sdg.graph.inEdges(v)) {
      if (!kinds.has(e.label)) continue;
      const w = dir === 'forward' ? e.to : e.from;
      if (mark[w] || avoid(w)) continue;
      mark[w] = 1;
      stack.push(w);
    }
  }
  return mark;
}

export function sdgQueries(sdg: Sdg): DependenceQueries {
  return {
    forward: (cs) => statements(sdg, forwardSlice(sdg, vertices(sdg, cs))),
    backward: (cs) => statements(sdg, backwardSlice(sdg, vertices(sdg, cs))),
    chop: (from, to) => statements(sdg, chop(sdg, vertices(sdg, from), vertices(sdg, to))),
    dataChop: (from, to, avoid, withControl = false) => {
      const kinds = withControl ? WITH_CONTROL : VALUE_FLOW;
      const skip = (v: VertexId) => {
        const i = sdg.vertices[v].instr;
        return avoid !== undefined && i !== undefined && sdg.vertices[v].kind === 'instr' && avoid(i);
      };
      const fwd = valueReach(sdg, vertices(sdg, from), 'forward', skip, kinds);
      const bwd = valueReach(sdg, vertices(sdg, to), 'backward', skip, kinds);
      const out = new Set<InstrId>();
      for (let v = 0; v < fwd.length; v++) {
        const i = sdg.vertices[v].instr;
        if (fwd[v] && bwd[v] && i !== undefined) out.add(i);
      }
      return out;
    },
  };
}

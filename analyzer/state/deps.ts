// DependenceQueries answered over the system dependence graph with two-phase slicing.
import type { InstrId } from '../ir/types.js';
import type { Sdg, VertexId } from '../sdg/index.js';
import { backwardSlice, chop, forwardSlice, type VertexSet } from '../slice/index.js';
import type { Criterion, DependenceQueries } from './context.js';
import { flowGraph, valueReach, type FlowGraph } from './flowgraph.js';
import { packetBoundaries } from './boundaries.js';
import { GatedBackward } from './gated-reach.js';
import { Places } from './places.js';

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
 * The gated backward reach with, for each vertex reached, the vertex it was reached from
 * (-1 for the targets), context-insensitive, with the packet boundaries of `packet`:
 * why a statement is in a flowspace chop (tests and debugging).
 */
export function explainGatedReach(sdg: Sdg, to: VertexId[], packet: Criterion[] = []): { reached: Uint8Array; parent: Int32Array } {
  const parent = new Int32Array(sdg.vertices.length).fill(-1);
  const g = flowGraph(sdg, 'backward');
  const places = new Places(sdg);
  const reached = new GatedBackward(sdg, g, places, packetBoundaries(sdg, g, places, packet)).reach(to, () => false, { parent }).mark;
  return { reached, parent };
}

export function sdgQueries(sdg: Sdg): DependenceQueries {
  let fwdGraph: FlowGraph | undefined;
  let bwdGraph: FlowGraph | undefined;
  let places: Places | undefined;
  // One gated reach per packet criterion set (its packet boundaries), normally just one.
  const gatedBy = new Map<string, GatedBackward>();
  return {
    forward: (cs) => statements(sdg, forwardSlice(sdg, vertices(sdg, cs))),
    backward: (cs) => statements(sdg, backwardSlice(sdg, vertices(sdg, cs))),
    chop: (from, to) => statements(sdg, chop(sdg, vertices(sdg, from), vertices(sdg, to))),
    mod: (func) => sdg.mod(func),
    dataChop: (from, to, avoid, withControl = false) => {
      fwdGraph ??= flowGraph(sdg, 'forward');
      bwdGraph ??= flowGraph(sdg, 'backward');
      const skip = (v: VertexId) => {
        const i = sdg.vertices[v].instr;
        return avoid !== undefined && i !== undefined && sdg.vertices[v].kind === 'instr' && avoid(i);
      };
      const fwd = valueReach(fwdGraph, vertices(sdg, from), skip, withControl);
      places ??= new Places(sdg);
      const key = JSON.stringify(from);
      let gated = gatedBy.get(key);
      if (!gated) gatedBy.set(key, (gated = new GatedBackward(sdg, bwdGraph, places, packetBoundaries(sdg, bwdGraph, places, from))));
      const out = new Set<InstrId>();
      if (withControl) {
        // The backward reach is usually the small side: walk its list (in vertex order, so the
        // first statement reading each field, which reasons cite, does not depend on the walk).
        const list = gated.reach(vertices(sdg, to), skip, { contextSensitive: true }).list.slice().sort((a, b) => a - b);
        for (const v of list) {
          const i = sdg.vertices[v].instr;
          if (fwd[v] && i !== undefined) out.add(i);
        }
        return out;
      }
      const bwd = valueReach(bwdGraph, vertices(sdg, to), skip, false);
      for (let v = 0; v < fwd.length; v++) {
        const i = sdg.vertices[v].instr;
        if (fwd[v] && bwd[v] && i !== undefined) out.add(i);
      }
      return out;
    },
  };
}

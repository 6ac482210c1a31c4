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

/**
 * The value-flow edges (and control edges, flagged) of the SDG in compressed
 * adjacency arrays, built once: the chops run many times per variable, and on
 * large programs most SDG edges are summary edges they never follow.
 */
interface FlowGraph {
  start: Int32Array;
  target: Int32Array;
  control: Uint8Array;
}

function flowGraph(sdg: Sdg, dir: 'forward' | 'backward'): FlowGraph {
  const n = sdg.vertices.length;
  const start = new Int32Array(n + 1);
  const targets: number[] = [];
  const control: number[] = [];
  for (let v = 0; v < n; v++) {
    start[v] = targets.length;
    for (const e of dir === 'forward' ? sdg.graph.outEdges(v) : sdg.graph.inEdges(v)) {
      const isControl = e.label === 'control';
      if (!isControl && !VALUE_FLOW.has(e.label)) continue;
      targets.push(dir === 'forward' ? e.to : e.from);
      control.push(isControl ? 1 : 0);
    }
  }
  start[n] = targets.length;
  return { start, target: Int32Array.from(targets), control: Uint8Array.from(control) };
}

/** Vertices reachable along value flow (context-insensitive: a sound superset), skipping avoided ones. */
function valueReach(g: FlowGraph, seeds: VertexId[], avoid: (v: VertexId) => boolean, withControl: boolean): Uint8Array {
  const mark = new Uint8Array(g.start.length - 1);
  const stack = seeds.filter((v) => !avoid(v));
  for (const v of stack) mark[v] = 1;
  while (stack.length) {
    const v = stack.pop()!;
    for (let k = g.start[v]; k < g.start[v + 1]; k++) {
      if (!withControl && g.control[k]) continue;
      const w = g.target[k];
      if (mark[w] || avoid(w)) continue;
      mark[w] = 1;
      stack.push(w);
    }
  }
  return mark;
}

export function sdgQueries(sdg: Sdg): DependenceQueries {
  let fwdGraph: FlowGraph | undefined;
  let bwdGraph: FlowGraph | undefined;
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
      const bwd = valueReach(bwdGraph, vertices(sdg, to), skip, withControl);
      const out = new Set<InstrId>();
      for (let v = 0; v < fwd.length; v++) {
        const i = sdg.vertices[v].instr;
        if (fwd[v] && bwd[v] && i !== undefined) out.add(i);
      }
      return out;
    },
  };
}

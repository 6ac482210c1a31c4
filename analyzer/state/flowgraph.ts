// The value-flow edges of the SDG (data, parameter, interference; control flagged) as compact
// adjacency arrays for the flowspace chops (gated-reach.ts decides gating lazily, per vertex reached).
import type { EdgeKind, Sdg, VertexId } from '../sdg/index.js';

/**
 * Summary edges are left out on purpose: they stand for paths through a callee,
 * possibly through the very state writes a chop must avoid; following param-in
 * and param-out instead walks those paths where `avoid` can see them.
 */
export const VALUE_FLOW: ReadonlySet<EdgeKind> = new Set<EdgeKind>(['data', 'param-in', 'param-out', 'interference']);

/** Edge classes in a FlowGraph. */
export const VALUE = 0;
export const CONTROL = 1;

export const PLAIN = 0;
export const PARAM_IN = 1;
export const PARAM_OUT = 2;
/** An interference edge (concurrent code): no call structure, and no CFG path relates its ends. */
export const INTERFERENCE = 3;

/**
 * The value-flow edges (and control edges, flagged) of the SDG in compressed
 * adjacency arrays, built once: the chops run many times per variable, and on
 * large programs most SDG edges are summary edges they never follow.
 */
export interface FlowGraph {
  start: Int32Array;
  target: Int32Array;
  kind: Uint8Array;
  /** Call structure of each edge: PLAIN, or a parameter edge (PARAM_IN binds a call site to its callee's formal-in, PARAM_OUT a formal-out to a call site). */
  call: Uint8Array;
}

export function flowGraph(sdg: Sdg, dir: 'forward' | 'backward'): FlowGraph {
  const n = sdg.vertices.length;
  const start = new Int32Array(n + 1);
  const targets: number[] = [];
  const kinds: number[] = [];
  const calls: number[] = [];
  for (let v = 0; v < n; v++) {
    start[v] = targets.length;
    for (const e of dir === 'forward' ? sdg.graph.outEdges(v) : sdg.graph.inEdges(v)) {
      const label = e.label;
      if (label === 'control') {
        targets.push(dir === 'forward' ? e.to : e.from);
        kinds.push(CONTROL);
        calls.push(PLAIN);
        continue;
      }
      if (!VALUE_FLOW.has(label)) continue;
      targets.push(dir === 'forward' ? e.to : e.from);
      kinds.push(VALUE);
      calls.push(label === 'param-in' ? PARAM_IN : label === 'param-out' ? PARAM_OUT : label === 'interference' ? INTERFERENCE : PLAIN);
    }
  }
  start[n] = targets.length;
  return { start, target: Int32Array.from(targets), kind: Uint8Array.from(kinds), call: Uint8Array.from(calls) };
}

/** Vertices reachable along value flow (context-insensitive: a sound superset), skipping avoided ones. */
export function valueReach(g: FlowGraph, seeds: VertexId[], avoid: (v: VertexId) => boolean, withControl: boolean): Uint8Array {
  const mark = new Uint8Array(g.start.length - 1);
  const stack = seeds.filter((v) => !avoid(v));
  for (const v of stack) mark[v] = 1;
  while (stack.length) {
    const v = stack.pop()!;
    for (let k = g.start[v]; k < g.start[v + 1]; k++) {
      if (!withControl && g.kind[k] === CONTROL) continue;
      const w = g.target[k];
      if (mark[w] || avoid(w)) continue;
      mark[w] = 1;
      stack.push(w);
    }
  }
  return mark;
}


// The value-flow edges of the SDG (data, parameter, interference; control flagged) as compact
// adjacency arrays for the flowspace chops (gated-reach.ts decides gating lazily, per vertex reached).
import { onCycle, tarjanScc } from '../graph/index.js';
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

/**
 * A procedure's own frame variables (and their fields) hold nothing at its entry and
 * nothing after it returns when it is not recursive: parameter edges binding them to a
 * caller carry no value (reading them would be reading indeterminate or dead storage).
 * The SDG's mod/ref leaves out the frame variable itself but not its fields, so a local
 * struct's fields would otherwise carry one packet's values into the next invocation.
 */
export function deadFrameEdges(sdg: Sdg): (from: VertexId, to: VertexId, label: string) => boolean {
  const { program, pts } = sdg;
  const cg = pts.callGraph;
  const keys = [...program.functions.keys()];
  const idx = new Map(keys.map((k, i) => [k, i]));
  const succ = keys.map((k) => {
    const out = new Set<number>();
    for (const b of program.functions.get(k)!.blocks)
      for (const i of b.instrs)
        if (i.kind === 'call' || i.kind === 'icall')
          for (const c of [...cg.calleesOf(i.id), ...cg.callbacksOf(i.id)]) if (idx.has(c)) out.add(idx.get(c)!);
    return [...out];
  });
  const g = { size: keys.length, succs: (x: number) => succ[x] };
  const scc = tarjanScc(g);
  const recursive = (f: string) => idx.has(f) && onCycle(g, scc, idx.get(f)!);
  const memo = new Map<VertexId, boolean>();
  const ownFrame = (v: VertexId): boolean => {
    const hit = memo.get(v);
    if (hit !== undefined) return hit;
    const vx = sdg.vertices[v];
    let r = false;
    if ((vx.kind === 'formal-in' || vx.kind === 'formal-out') && vx.slot?.kind === 'loc' && !recursive(vx.func)) {
      let o = pts.objects[vx.slot.obj];
      for (let d = 0; o?.parent !== undefined && d < 16; d++) o = pts.objects[o.parent];
      const x = o?.kind === 'var' && o.var !== undefined ? program.vars[o.var] : undefined;
      r = x !== undefined && x.function === vx.func && (x.scope === 'local' || x.scope === 'param' || x.scope === 'temp');
    }
    memo.set(v, r);
    return r;
  };
  return (from, to, label) => (label === 'param-in' && ownFrame(to)) || (label === 'param-out' && ownFrame(from));
}

export function flowGraph(sdg: Sdg, dir: 'forward' | 'backward', dead = deadFrameEdges(sdg)): FlowGraph {
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
      if (!VALUE_FLOW.has(label) || dead(e.from, e.to, label)) continue;
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


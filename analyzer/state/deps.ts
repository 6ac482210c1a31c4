// DependenceQueries answered over the system dependence graph with two-phase slicing.
import type { InstrId } from '../ir/types.js';
import { onCycle, tarjanScc } from '../graph/index.js';
import type { EdgeKind, Sdg, VertexId } from '../sdg/index.js';
import { backwardSlice, chop, forwardSlice, type VertexSet } from '../slice/index.js';
import type { Criterion, DependenceQueries } from './context.js';
import { gatedPreds, sharesStorage } from './gating.js';
import { Places, type Place } from './places.js';

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

/** Edge classes in a FlowGraph. */
const VALUE = 0;
/** A value edge from a definition that is one of several reaching the same location (gating.ts). */
const GATED = 1;
const CONTROL = 2;

/**
 * The value-flow edges (and control edges, flagged) of the SDG in compressed
 * adjacency arrays, built once: the chops run many times per variable, and on
 * large programs most SDG edges are summary edges they never follow.
 */
interface FlowGraph {
  start: Int32Array;
  target: Int32Array;
  kind: Uint8Array;
  /** Backward only: a vertex whose value depends on which callee ran (several callees' param-outs reach it). */
  selfGated: Uint8Array;
}

/**
 * A procedure's own frame variables (and their fields) hold nothing at its entry and
 * nothing after it returns when it is not recursive: parameter edges binding them to a
 * caller carry no value (reading them would be reading indeterminate or dead storage).
 * The SDG's mod/ref leaves out the frame variable itself but not its fields, so a local
 * struct's fields would otherwise carry one packet's values into the next invocation.
 */
function deadFrameEdges(sdg: Sdg): (from: VertexId, to: VertexId, label: string) => boolean {
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

function flowGraph(sdg: Sdg, dir: 'forward' | 'backward'): FlowGraph {
  const n = sdg.vertices.length;
  const dead = deadFrameEdges(sdg);
  const start = new Int32Array(n + 1);
  const selfGated = new Uint8Array(n);
  const targets: number[] = [];
  const kinds: number[] = [];
  for (let v = 0; v < n; v++) {
    start[v] = targets.length;
    const edges = dir === 'forward' ? sdg.graph.outEdges(v) : sdg.graph.inEdges(v);
    // Backward, the definitions reaching v (data, param-out, interference) are checked for gating.
    // Param-in is left out: which call site supplied a formal-in is the calling context's choice,
    // not a branch's (the call site's own guard decides only whether the access runs).
    const defs: VertexId[] = [];
    if (dir === 'backward')
      for (const e of edges) if ((e.label === 'data' || e.label === 'param-out' || e.label === 'interference') && !dead(e.from, e.to, e.label)) defs.push(e.from);
    const gated = dir === 'backward' ? gatedPreds(sdg, defs) : [];
    for (const e of edges) {
      if (e.label !== 'control' && !VALUE_FLOW.has(e.label)) continue;
      if (dead(e.from, e.to, e.label)) continue;
      const w = dir === 'forward' ? e.to : e.from;
      let kind = e.label === 'control' ? CONTROL : VALUE;
      if (dir === 'backward' && kind === VALUE && e.label !== 'param-in') {
        const k = defs.indexOf(w);
        // Interference: a concurrent writer may run at any moment, so its guards count (sound side).
        if (e.label === 'interference' || gated[k]) kind = GATED;
        if (e.label === 'param-out' && gated[k]) selfGated[v] = 1;
      }
      targets.push(w);
      kinds.push(kind);
    }
  }
  start[n] = targets.length;
  return { start, target: Int32Array.from(targets), kind: Uint8Array.from(kinds), selfGated };
}

/** Vertices reachable along value flow (context-insensitive: a sound superset), skipping avoided ones. */
function valueReach(g: FlowGraph, seeds: VertexId[], avoid: (v: VertexId) => boolean, withControl: boolean): Uint8Array {
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

/** Strong definitions the data dependence knows kill every earlier one of their variable (sdg/events.ts). */
function killsVariable(sdg: Sdg, v: VertexId): boolean {
  const vx = sdg.vertices[v];
  if (vx.kind === 'formal-in') return true;
  if (vx.kind !== 'instr') return false;
  const k = sdg.program.instrs[vx.instr!].kind;
  return k === 'addr' || k === 'copy' || k === 'gep' || k === 'load';
}

/**
 * Backward reach from the targets along value flow, following control dependence only
 * where it decides a value (paper §4.3: fields that constrain *which* entry is selected,
 * not whether the access runs). Sound for deciding keys because, when a use u runs, the
 * value it reads is the one its last-executed reaching definition wrote, so a branch can
 * change that value only by changing which definition ran last:
 * - a definition that is the only one reaching u for its location (ungated) ran whenever u
 *   runs; its guards decide only whether u runs — not followed;
 * - a gated definition (several reach u for one location, gating.ts) has its guards
 *   followed, transitively up to its procedure's entry (whether the procedure runs at all
 *   is decided at its call site, where its effects are gated actual-outs), except
 *   - when it dominates u: it ran before u on every path, so its guards decide nothing;
 *   - guards outside every CFG path from a dominating killing definition d0 of the same
 *     variable to u: they ran before the last d0, which overwrote whatever they chose.
 * A vertex whose value comes from one of several callees (an indirect call) keeps its
 * call, whose operands name the callee.
 */
function gatedReach(sdg: Sdg, g: FlowGraph, places: Places, seeds: VertexId[], avoid: (v: VertexId) => boolean, parent?: Int32Array): Uint8Array {
  const mark = new Uint8Array(g.start.length - 1);
  const stack: VertexId[] = [];
  let from = -1;
  const visit = (w: VertexId) => {
    if (mark[w] || avoid(w)) return;
    mark[w] = 1;
    if (parent) parent[w] = from;
    stack.push(w);
  };
  // Control parents of a vertex (its guards, the call of an actual vertex, the procedure entry).
  const controlOf = (v: VertexId): VertexId[] => {
    const out: VertexId[] = [];
    for (let k = g.start[v]; k < g.start[v + 1]; k++) if (g.kind[k] === CONTROL) out.push(g.target[k]);
    return out;
  };
  // Guards of `d` and theirs, inside `region` (blocks; all when undefined). Walked once per (d, region).
  const walked = new Set<string>();
  const guards = (d: VertexId, regionKey: string, region: Uint8Array | undefined) => {
    const todo = [d];
    while (todo.length) {
      const x = todo.pop()!;
      const key = `${x}:${regionKey}`;
      if (walked.has(key)) continue;
      walked.add(key);
      from = x;
      for (const b of controlOf(x)) {
        if (sdg.vertices[b].kind === 'entry') continue;
        const pb = region && places.placeOf(b);
        if (region && pb && !region[pb.block]) continue;
        visit(b);
        todo.push(b);
      }
    }
  };
  for (const v of seeds) visit(v);
  while (stack.length) {
    const u = stack.pop()!;
    from = u;
    const gated: VertexId[] = [];
    for (let k = g.start[u]; k < g.start[u + 1]; k++) {
      const kind = g.kind[k];
      if (kind === CONTROL) continue;
      visit(g.target[k]);
      if (kind === GATED) gated.push(g.target[k]);
    }
    if (g.selfGated[u]) for (const c of controlOf(u)) if (sdg.vertices[c].kind !== 'entry') visit(c);
    if (!gated.length) continue;
    const pu = places.placeOf(u);
    const dominating = pu ? gated.filter((d) => killsVariable(sdg, d) && sameFunc(places, d, pu) && places.dominates(places.placeOf(d)!, pu)) : [];
    for (const d of gated) {
      const pd = pu && places.placeOf(d);
      if (pd && pu && places.dominates(pd, pu)) continue;
      // Intersect the regions of every dominating killer sharing storage with d (each alone is sound).
      let region: Uint8Array | undefined;
      let regionKey = 'all';
      if (pu && pd && pd.func === pu.func) {
        for (const d0 of dominating) {
          if (d0 === d || !sharesStorage(sdg, d0, d)) continue;
          const r = places.between(places.placeOf(d0)!, pu)!;
          region = region ? region.map((x, i) => x & r[i]) : r;
          regionKey = regionKey === 'all' ? `${d0}>${u}` : `${regionKey},${d0}`;
        }
      }
      guards(d, regionKey, region);
    }
  }
  return mark;
}

function sameFunc(places: Places, v: VertexId, p: Place): boolean {
  return places.placeOf(v)?.func === p.func;
}

/**
 * The gated backward reach with, for each vertex reached, the vertex it was reached from
 * (-1 for the targets): why a statement is in a flowspace chop (tests and debugging).
 */
export function explainGatedReach(sdg: Sdg, to: VertexId[]): { reached: Uint8Array; parent: Int32Array } {
  const parent = new Int32Array(sdg.vertices.length).fill(-1);
  const reached = gatedReach(sdg, flowGraph(sdg, 'backward'), new Places(sdg), to, () => false, parent);
  return { reached, parent };
}

export function sdgQueries(sdg: Sdg): DependenceQueries {
  let fwdGraph: FlowGraph | undefined;
  let bwdGraph: FlowGraph | undefined;
  let places: Places | undefined;
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
      const bwd = withControl ? gatedReach(sdg, bwdGraph, places, vertices(sdg, to), skip) : valueReach(bwdGraph, vertices(sdg, to), skip, false);
      const out = new Set<InstrId>();
      for (let v = 0; v < fwd.length; v++) {
        const i = sdg.vertices[v].instr;
        if (fwd[v] && bwd[v] && i !== undefined) out.add(i);
      }
      return out;
    },
  };
}

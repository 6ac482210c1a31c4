// The backward half of the flowspace chop (paper §4.3): value flow plus the control
// dependence that decides a value (gated definitions), context-insensitive or two-phase
// context-sensitive (Horwitz–Reps–Binkley) over the SDG's summary edges.
import type { Sdg, VertexId } from '../sdg/index.js';
import { CONTROL, INTERFERENCE, PARAM_IN, PARAM_OUT, type FlowGraph } from './flowgraph.js';
import { gatedPreds, sharesStorage } from './gating.js';
import { Places, type Place } from './places.js';

/** Strong definitions the data dependence knows kill every earlier one of their variable (sdg/events.ts). */
function killsVariable(sdg: Sdg, v: VertexId): boolean {
  const vx = sdg.vertices[v];
  if (vx.kind === 'formal-in') return true;
  if (vx.kind !== 'instr') return false;
  const k = sdg.program.instrs[vx.instr!].kind;
  return k === 'addr' || k === 'copy' || k === 'gep' || k === 'load';
}

export interface Reached {
  mark: Uint8Array;
  list: VertexId[];
}

export interface ReachOptions {
  /** Records, for each vertex reached, the vertex it was reached from (-1 for seeds). */
  parent?: Int32Array;
  /** Match calls and returns (two-phase with summary edges); falls back to insensitive when the program has concurrent callbacks. */
  contextSensitive?: boolean;
}

/**
 * Which guards count, in the words of the paper's §4.3 (fields that constrain *which*
 * entry is selected, not whether the access runs). Sound for deciding keys because,
 * when a use u runs, the value it reads is the one its last-executed reaching definition
 * wrote, so a branch can change that value only by changing which definition ran last:
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
export class GatedBackward {
  private readonly places: Places;
  private readonly guardCache = new Map<VertexId, VertexId[]>();
  private readonly summaryCache = new Map<VertexId, VertexId[]>();
  private readonly concurrent: boolean;

  /** Edges not to follow (packet boundaries, boundaries.ts): neither their definitions nor those definitions' guards. */
  private readonly cut: Uint8Array;

  constructor(
    private readonly sdg: Sdg,
    private readonly g: FlowGraph,
    places?: Places,
    cut?: Uint8Array,
  ) {
    this.places = places ?? new Places(sdg);
    this.cut = cut ?? new Uint8Array(g.target.length);
    // Interference edges join concurrent code without call structure: no summaries cover them.
    this.concurrent = sdg.stats.byKind.interference > 0;
  }

  private controlOf(v: VertexId): VertexId[] {
    const { g } = this;
    const out: VertexId[] = [];
    for (let k = g.start[v]; k < g.start[v + 1]; k++) if (g.kind[k] === CONTROL && this.sdg.vertices[g.target[k]].kind !== 'entry') out.push(g.target[k]);
    return out;
  }

  /** Guards of `d` and theirs, inside `region` (blocks; all when undefined). */
  private walkGuards(d: VertexId, region: Uint8Array | undefined, out: Set<VertexId>): void {
    const todo = [d];
    const seen = new Set<VertexId>([d]);
    while (todo.length) {
      for (const b of this.controlOf(todo.pop()!)) {
        if (seen.has(b)) continue;
        seen.add(b);
        const pb = region && this.places.placeOf(b);
        if (region && pb && !region[pb.block]) continue;
        out.add(b);
        todo.push(b);
      }
    }
  }

  /** The guards that decide which value `u` reads (computed once per vertex, shared by every query). */
  guardsOf(u: VertexId): VertexId[] {
    const hit = this.guardCache.get(u);
    if (hit) return hit;
    const { g, sdg, places } = this;
    const out = new Set<VertexId>();
    // The definitions reaching u (data, param-out, interference; not param-in: which call site
    // supplied a formal-in is the calling context's choice, not a branch's).
    const defAt: number[] = [];
    for (let k = g.start[u]; k < g.start[u + 1]; k++) if (g.kind[k] !== CONTROL && g.call[k] !== PARAM_IN) defAt.push(k);
    const isGated = defAt.length > 1 ? gatedPreds(sdg, defAt.map((k) => g.target[k])) : [];
    const gated: VertexId[] = [];
    let selfGated = false;
    defAt.forEach((k, i) => {
      // Interference: a concurrent writer may run at any moment, so its guards count (sound side).
      if (!(isGated[i] || g.call[k] === INTERFERENCE)) return;
      if (g.call[k] === PARAM_OUT) selfGated = true;
      if (!this.cut[k]) gated.push(g.target[k]);
    });
    if (selfGated) this.controlOf(u).forEach((c) => out.add(c));
    const pu = gated.length ? places.placeOf(u) : undefined;
    const sameFunc = (v: VertexId, p: Place) => places.placeOf(v)?.func === p.func;
    const dominating = pu ? gated.filter((d) => killsVariable(sdg, d) && sameFunc(d, pu) && places.dominates(places.placeOf(d)!, pu)) : [];
    for (const d of gated) {
      const pd = pu && places.placeOf(d);
      if (pd && pu && places.dominates(pd, pu)) continue;
      // Intersect the regions of every dominating killer sharing storage with d (each alone is sound).
      let region: Uint8Array | undefined;
      if (pu && pd && pd.func === pu.func) {
        for (const d0 of dominating) {
          if (d0 === d || !sharesStorage(sdg, d0, d)) continue;
          const r = places.between(places.placeOf(d0)!, pu)!;
          region = region ? region.map((x, i) => x & r[i]) : r;
        }
      }
      this.walkGuards(d, region, out);
    }
    const list = [...out];
    this.guardCache.set(u, list);
    return list;
  }

  /** Actual-ins a summary edge joins to actual-out `u` (paths through the callee, HRB). */
  private summariesOf(u: VertexId): VertexId[] {
    let s = this.summaryCache.get(u);
    if (s) return s;
    s = this.sdg.vertices[u].kind === 'actual-out' ? this.sdg.graph.inEdges(u).filter((e) => e.label === 'summary').map((e) => e.from) : [];
    this.summaryCache.set(u, s);
    return s;
  }

  /** The vertices reached backward from `seeds` (a mask, and the same vertices as a list). */
  reach(seeds: VertexId[], avoid: (v: VertexId) => boolean, opts: ReachOptions = {}): Reached {
    if (!opts.contextSensitive || this.concurrent) return this.walk(seeds, avoid, 0, undefined, opts.parent);
    // Phase 1 climbs to callers and steps over calls by summary edges; phase 2 descends
    // into callees and never climbs: no path enters a procedure from one call and leaves
    // to another. Summary edges stand for any path through the callee, ignoring `avoid`
    // (a superset: sound); phase 2 still walks the callee bodies with `avoid` applied.
    const phase1 = this.walk(seeds, avoid, 1, undefined);
    return this.walk(seeds, avoid, 2, phase1);
  }

  /** phase 0: context-insensitive; 1: no descent into callees; 2: continuing `start`, no ascent to callers. */
  private walk(seeds: VertexId[], avoid: (v: VertexId) => boolean, phase: 0 | 1 | 2, start: Reached | undefined, parent?: Int32Array): Reached {
    const { g } = this;
    const mark = start ? start.mark : new Uint8Array(g.start.length - 1);
    const list: VertexId[] = start ? start.list : [];
    const stack: VertexId[] = [];
    let from = -1;
    const visit = (w: VertexId) => {
      if (mark[w] || avoid(w)) return;
      mark[w] = 1;
      if (parent) parent[w] = from;
      list.push(w);
      stack.push(w);
    };
    for (const v of seeds) visit(v);
    // Phase 2 continues phase 1: its vertices already followed every edge but param-out.
    if (start)
      for (const u of [...start.list])
        for (let k = g.start[u]; k < g.start[u + 1]; k++) if (g.call[k] === PARAM_OUT && !this.cut[k] && g.kind[k] !== CONTROL) visit(g.target[k]);
    while (stack.length) {
      const u = stack.pop()!;
      from = u;
      for (let k = g.start[u]; k < g.start[u + 1]; k++) {
        if (g.kind[k] === CONTROL || this.cut[k]) continue;
        if (phase === 1 && g.call[k] === PARAM_OUT) continue;
        if (phase === 2 && g.call[k] === PARAM_IN) continue;
        visit(g.target[k]);
      }
      if (phase !== 0) for (const x of this.summariesOf(u)) visit(x);
      for (const b of this.guardsOf(u)) visit(b);
    }
    return { mark, list };
  }
}

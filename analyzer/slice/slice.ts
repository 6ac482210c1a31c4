// Two-phase interprocedural slicing over the SDG (Horwitz–Reps–Binkley 1990):
// phase 1 never descends into callees (summary edges cross calls) and phase 2
// never ascends to callers, so no slice follows an unrealizable call/return path.
import type { EdgeKind, Sdg, VertexId } from '../sdg/index.js';

export type Direction = 'backward' | 'forward';

/** A set of SDG vertices as a dense mask, with the vertex list in discovery order. */
export interface VertexSet {
  readonly mask: Uint8Array;
  readonly vertices: readonly VertexId[];
  has(v: VertexId): boolean;
}

export function vertexSet(size: number, vs: Iterable<VertexId>): VertexSet {
  const mask = new Uint8Array(size);
  const list: VertexId[] = [];
  for (const v of vs)
    if (!mask[v]) {
      mask[v] = 1;
      list.push(v);
    }
  return { mask, vertices: list, has: (v) => mask[v] === 1 };
}

/**
 * Edges each phase may not cross. Backward: phase 1 skips param-out (would enter
 * a callee), phase 2 skips param-in and call (would leave to a caller).
 * Forward mirrors it: phase 1 skips param-in and call, phase 2 skips param-out.
 */
const SKIP: Record<Direction, [ReadonlySet<EdgeKind>, ReadonlySet<EdgeKind>]> = {
  backward: [new Set(['param-out']), new Set(['param-in', 'call'])],
  forward: [new Set(['param-in', 'call']), new Set(['param-out'])],
};

function traverse(sdg: Sdg, dir: Direction, seeds: readonly VertexId[], mark: Uint8Array, skip: ReadonlySet<EdgeKind>): VertexId[] {
  const g = sdg.graph;
  const found: VertexId[] = [];
  const stack = [...seeds];
  while (stack.length > 0) {
    const v = stack.pop()!;
    const edges = dir === 'backward' ? g.inEdges(v) : g.outEdges(v);
    for (const e of edges) {
      if (skip.has(e.label)) continue;
      const w = dir === 'backward' ? e.from : e.to;
      if (mark[w]) continue;
      mark[w] = 1;
      found.push(w);
      stack.push(w);
    }
  }
  return found;
}

/** The context-sensitive slice from a set of criterion vertices (the criterion is in its own slice). */
export function slice(sdg: Sdg, criterion: Iterable<VertexId>, dir: Direction): VertexSet {
  const n = sdg.vertices.length;
  const mark = new Uint8Array(n);
  const seeds: VertexId[] = [];
  for (const v of criterion)
    if (!mark[v]) {
      mark[v] = 1;
      seeds.push(v);
    }
  const [skip1, skip2] = SKIP[dir];
  const phase1 = traverse(sdg, dir, seeds, mark, skip1);
  // Phase 2 restarts from everything phase 1 reached; already-marked vertices are not revisited.
  traverse(sdg, dir, [...seeds, ...phase1], mark, skip2);
  const list: VertexId[] = [];
  for (let v = 0; v < n; v++) if (mark[v]) list.push(v);
  return { mask: mark, vertices: list, has: (v) => mark[v] === 1 };
}

export function backwardSlice(sdg: Sdg, criterion: Iterable<VertexId>): VertexSet {
  return slice(sdg, criterion, 'backward');
}

export function forwardSlice(sdg: Sdg, criterion: Iterable<VertexId>): VertexSet {
  return slice(sdg, criterion, 'forward');
}

/**
 * The chop from `source` to `target`: vertices affected by some source vertex
 * that affect some target vertex, computed as forwardSlice(source) ∩ backwardSlice(target)
 * (Jackson and Rollins' chop, lifted to the SDG with context-sensitive slices).
 * Every vertex on a realizable source→target dependence path is in it; it may
 * also hold vertices that lie on a realizable path from a source and on another
 * to a target but on no single realizable path through both (Reps and Rosay's
 * precise chop removes those; this one is a sound superset of it).
 */
export function chop(sdg: Sdg, source: Iterable<VertexId>, target: Iterable<VertexId>): VertexSet {
  const f = forwardSlice(sdg, source);
  const b = backwardSlice(sdg, target);
  const out: VertexId[] = [];
  for (const v of f.vertices) if (b.has(v)) out.push(v);
  return vertexSet(sdg.vertices.length, out);
}

export interface PathStep {
  from: VertexId;
  to: VertexId;
  kind: EdgeKind;
}

/**
 * A shortest dependence path from any source vertex to `target`, staying inside
 * `within` (e.g. the chop of the two, so every step lies on a dependence that
 * connects them), as edges with their kinds — to explain why something is in a slice.
 * Returns undefined when no path exists.
 */
export function explainPath(
  sdg: Sdg,
  sources: Iterable<VertexId>,
  target: VertexId,
  within?: VertexSet,
  /** Edge kinds not to use, e.g. `summary` to see the path through the callee's body. */
  skip: ReadonlySet<EdgeKind> = new Set(),
): PathStep[] | undefined {
  const n = sdg.vertices.length;
  const via: (PathStep | null | undefined)[] = new Array(n);
  const queue: VertexId[] = [];
  for (const s of sources)
    if (via[s] === undefined && (!within || within.has(s))) {
      via[s] = null;
      queue.push(s);
    }
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    if (v === target) break;
    for (const e of sdg.graph.outEdges(v)) {
      if (via[e.to] !== undefined || skip.has(e.label) || (within && !within.has(e.to))) continue;
      via[e.to] = { from: v, to: e.to, kind: e.label };
      queue.push(e.to);
    }
  }
  if (via[target] === undefined) return undefined;
  const path: PathStep[] = [];
  for (let step: PathStep | null | undefined = via[target]; step; step = via[step.from]) path.push(step);
  return path.reverse();
}

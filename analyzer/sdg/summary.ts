// Summary edges by the worklist algorithm of Reps, Horwitz, Sagiv and Rosay
// (1994): path edges v→w from any vertex v to a formal-out w along same-level
// realizable paths; when v is a formal-in, every call site gets actual-in→actual-out.
import type { Digraph } from '../graph/index.js';
import type { InstrId } from '../ir/types.js';
import type { EdgeKind, Vertex, VertexId } from './types.js';

const INTRA: ReadonlySet<EdgeKind> = new Set<EdgeKind>(['control', 'data', 'summary']);

export function addSummaryEdges(
  g: Digraph<EdgeKind>,
  vertices: readonly Vertex[],
  addEdge: (from: VertexId, to: VertexId, kind: EdgeKind) => boolean,
): number {
  const path = new Map<VertexId, Set<VertexId>>(); // v -> formal-outs w with v→w
  const work: [VertexId, VertexId][] = [];
  const propagate = (v: VertexId, w: VertexId) => {
    let s = path.get(v);
    if (!s) path.set(v, (s = new Set()));
    if (s.has(w)) return;
    s.add(w);
    work.push([v, w]);
  };
  // A formal-out's actual-outs by call site, built once per formal-out (a procedure called
  // from n sites would otherwise pair its n actual-ins with its n actual-outs, n² per path edge).
  const actualOuts = new Map<VertexId, Map<InstrId, VertexId[]>>();
  const actualOutsOf = (w: VertexId): Map<InstrId, VertexId[]> => {
    let m = actualOuts.get(w);
    if (!m) {
      actualOuts.set(w, (m = new Map()));
      for (const e of g.outEdges(w)) {
        if (e.label !== 'param-out') continue;
        const site = vertices[e.to]!.instr!;
        const l = m.get(site);
        if (l) l.push(e.to);
        else m.set(site, [e.to]);
      }
    }
    return m;
  };
  // Only formal-outs bound to some call site can yield summary edges (main, threads and
  // other procedures without callers would only add useless path edges).
  for (const v of vertices) if (v.kind === 'formal-out' && g.outEdges(v.id).some((e) => e.label === 'param-out')) propagate(v.id, v.id);
  let added = 0;
  while (work.length > 0) {
    const [v, w] = work.pop()!;
    if (vertices[v]!.kind === 'formal-in') {
      // Pair the actual-ins bound to v with the actual-outs bound to w at the same call site.
      const outs = actualOutsOf(w);
      for (const ein of g.inEdges(v)) {
        if (ein.label !== 'param-in') continue;
        const x = ein.from;
        for (const y of outs.get(vertices[x]!.instr!) ?? []) {
          if (addEdge(x, y, 'summary')) {
            added++;
            // Anything y already reaches is now reached from x too (x is an actual-in, never y:
            // propagating to x leaves y's set unchanged while it is read).
            const reached = path.get(y);
            if (reached) for (const fo of reached) propagate(x, fo);
          }
        }
      }
      continue;
    }
    for (const e of g.inEdges(v)) if (INTRA.has(e.label)) propagate(e.from, w);
  }
  return added;
}

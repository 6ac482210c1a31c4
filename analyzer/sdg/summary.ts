// Summary edges by the worklist algorithm of Reps, Horwitz, Sagiv and Rosay
// (1994): path edges v→w from any vertex v to a formal-out w along same-level
// realizable paths; when v is a formal-in, every call site gets actual-in→actual-out.
import type { Digraph } from '../graph/index.js';
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
  // Only formal-outs bound to some call site can yield summary edges (main, threads and
  // other procedures without callers would only add useless path edges).
  for (const v of vertices) if (v.kind === 'formal-out' && g.outEdges(v.id).some((e) => e.label === 'param-out')) propagate(v.id, v.id);
  let added = 0;
  while (work.length > 0) {
    const [v, w] = work.pop()!;
    if (vertices[v]!.kind === 'formal-in') {
      // Pair the actual-ins bound to v with the actual-outs bound to w at the same call site.
      const outs = g.outEdges(w).filter((e) => e.label === 'param-out');
      for (const ein of g.inEdges(v)) {
        if (ein.label !== 'param-in') continue;
        const x = ein.from;
        const site = vertices[x]!.instr;
        for (const eout of outs) {
          const y = eout.to;
          if (vertices[y]!.instr !== site) continue;
          if (addEdge(x, y, 'summary')) {
            added++;
            // Anything y already reaches is now reached from x too.
            for (const fo of [...(path.get(y) ?? [])]) propagate(x, fo);
          }
        }
      }
      continue;
    }
    for (const e of g.inEdges(v)) if (INTRA.has(e.label)) propagate(e.from, w);
  }
  return added;
}

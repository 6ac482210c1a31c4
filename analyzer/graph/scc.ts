// Tarjan's strongly connected components, iterative so deep call graphs and
// long CFGs cannot overflow the JS stack.
import type { NodeId, SuccessorGraph } from './digraph.js';

export interface SccResult {
  /** Components in reverse topological order: a component comes before every component that reaches it (callees first). */
  components: NodeId[][];
  /** Component index of each node. */
  componentOf: Int32Array;
}

export function tarjanScc(g: SuccessorGraph): SccResult {
  const n = g.size;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const componentOf = new Int32Array(n).fill(-1);
  const stack: NodeId[] = [];
  const components: NodeId[][] = [];
  let counter = 0;

  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const frames: { v: NodeId; i: number; s: readonly NodeId[] }[] = [];
    const open = (v: NodeId): void => {
      index[v] = low[v] = counter++;
      stack.push(v);
      onStack[v] = 1;
      frames.push({ v, i: 0, s: g.succs(v) });
    };
    open(root);
    while (frames.length > 0) {
      const f = frames[frames.length - 1]!;
      if (f.i < f.s.length) {
        const w = f.s[f.i++]!;
        if (index[w] === -1) open(w);
        else if (onStack[w]) low[f.v] = Math.min(low[f.v]!, index[w]!);
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1]!.v;
        low[parent] = Math.min(low[parent]!, low[f.v]!);
      }
      if (low[f.v] === index[f.v]) {
        const comp: NodeId[] = [];
        let w: NodeId;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          componentOf[w] = components.length;
          comp.push(w);
        } while (w !== f.v);
        components.push(comp);
      }
    }
  }
  return { components, componentOf };
}

/** True when the node lies on a cycle (a component of size > 1, or a self loop). */
export function onCycle(g: SuccessorGraph, scc: SccResult, v: NodeId): boolean {
  const c = scc.components[scc.componentOf[v]!]!;
  return c.length > 1 || g.succs(v).includes(v);
}

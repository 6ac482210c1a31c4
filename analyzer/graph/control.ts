// Control dependence (Ferrante, Ottenstein, Warren 1987): b is control dependent
// on a when a has a successor s such that b post-dominates s but not strictly a.
// Equivalently, the post-dominance frontier on the CFG (the reverse graph's DF).
import type { NodeId } from './digraph.js';
import { type PredecessorGraph, postDominatorTree, type DominatorTree } from './dominators.js';

export interface ControlDependence {
  postDom: DominatorTree;
  /** controllers[b]: the nodes b is control dependent on (sorted). */
  controllers: NodeId[][];
  /** dependents[a]: the nodes control dependent on a (sorted). */
  dependents: NodeId[][];
}

/**
 * Control dependence of a graph whose every node of interest reaches `exit`
 * (augment the CFG first: entry→exit, and an exit edge out of every loop that
 * has none — see analyzer/sdg/cfg.ts). Nodes that cannot reach `exit` get no controllers.
 */
export function controlDependence(g: PredecessorGraph, exit: NodeId): ControlDependence {
  const pdt = postDominatorTree(g, exit);
  const ctl: Set<NodeId>[] = Array.from({ length: g.size }, () => new Set<NodeId>());
  for (let a = 0; a < g.size; a++) {
    if (pdt.idom[a] === -1) continue;
    const stop = pdt.idom[a]!;
    for (const s of new Set(g.succs(a))) {
      if (pdt.idom[s] === -1) continue;
      // Walk up the post-dominator tree from s to ipdom(a), exclusive: each node
      // on the way post-dominates s but not a, so it depends on the edge a→s.
      for (let runner = s; runner !== stop; runner = pdt.idom[runner]!) {
        ctl[runner]!.add(a);
        if (runner === pdt.root) break;
      }
    }
  }
  const controllers = ctl.map((s) => [...s].sort((x, y) => x - y));
  const dependents: NodeId[][] = Array.from({ length: g.size }, () => []);
  controllers.forEach((cs, b) => cs.forEach((a) => dependents[a]!.push(b)));
  return { postDom: pdt, controllers, dependents };
}

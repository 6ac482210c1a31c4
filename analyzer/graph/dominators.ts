// Dominator trees by Cooper, Harvey and Kennedy ("A Simple, Fast Dominance
// Algorithm", 2001); post-dominators are dominators of the reversed graph.
import { type NodeId, type SuccessorGraph, reversePostorder } from './digraph.js';

export interface DominatorTree {
  root: NodeId;
  /** Immediate dominator of each node; the root's is itself; -1 for nodes unreachable from the root. */
  idom: Int32Array;
  /** Children lists of the tree. */
  children: NodeId[][];
  /** Does a dominate b (reflexive)? False when either is unreachable. */
  dominates(a: NodeId, b: NodeId): boolean;
}

export interface PredecessorGraph extends SuccessorGraph {
  preds(n: NodeId): readonly NodeId[];
}

export function dominatorTree(g: PredecessorGraph, root: NodeId): DominatorTree {
  const order = reversePostorder(g, root);
  const rpo = new Int32Array(g.size).fill(-1);
  order.forEach((n, i) => (rpo[n] = i));
  const idom = new Int32Array(g.size).fill(-1);
  idom[root] = root;
  const intersect = (a: NodeId, b: NodeId): NodeId => {
    while (a !== b) {
      while (rpo[a]! > rpo[b]!) a = idom[a]!;
      while (rpo[b]! > rpo[a]!) b = idom[b]!;
    }
    return a;
  };
  let changed = true;
  while (changed) {
    changed = false;
    for (const b of order) {
      if (b === root) continue;
      let nd = -1;
      for (const p of g.preds(b)) {
        if (idom[p] === -1) continue; // unreachable or not processed yet
        nd = nd === -1 ? p : intersect(p, nd);
      }
      if (nd !== -1 && idom[b] !== nd) {
        idom[b] = nd;
        changed = true;
      }
    }
  }
  return finishTree(root, idom, rpo);
}

function finishTree(root: NodeId, idom: Int32Array, rpo: Int32Array): DominatorTree {
  const children: NodeId[][] = Array.from({ length: idom.length }, () => []);
  for (let n = 0; n < idom.length; n++) if (n !== root && idom[n] !== -1) children[idom[n]!]!.push(n);
  // Pre/post numbering of the tree gives O(1) dominance queries.
  const pre = new Int32Array(idom.length).fill(-1);
  const post = new Int32Array(idom.length).fill(-1);
  let clock = 0;
  const stack: { n: NodeId; i: number }[] = [{ n: root, i: 0 }];
  pre[root] = clock++;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const kids = children[top.n]!;
    if (top.i < kids.length) {
      const c = kids[top.i++]!;
      pre[c] = clock++;
      stack.push({ n: c, i: 0 });
    } else {
      post[top.n] = clock++;
      stack.pop();
    }
  }
  void rpo;
  return {
    root,
    idom,
    children,
    dominates: (a, b) => pre[a]! !== -1 && pre[b]! !== -1 && pre[a]! <= pre[b]! && post[b]! <= post[a]!,
  };
}

/** Post-dominator tree: dominators of the reversed graph rooted at `exit`. */
export function postDominatorTree(g: PredecessorGraph, exit: NodeId): DominatorTree {
  const rev: PredecessorGraph = { size: g.size, succs: (n) => g.preds(n), preds: (n) => g.succs(n) };
  return dominatorTree(rev, exit);
}

/**
 * Dominance frontiers (Cytron et al., computed as in Cooper–Harvey–Kennedy §4):
 * DF(n) = nodes m where n dominates a predecessor of m but not strictly m itself.
 */
export function dominanceFrontiers(g: PredecessorGraph, tree: DominatorTree): Set<NodeId>[] {
  const df: Set<NodeId>[] = Array.from({ length: g.size }, () => new Set<NodeId>());
  for (let b = 0; b < g.size; b++) {
    if (tree.idom[b] === -1) continue;
    const preds = g.preds(b).filter((p) => tree.idom[p] !== -1);
    if (preds.length < 2) continue;
    for (const p of preds) {
      let runner = p;
      while (runner !== tree.idom[b]) {
        df[runner]!.add(b);
        if (runner === tree.root) break;
        runner = tree.idom[runner]!;
      }
    }
  }
  return df;
}

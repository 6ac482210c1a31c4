// A generic directed graph over dense node ids 0..n-1 with labelled edges,
// stored as adjacency lists both ways (SVF's GenericGraph, without node classes).

export type NodeId = number;

export interface Edge<L> {
  from: NodeId;
  to: NodeId;
  label: L;
}

/** Directed multigraph with O(1) node addition and per-node successor/predecessor lists. */
export class Digraph<L = undefined> {
  private readonly out: Edge<L>[][] = [];
  private readonly inc: Edge<L>[][] = [];
  private edgeCount = 0;

  constructor(nodes = 0) {
    for (let i = 0; i < nodes; i++) this.addNode();
  }

  get size(): number {
    return this.out.length;
  }

  get edges(): number {
    return this.edgeCount;
  }

  addNode(): NodeId {
    this.out.push([]);
    this.inc.push([]);
    return this.out.length - 1;
  }

  addEdge(from: NodeId, to: NodeId, label: L): Edge<L> {
    this.check(from);
    this.check(to);
    const e: Edge<L> = { from, to, label };
    this.out[from]!.push(e);
    this.inc[to]!.push(e);
    this.edgeCount++;
    return e;
  }

  hasEdge(from: NodeId, to: NodeId, label?: L): boolean {
    return this.outEdges(from).some((e) => e.to === to && (label === undefined || e.label === label));
  }

  outEdges(n: NodeId): readonly Edge<L>[] {
    this.check(n);
    return this.out[n]!;
  }

  inEdges(n: NodeId): readonly Edge<L>[] {
    this.check(n);
    return this.inc[n]!;
  }

  succs(n: NodeId): NodeId[] {
    return this.outEdges(n).map((e) => e.to);
  }

  preds(n: NodeId): NodeId[] {
    return this.inEdges(n).map((e) => e.from);
  }

  *allEdges(): IterableIterator<Edge<L>> {
    for (const list of this.out) yield* list;
  }

  /** The same nodes with every edge turned around (post-dominators are dominators of this). */
  reversed(): Digraph<L> {
    const r = new Digraph<L>(this.size);
    for (const e of this.allEdges()) r.addEdge(e.to, e.from, e.label);
    return r;
  }

  private check(n: NodeId): void {
    if (!Number.isInteger(n) || n < 0 || n >= this.out.length) {
      throw new RangeError(`graph node ${n} out of range 0..${this.out.length - 1}`);
    }
  }
}

/** Minimal successor view the algorithms need, so they work on any graph shape. */
export interface SuccessorGraph {
  readonly size: number;
  succs(n: NodeId): readonly NodeId[];
}

/** Nodes reachable from `roots` (including them), as a boolean mask. */
export function reachable(g: SuccessorGraph, roots: Iterable<NodeId>): Uint8Array {
  const seen = new Uint8Array(g.size);
  const stack: NodeId[] = [];
  for (const r of roots) {
    if (!seen[r]) {
      seen[r] = 1;
      stack.push(r);
    }
  }
  while (stack.length > 0) {
    const n = stack.pop()!;
    for (const s of g.succs(n)) {
      if (!seen[s]) {
        seen[s] = 1;
        stack.push(s);
      }
    }
  }
  return seen;
}

/** Reverse postorder of the nodes reachable from `root` (iterative DFS, no recursion limit). */
export function reversePostorder(g: SuccessorGraph, root: NodeId): NodeId[] {
  const seen = new Uint8Array(g.size);
  const post: NodeId[] = [];
  const stack: { n: NodeId; i: number; s: readonly NodeId[] }[] = [{ n: root, i: 0, s: g.succs(root) }];
  seen[root] = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i < top.s.length) {
      const next = top.s[top.i++]!;
      if (!seen[next]) {
        seen[next] = 1;
        stack.push({ n: next, i: 0, s: g.succs(next) });
      }
    } else {
      post.push(top.n);
      stack.pop();
    }
  }
  return post.reverse();
}

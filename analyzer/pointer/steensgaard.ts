// Steensgaard's unification-based analysis as an Andersen that unifies instead of including:
// a copy edge merges both ends, and all objects one node may point to share one node.
import type { NodeId } from './graph.js';
import { Andersen } from './andersen.js';
import type { ObjectTable } from './objects.js';
import type { ObjId } from './types.js';

export class Steensgaard extends Andersen {
  private readonly pending: [NodeId, NodeId][] = [];
  /** Function objects in each class's points-to set (calls must see each of them). */
  private readonly funcs = new Map<NodeId, Set<ObjId>>();
  private draining = false;

  constructor(objects: ObjectTable) {
    if (objects.fieldSensitive) throw new Error('Steensgaard is field-insensitive');
    super(objects);
  }

  /**
   * All pointees of a node share one node, so a load or store needs only one of them;
   * call constraints still see every function object (each is its own callee).
   */
  protected override processNode(n: NodeId): void {
    const g = this.graph;
    if (!g.isRep(n)) return;
    const d = g.diff[n]!;
    if (d.size === 0) return;
    g.diff[n] = new Set();
    const one = firstOf(d)!;
    const cons = g.cons[n]!;
    for (let i = 0; i < cons.length; i++) {
      const c = cons[i]!;
      if (c.k === 'call') { for (const o of d) if (this.objects.objects[o]!.kind === 'func') this.processComplex(c, o); }
      else this.processComplex(c, one);
      if (!g.isRep(n)) return;
    }
    for (const s0 of g.succ[n]!) {
      const s = g.find(s0);
      if (s !== n) this.propagate(d, n, s);
    }
  }

  /** a = b: one equivalence class for both (their pointees are joined below). */
  override addCopyEdge(src: NodeId, dst: NodeId): void {
    this.unify(src, dst);
  }

  /** A node points to one class of objects: a new pointee joins the class of the others. */
  override addPts(n: NodeId, o: ObjId): void {
    const r = this.graph.find(n);
    const p = this.graph.pts[r]!;
    if (p.has(o)) return;
    const first = firstOf(p);
    super.addPts(r, o);
    if (this.objects.objects[o]!.kind === 'func') {
      const f = this.funcs.get(r);
      if (f) f.add(o); else this.funcs.set(r, new Set([o]));
    }
    if (first !== undefined) this.unify(this.objNode(first), this.objNode(o));
  }

  /**
   * Merging two classes: their loads and stores have each seen one pointee already (and all
   * pointees share a node), so only one object and the function objects are re-propagated,
   * not the whole set as Andersen must.
   */
  override merge(a: NodeId, b: NodeId): NodeId {
    const g = this.graph;
    let x = g.find(a);
    let y = g.find(b);
    if (x === y) return x;
    if (g.pts[x]!.size < g.pts[y]!.size) [x, y] = [y, x];
    const fx = this.funcs.get(x);
    const fy = this.funcs.get(y);
    g.union(x, y);
    const d = new Set<ObjId>();
    const one = firstOf(g.pts[x]!);
    if (one !== undefined) d.add(one);
    const fns = fx && fy ? new Set([...fx, ...fy]) : fx ?? fy;
    if (fns) { for (const f of fns) d.add(f); this.funcs.set(x, fns); this.funcs.delete(y); }
    g.diff[x] = d;
    g.succ[x]!.delete(x);
    g.succ[x]!.delete(y);
    this.push(x);
    return x;
  }

  private unify(a: NodeId, b: NodeId): void {
    this.pending.push([a, b]);
    if (this.draining) return;
    this.draining = true;
    while (this.pending.length > 0) {
      const [x0, y0] = this.pending.pop()!;
      const x = this.graph.find(x0);
      const y = this.graph.find(y0);
      if (x === y) continue;
      const fx = firstOf(this.graph.pts[x]!);
      const fy = firstOf(this.graph.pts[y]!);
      this.merge(x, y);
      if (fx !== undefined && fy !== undefined) this.pending.push([this.objNode(fx), this.objNode(fy)]);
    }
    this.draining = false;
  }
}

function firstOf(s: ReadonlySet<ObjId>): ObjId | undefined {
  for (const o of s) return o;
  return undefined;
}

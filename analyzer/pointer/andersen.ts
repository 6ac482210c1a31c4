// Andersen's inclusion-based analysis: difference propagation over copy edges, one method
// per constraint kind (processAddr/Copy/Load/Store/Gep/Call), lazy online cycle detection.
import type { TypeId } from '../ir/types.js';
import { ConstraintGraph, type CallSite, type Complex, type ContentCopy, type NodeId } from './graph.js';
import type { ObjectTable } from './objects.js';
import { WorklistSolver } from './solver.js';
import type { ObjId } from './types.js';

/** Connects a call site to a callee found in a points-to set (defined function or library model). */
export interface CallLinker {
  link(site: CallSite, func: ObjId): void;
}

export class Andersen extends WorklistSolver {
  readonly graph = new ConstraintGraph();
  linker?: CallLinker;
  /** Edges already tested for a cycle (lazy cycle detection tests each edge once). */
  private readonly lcdChecked = new Map<NodeId, Set<NodeId>>();
  cyclesCollapsed = 0;

  constructor(readonly objects: ObjectTable) {
    super();
    for (let o = 0; o < objects.size; o++) this.objectCreated(o);
    objects.listener = {
      objectCreated: (o) => this.objectCreated(o),
      fieldsCreated: (root, kids) => this.fieldsCreated(root, kids),
    };
  }

  get fieldSensitive(): boolean { return this.objects.fieldSensitive; }

  private objectCreated(o: ObjId): void {
    this.graph.nodeOfObj[o] = this.graph.newNode();
  }

  /** A field holds whatever was written to its enclosing object at an unknown offset. */
  private fieldsCreated(root: ObjId, kids: readonly ObjId[]): void {
    for (const k of kids) this.addCopyEdge(this.graph.nodeOfObj[this.objects.objects[k]!.parent!]!, this.graph.nodeOfObj[k]!);
    const readers = this.graph.wholeReaders.get(root);
    if (readers) for (const r of readers) for (const k of kids) this.addCopyEdge(this.graph.nodeOfObj[k]!, r);
  }

  newNode(): NodeId { return this.graph.newNode(); }
  objNode(o: ObjId): NodeId { return this.graph.objNode(o); }

  // ------------------------------------------------------------ constraint entry points

  /** dst ∋ o */
  processAddr(o: ObjId, dst: NodeId): void {
    this.graph.constraints++;
    this.addPts(dst, o);
  }

  /** dst ⊇ src */
  processCopy(src: NodeId, dst: NodeId): void {
    this.graph.constraints++;
    this.addCopyEdge(src, dst);
  }

  addComplex(n: NodeId, c: Complex): void {
    this.graph.constraints++;
    const r = this.graph.find(n);
    this.graph.cons[r]!.push(c);
    for (const o of this.graph.pts[r]!) this.processComplex(c, o);
  }

  /** Contents of storage `src` flow into storage `dst`; field-wise when both are struct `agg`. */
  copyObjects(src: ObjId, dst: ObjId, agg: TypeId | undefined): void {
    if (this.fieldSensitive && agg !== undefined && !this.objects.isCollapsed(src) && !this.objects.isCollapsed(dst)) {
      this.ensureTree(src, agg);
      this.ensureTree(dst, agg);
      if (this.sameTree(src, dst)) { this.pairwise(src, dst); return; }
    }
    this.readWhole(src, this.objNode(dst));
  }

  /** memcpy(dst, src, n): the objects dst points to receive the contents of those src points to. */
  contentCopy(dst: NodeId, src: NodeId): void {
    const pair: ContentCopy = { dst, src, pairs: 0, coarse: false };
    this.addComplex(dst, { k: 'cpy', side: 'dst', pair });
    this.addComplex(src, { k: 'cpy', side: 'src', pair });
  }

  /** Pairs per memcpy site before falling back to a whole-object copy (linear, coarser). */
  static readonly MAX_COPY_PAIRS = 4096;

  protected processContentCopy(side: 'dst' | 'src', pair: ContentCopy, o: ObjId): void {
    if (pair.coarse) return;
    const others = this.graph.pts[this.graph.find(side === 'dst' ? pair.src : pair.dst)]!;
    pair.pairs += others.size;
    if (pair.pairs > Andersen.MAX_COPY_PAIRS) {
      pair.coarse = true;
      const t = this.newNode();
      this.addComplex(pair.src, { k: 'load', dst: t });
      this.addComplex(pair.dst, { k: 'store', src: t });
      return;
    }
    for (const x of [...others]) {
      const [s, d] = side === 'dst' ? [x, o] : [o, x];
      const ts = this.objects.typeOf(s);
      this.copyObjects(s, d, ts !== undefined && this.objects.kids(s) ? ts : undefined);
    }
  }

  /** dst ⊇ every location inside object o (a read of the whole object at unknown offsets). */
  readWhole(o: ObjId, dst: NodeId): void {
    for (const x of this.objects.subtree(o)) this.addCopyEdge(this.objNode(x), dst);
    const root = this.objects.rootOf(o);
    if (this.fieldSensitive && root === o && !this.objects.kids(o) && !this.objects.isCollapsed(o)) {
      const list = this.graph.wholeReaders.get(o);
      if (!list) this.graph.wholeReaders.set(o, [dst]);
      else if (!list.includes(dst)) list.push(dst);
    }
  }

  private ensureTree(o: ObjId, agg: TypeId): void {
    if (this.objects.rootOf(o) === o && !this.objects.kids(o)) this.objects.adopt(o, agg);
  }

  private sameTree(a: ObjId, b: ObjId): boolean {
    const ka = this.objects.kids(a);
    const kb = this.objects.kids(b);
    if (!ka || !kb) return !ka && !kb;
    return ka.length === kb.length && this.objects.typeOf(a) !== undefined && this.objects.typeOf(b) !== undefined
      && sameTypeOrTag(this.objects, a, b);
  }

  private pairwise(a: ObjId, b: ObjId): void {
    this.addCopyEdge(this.objNode(a), this.objNode(b));
    const ka = this.objects.kids(a);
    const kb = this.objects.kids(b);
    if (ka && kb) for (let i = 0; i < ka.length; i++) this.pairwise(ka[i]!, kb[i]!);
  }

  // ------------------------------------------------------------ solving

  protected processNode(n: NodeId): void {
    const g = this.graph;
    if (!g.isRep(n)) return;
    const d = g.diff[n]!;
    if (d.size === 0) return;
    // swap in a recycled empty set: allocating one per visit dominated GC time
    g.diff[n] = this.spare ?? new Set();
    this.spare = undefined;
    this.processDiff(n, d);
    d.clear();
    this.spare = d;
  }

  private spare?: Set<ObjId>;

  private processDiff(n: NodeId, d: ReadonlySet<ObjId>): void {
    const g = this.graph;
    const cons = g.cons[n]!;
    for (let i = 0; i < cons.length; i++) {
      const c = cons[i]!;
      for (const o of d) this.processComplex(c, o);
      if (!g.isRep(n)) return; // merged meanwhile: the representative sees everything again
    }
    for (const s0 of g.succ[n]!) {
      const s = g.find(s0);
      if (s === n) continue;
      this.propagate(d, n, s);
      if (!g.isRep(n)) return;
    }
  }

  protected processComplex(c: Complex, o: ObjId): void {
    switch (c.k) {
      case 'load': this.processLoad(c, o); break;
      case 'store': this.processStore(c, o); break;
      case 'gep': this.processGep(c, o); break;
      case 'call': this.processCall(c.site, o); break;
      case 'cpy': this.processContentCopy(c.side, c.pair, o); break;
    }
  }

  /** dst = *p, for one more object o in pts(p). */
  protected processLoad(c: Extract<Complex, { k: 'load' }>, o: ObjId): void {
    if (!this.fieldSensitive) { this.addCopyEdge(this.objNode(o), c.dst); return; }
    if (c.agg !== undefined && c.dstObj !== undefined) this.copyObjects(o, c.dstObj, c.agg);
    else this.readWhole(o, c.dst);
  }

  /** *p = src, for one more object o in pts(p). A write at o's start reaches its fields through the parent→field edges. */
  protected processStore(c: Extract<Complex, { k: 'store' }>, o: ObjId): void {
    if (this.fieldSensitive && c.agg !== undefined && c.srcObj !== undefined) this.copyObjects(c.srcObj, o, c.agg);
    else this.addCopyEdge(c.src, this.objNode(o));
  }

  /** dst = &o->field, or o moved by pointer arithmetic (stays in o; off a scalar field, o's whole object). */
  protected processGep(c: Extract<Complex, { k: 'gep' }>, o: ObjId): void {
    const objs = this.objects;
    if (!this.fieldSensitive || objs.objects[o]!.kind === 'func') { this.addPts(c.dst, o); return; }
    if (c.field) {
      const f = objs.field(o, c.field.index, c.field.aggregate);
      if (f !== undefined) { this.addPts(c.dst, f); return; }
      this.collapse(o);
      this.addPts(c.dst, objs.rootOf(o));
      return;
    }
    if (objs.rootOf(o) !== o && !objs.isArrayStorage(o) && !objs.isCollapsed(o)) this.collapse(o);
    this.addPts(c.dst, objs.normalize(o));
  }

  protected processCall(site: CallSite, o: ObjId): void {
    if (this.objects.objects[o]!.kind === 'func') this.linker?.link(site, o);
  }

  /** Field-sensitivity gives up on o's object: all its locations become one node. */
  collapse(o: ObjId): void {
    if (this.objects.isCollapsed(o)) return;
    const root = this.objects.collapse(o);
    let rep = this.objNode(root);
    for (const x of this.objects.subtree(root)) rep = this.merge(rep, this.objNode(x));
  }

  // ------------------------------------------------------------ graph updates (overridden by Steensgaard)

  addPts(n: NodeId, o: ObjId): void {
    const r = this.graph.find(n);
    const p = this.graph.pts[r]!;
    if (p.has(o)) return;
    p.add(o);
    this.graph.diff[r]!.add(o);
    this.push(r);
  }

  addCopyEdge(src: NodeId, dst: NodeId): void {
    const s = this.graph.find(src);
    const d = this.graph.find(dst);
    if (s === d || this.graph.succ[s]!.has(d)) return;
    this.graph.succ[s]!.add(d);
    if (this.graph.pts[s]!.size > 0) this.propagate(this.graph.pts[s]!, s, d);
  }

  protected propagate(from: ReadonlySet<ObjId>, n: NodeId, s: NodeId): void {
    const ps = this.graph.pts[s]!;
    const ds = this.graph.diff[s]!;
    let changed = false;
    for (const o of from) if (!ps.has(o)) { ps.add(o); ds.add(o); changed = true; }
    if (changed) this.push(s);
    else this.lazyCycleCheck(n, s);
  }

  /** Hardekopf & Lin's lazy cycle detection: equal sets across an edge hint at a cycle. */
  private lazyCycleCheck(n: NodeId, s: NodeId): void {
    const pn = this.graph.pts[n]!;
    const ps = this.graph.pts[s]!;
    if (pn.size !== ps.size || pn.size === 0) return;
    let seen = this.lcdChecked.get(n);
    if (!seen) { seen = new Set(); this.lcdChecked.set(n, seen); }
    if (seen.has(s)) return;
    seen.add(s);
    for (const o of pn) if (!ps.has(o)) return;
    this.collapseCyclesFrom(s);
  }

  /** Iterative Tarjan over copy edges from `start`; every non-trivial SCC becomes one node. */
  private collapseCyclesFrom(start: NodeId): void {
    const g = this.graph;
    const index = new Map<NodeId, number>();
    const low = new Map<NodeId, number>();
    const stack: NodeId[] = [];
    const onStack = new Set<NodeId>();
    let counter = 0;
    const frames: { n: NodeId; it: Iterator<NodeId> }[] = [];
    const enter = (n: NodeId): void => {
      index.set(n, counter); low.set(n, counter); counter++;
      stack.push(n); onStack.add(n);
      frames.push({ n, it: g.succ[n]![Symbol.iterator]() });
    };
    enter(g.find(start));
    const sccs: NodeId[][] = [];
    while (frames.length > 0) {
      const f = frames[frames.length - 1]!;
      const step = f.it.next();
      if (!step.done) {
        const m = g.find(step.value);
        if (m === f.n) continue;
        if (!index.has(m)) enter(m);
        else if (onStack.has(m)) low.set(f.n, Math.min(low.get(f.n)!, index.get(m)!));
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const p = frames[frames.length - 1]!.n;
        low.set(p, Math.min(low.get(p)!, low.get(f.n)!));
      }
      if (low.get(f.n) === index.get(f.n)) {
        const scc: NodeId[] = [];
        let x: NodeId;
        do { x = stack.pop()!; onStack.delete(x); scc.push(x); } while (x !== f.n);
        if (scc.length > 1) sccs.push(scc);
      }
    }
    for (const scc of sccs) {
      let rep = scc[0]!;
      for (let i = 1; i < scc.length; i++) rep = this.merge(rep, scc[i]!);
      this.cyclesCollapsed++;
    }
  }

  /** Merge two nodes (same points-to set from now on); returns the representative. */
  merge(a: NodeId, b: NodeId): NodeId {
    const g = this.graph;
    let x = g.find(a);
    let y = g.find(b);
    if (x === y) return x;
    if (g.pts[x]!.size < g.pts[y]!.size) [x, y] = [y, x];
    g.union(x, y);
    // the merged constraints must all see the merged set
    g.diff[x] = new Set(g.pts[x]);
    g.succ[x]!.delete(x);
    g.succ[x]!.delete(y);
    this.push(x);
    return x;
  }
}

function sameTypeOrTag(objects: ObjectTable, a: ObjId, b: ObjId): boolean {
  const ta = objects.typeOf(a);
  const tb = objects.typeOf(b);
  if (ta === tb) return true;
  const x = ta === undefined ? undefined : objects.program.types[ta];
  const y = tb === undefined ? undefined : objects.program.types[tb];
  return !!x && !!y && x.kind === 'struct' && y.kind === 'struct' && x.tag !== undefined && x.tag === y.tag;
}

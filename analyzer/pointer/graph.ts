// The constraint graph (SVF's ConstraintGraph): solver nodes with points-to sets, copy
// edges and the complex constraints hung on pointer nodes. Data only; solvers live elsewhere.
import type { InstrId, TypeId } from '../ir/types.js';
import type { ObjId } from './types.js';

export type NodeId = number;

/** A call whose callee comes from a points-to set (icall) or a library callback. */
export interface CallSite {
  instr: InstrId;
  /** Argument nodes (undefined for constants); `spread` passes this one node as every argument. */
  args: (NodeId | undefined)[];
  spread?: NodeId;
  dst?: NodeId;
  kind: 'icall' | 'callback';
}

export interface ContentCopy {
  dst: NodeId;
  src: NodeId;
  pairs: number;
  /** Too many pairs: replaced by one whole-object copy through a temporary node. */
  coarse: boolean;
}

export type Complex =
  /** dst ⊇ *n ; `agg` set when a whole struct is moved (field-wise when layouts match). */
  | { k: 'load'; dst: NodeId; agg?: TypeId; dstObj?: ObjId }
  /** *n ⊇ src */
  | { k: 'store'; src: NodeId; agg?: TypeId; srcObj?: ObjId }
  /** dst ∋ &o->field (field) or o itself (index: pointer arithmetic stays in the object). */
  | { k: 'gep'; dst: NodeId; field?: { index: number; aggregate: TypeId } }
  /**
   * memcpy(*dst, *src): n is one of the two pointers; `pair` is shared by both constraints.
   * Each (src object, dst object) pair is copied member-wise when the layouts match.
   */
  | { k: 'cpy'; side: 'dst' | 'src'; pair: ContentCopy }
  /** n holds function pointers to call at `site`. */
  | { k: 'call'; site: CallSite };

export class ConstraintGraph {
  private readonly parent: NodeId[] = [];
  readonly pts: Set<ObjId>[] = [];
  readonly diff: Set<ObjId>[] = [];
  readonly succ: Set<NodeId>[] = [];
  readonly cons: Complex[][] = [];
  /** Solver node holding each object's contents. */
  readonly nodeOfObj: NodeId[] = [];
  /** Readers of a whole root object whose field tree may still appear (heap adoption). */
  readonly wholeReaders = new Map<ObjId, NodeId[]>();
  constraints = 0;

  newNode(): NodeId {
    const n = this.parent.length;
    this.parent.push(n);
    this.pts.push(new Set());
    this.diff.push(new Set());
    this.succ.push(new Set());
    this.cons.push([]);
    return n;
  }

  get nodeCount(): number { return this.parent.length; }

  find(n: NodeId): NodeId {
    let r = n;
    while (this.parent[r] !== r) r = this.parent[r]!;
    while (this.parent[n] !== r) { const next = this.parent[n]!; this.parent[n] = r; n = next; }
    return r;
  }

  isRep(n: NodeId): boolean { return this.parent[n] === n; }

  /** Make `into` the representative of `from` and move every edge and constraint across (the solver decides what to re-propagate). */
  union(into: NodeId, from: NodeId): void {
    this.parent[from] = into;
    for (const o of this.pts[from]!) this.pts[into]!.add(o);
    for (const s of this.succ[from]!) this.succ[into]!.add(s);
    for (const c of this.cons[from]!) this.cons[into]!.push(c);
    this.pts[from] = new Set();
    this.diff[from] = new Set();
    this.succ[from] = new Set();
    this.cons[from] = [];
  }

  objNode(o: ObjId): NodeId { return this.find(this.nodeOfObj[o]!); }
}

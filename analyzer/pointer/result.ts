// The solved analysis as clients see it (PointsTo): normalized points-to sets, aliasing,
// memory effects of loads, stores and library calls, and the on-the-fly call graph.
import type { InstrId, Program, VarId } from '../ir/types.js';
import type { Andersen } from './andersen.js';
import type { ConstraintBuilder } from './constraints.js';
import type { NodeId } from './graph.js';
import type { ObjectTable } from './objects.js';
import type { AbstractObject, CallGraph, MemEffects, ObjId, PointerAnalysisKind, PointsTo } from './types.js';

const EMPTY: ReadonlySet<ObjId> = new Set();
const NO_EFFECTS: MemEffects = { reads: EMPTY, writes: EMPTY };

export class PointsToResult implements PointsTo {
  readonly objects: readonly AbstractObject[];
  readonly callGraph: CallGraph;
  readonly unknownExternals: readonly string[];
  readonly stats: { constraints: number; iterations: number; ms: number; avgPointsTo: number };
  private readonly nodeCache = new Map<NodeId, ReadonlySet<ObjId>>();
  private readonly effects = new Map<InstrId, MemEffects>();

  constructor(
    readonly kind: PointerAnalysisKind,
    private readonly program: Program,
    private readonly table: ObjectTable,
    private readonly solver: Andersen,
    private readonly builder: ConstraintBuilder,
    ms: number,
  ) {
    this.objects = table.objects;
    this.unknownExternals = [...builder.unknown].sort();
    this.callGraph = new SolvedCallGraph(program, builder);
    let sum = 0;
    let n = 0;
    for (const v of program.vars) {
      const s = this.pointsToVar(v.id).size;
      if (s > 0) { sum += s; n++; }
    }
    this.stats = { constraints: solver.graph.constraints, iterations: solver.iterations, ms, avgPointsTo: n === 0 ? 0 : sum / n };
  }

  get fieldSensitive(): boolean { return this.table.fieldSensitive; }

  objectOfVar(v: VarId): ObjId { return v; }

  /** Points-to set of a solver node, with fields of collapsed objects shown as the whole object. */
  private ptsOfNode(n: NodeId): ReadonlySet<ObjId> {
    const r = this.solver.graph.find(n);
    let s = this.nodeCache.get(r);
    if (s) return s;
    const raw = this.solver.graph.pts[r]!;
    const out = new Set<ObjId>();
    for (const o of raw) out.add(this.table.normalize(o));
    s = out.size === 0 ? EMPTY : out;
    this.nodeCache.set(r, s);
    return s;
  }

  pointsToVar(v: VarId): ReadonlySet<ObjId> { return this.ptsOfNode(this.solver.graph.nodeOfObj[v]!); }

  pointsToObj(o: ObjId): ReadonlySet<ObjId> { return this.ptsOfNode(this.solver.graph.nodeOfObj[o]!); }

  /** Two objects share storage: equal, one a field inside the other, or fields of a collapsed object. */
  overlaps(a: ObjId, b: ObjId): boolean { return this.table.overlap(a, b); }

  mayAlias(a: VarId, b: VarId): boolean {
    const pa = this.pointsToVar(a);
    const pb = this.pointsToVar(b);
    for (const x of pa) for (const y of pb) if (this.table.overlap(x, y)) return true;
    return false;
  }

  /** An object and everything inside it (its fields, unless collapsed into one location). */
  private expand(o: ObjId, out: Set<ObjId>): void {
    const n = this.table.normalize(o);
    if (this.table.isCollapsed(n)) { out.add(n); return; }
    for (const x of this.table.subtree(n)) out.add(x);
  }

  private reach(start: Iterable<ObjId>): Set<ObjId> {
    const seen = new Set<ObjId>();
    const work: ObjId[] = [];
    const visit = (o: ObjId): void => {
      const tmp = new Set<ObjId>();
      this.expand(o, tmp);
      for (const x of tmp) if (!seen.has(x)) { seen.add(x); work.push(x); }
    };
    for (const o of start) visit(o);
    while (work.length > 0) for (const p of this.pointsToObj(work.pop()!)) visit(p);
    return seen;
  }

  reachableFromVar(v: VarId): ReadonlySet<ObjId> { return this.reach([v]); }

  /**
   * Loads read and stores write the objects their pointer may point to (with their fields);
   * library calls act by their model, unknown externals on everything their arguments reach.
   * Calls to defined functions have no effects here: the SDG models them interprocedurally.
   */
  memEffects(instr: InstrId): MemEffects {
    const cached = this.effects.get(instr);
    if (cached) return cached;
    const e = this.computeEffects(instr);
    this.effects.set(instr, e);
    return e;
  }

  private computeEffects(id: InstrId): MemEffects {
    const i = this.program.instrs[id];
    if (!i) return NO_EFFECTS;
    const reads = new Set<ObjId>();
    const writes = new Set<ObjId>();
    if (i.kind === 'load') for (const o of this.pointsToVar(i.addr)) this.expand(o, reads);
    else if (i.kind === 'store') for (const o of this.pointsToVar(i.addr)) this.expand(o, writes);
    else if (i.kind === 'call' || i.kind === 'icall') {
      for (const lc of this.builder.libraryCalls.get(id) ?? []) {
        if (!lc.model) {
          const starts: ObjId[] = [];
          for (const a of lc.args) if (a !== undefined) starts.push(...this.ptsOfNode(a));
          for (const o of this.reach(starts)) { reads.add(o); writes.add(o); }
          continue;
        }
        const pick = (sel: (number | { from: number })[] | undefined, out: Set<ObjId>): void => {
          for (const s of sel ?? []) {
            const idx = lc.spread ? [0] : typeof s === 'number' ? [s] : lc.args.map((_, k) => k).filter((k) => k >= s.from);
            for (const k of idx) {
              const a = lc.args[k];
              if (a !== undefined) for (const o of this.ptsOfNode(a)) this.expand(o, out);
            }
          }
        };
        pick(lc.model.reads, reads);
        pick(lc.model.writes, writes);
      }
    }
    if (reads.size === 0 && writes.size === 0) return NO_EFFECTS;
    return { reads, writes };
  }
}

class SolvedCallGraph implements CallGraph {
  private callers?: Map<string, InstrId[]>;
  private readonly order: string[];

  constructor(private readonly program: Program, private readonly builder: ConstraintBuilder) {
    this.order = [...program.functions.keys()];
  }

  calleesOf(instr: InstrId): readonly string[] { return [...(this.builder.callees.get(instr) ?? [])].sort(); }
  callbacksOf(instr: InstrId): readonly string[] { return [...(this.builder.callbacks.get(instr) ?? [])].sort(); }

  callersOf(func: string): readonly InstrId[] {
    if (!this.callers) {
      const m = new Map<string, InstrId[]>();
      const add = (instr: InstrId, f: string): void => {
        const l = m.get(f);
        if (!l) m.set(f, [instr]);
        else if (l[l.length - 1] !== instr) l.push(instr);
      };
      const ids = new Set([...this.builder.callees.keys(), ...this.builder.callbacks.keys()]);
      for (const instr of [...ids].sort((a, b) => a - b)) {
        for (const f of this.calleesOf(instr)) add(instr, f);
        for (const f of this.callbacksOf(instr)) add(instr, f);
      }
      this.callers = m;
    }
    return this.callers.get(func) ?? [];
  }

  functions(): readonly string[] { return this.order; }
}

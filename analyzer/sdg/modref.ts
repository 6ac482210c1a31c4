// Mod/ref of every procedure over abstract locations, bottom-up over the SCCs of
// the call graph (callbacks count as calls), so a procedure's formal-ins/outs
// cover what its callees touch too. A procedure's own locals are not parameters
// unless it is recursive (then other activations may reach them through pointers).
import { Digraph, tarjanScc, onCycle } from '../graph/index.js';
import type { Func, Instr, Program, VarId } from '../ir/types.js';
import type { ObjId, PointsTo } from '../pointer/types.js';

export interface ModRef {
  mod: Map<string, Set<ObjId>>;
  /** Locations a procedure may read that some statement may define (see mayBeDefined). */
  ref: Map<string, Set<ObjId>>;
  /** Functions on a call-graph cycle (recursive), whose locals get weak updates. */
  recursive: Set<string>;
  /** Defined callees and callbacks of each call instruction. */
  callees: Map<number, string[]>;
  callbacks: Map<number, string[]>;
  /**
   * May some statement define the location (or a field of it, or a struct holding it)?
   * Where none can, its value reaches no use through data dependence, so it needs no
   * formal-in or actual-in vertex: on large programs these were most of the graph
   * (a logging helper's format literals, ref'd at each of its call sites).
   */
  mayBeDefined(o: ObjId): boolean;
}

export function allFunctions(p: Program): Func[] {
  return [p.globalInit, ...p.functions.values()];
}

/** Is v a frame variable (local, param, temp) of function f? Function statics persist, so they are not. */
export function isFrameVar(p: Program, v: VarId, f: string): boolean {
  const x = p.vars[v];
  return x !== undefined && x.function === f && (x.scope === 'local' || x.scope === 'param' || x.scope === 'temp');
}

/** Variables an instruction reads directly (not through memory). */
export function directUses(i: Instr): VarId[] {
  const out: VarId[] = [];
  const op = (o: { kind: 'var'; var: VarId } | { kind: 'const'; text: string } | undefined) => {
    if (o && o.kind === 'var') out.push(o.var);
  };
  switch (i.kind) {
    case 'addr':
      break;
    case 'copy':
      i.srcs.forEach(op);
      break;
    case 'gep':
      out.push(i.base);
      op(i.index);
      break;
    case 'load':
      out.push(i.addr);
      break;
    case 'store':
      out.push(i.addr);
      op(i.src);
      break;
    case 'call':
      i.args.forEach(op);
      break;
    case 'icall':
      out.push(i.target);
      i.args.forEach(op);
      break;
    case 'ret':
      op(i.value);
      break;
    case 'branch':
      i.cond.forEach(op);
      break;
  }
  return out;
}

/** The variable an instruction assigns directly, if any. */
export function directDef(i: Instr): VarId | undefined {
  switch (i.kind) {
    case 'addr':
    case 'copy':
    case 'gep':
    case 'load':
      return i.dst;
    case 'call':
    case 'icall':
      return i.dst;
    default:
      return undefined;
  }
}

export function computeModRef(p: Program, pts: PointsTo): ModRef {
  const funcs = allFunctions(p);
  const index = new Map(funcs.map((f, i) => [f.key, i]));
  const cg = new Digraph<undefined>(funcs.length);
  const callees = new Map<number, string[]>();
  const callbacks = new Map<number, string[]>();
  const directMod: Set<ObjId>[] = funcs.map(() => new Set());
  const directRef: Set<ObjId>[] = funcs.map(() => new Set());
  // Every definition, frame variables and parameters included (a caller's local read by a callee).
  const defined = new Set<ObjId>();

  funcs.forEach((f, fi) => {
    const nonFrame = (v: VarId) => !isFrameVar(p, v, f.key);
    for (const b of f.blocks)
      for (const i of b.instrs) {
        for (const v of directUses(i)) if (nonFrame(v)) directRef[fi]!.add(pts.objectOfVar(v));
        const d = directDef(i);
        if (d !== undefined) defined.add(pts.objectOfVar(d));
        if (d !== undefined && nonFrame(d)) directMod[fi]!.add(pts.objectOfVar(d));
        if (i.kind === 'load' || i.kind === 'store' || i.kind === 'call' || i.kind === 'icall') {
          const eff = pts.memEffects(i.id);
          eff.reads.forEach((o) => directRef[fi]!.add(o));
          eff.writes.forEach((o) => (directMod[fi]!.add(o), defined.add(o)));
        }
        if (i.kind === 'call' || i.kind === 'icall') {
          const cs = pts.callGraph.calleesOf(i.id).filter((c) => p.functions.has(c));
          const cbs = pts.callGraph.callbacksOf(i.id).filter((c) => p.functions.has(c));
          callees.set(i.id, [...new Set(cs)]);
          callbacks.set(i.id, [...new Set(cbs)]);
          for (const c of [...cs, ...cbs]) cg.addEdge(fi, index.get(c)!, undefined);
        }
      }
  });

  for (const f of funcs) for (const v of f.params) defined.add(pts.objectOfVar(v));
  // A definition of a struct defines its fields, and one of a field defines part of each enclosing struct.
  const ancestors = (o: ObjId): ObjId[] => {
    const out: ObjId[] = [];
    for (let x = pts.objects[o], d = 0; x?.parent !== undefined && d < 16; d++) {
      out.push(x.parent);
      x = pts.objects[x.parent];
    }
    return out;
  };
  const enclosingDefined = new Set<ObjId>();
  for (const o of defined) for (const a of ancestors(o)) enclosingDefined.add(a);
  // Asked once per procedure and call site for every location they reference: answered once per location.
  const known = new Int8Array(pts.objects.length); // 0 unknown, 1 yes, -1 no
  const mayBeDefined = (o: ObjId): boolean => {
    if (o >= 0 && o < known.length && known[o] !== 0) return known[o] === 1;
    const yes = pts.objects[o]?.kind === 'external' || defined.has(o) || enclosingDefined.has(o) || ancestors(o).some((a) => defined.has(a));
    if (o >= 0 && o < known.length) known[o] = yes ? 1 : -1;
    return yes;
  };

  // What no statement defines carries no data dependence: leaving it out of ref keeps the sets
  // (a logging helper's format literals, ref'd by every caller of every caller) from growing as N².
  directRef.forEach((r, fi) => (directRef[fi] = new Set([...r].filter(mayBeDefined))));

  const scc = tarjanScc(cg);
  const mod = new Map<string, Set<ObjId>>();
  const ref = new Map<string, Set<ObjId>>();
  const recursive = new Set<string>();
  // Components come callees-first, so every callee outside the component is done.
  for (const comp of scc.components) {
    const isRec = comp.length > 1 || onCycle(cg, scc, comp[0]!);
    const m = new Set<ObjId>();
    const r = new Set<ObjId>();
    for (const fi of comp) {
      directMod[fi]!.forEach((o) => m.add(o));
      directRef[fi]!.forEach((o) => r.add(o));
      for (const c of cg.succs(fi)) {
        if (scc.componentOf[c] === scc.componentOf[fi]) continue;
        mod.get(funcs[c]!.key)!.forEach((o) => m.add(o));
        ref.get(funcs[c]!.key)!.forEach((o) => r.add(o));
      }
    }
    for (const fi of comp) {
      const f = funcs[fi]!;
      if (isRec) recursive.add(f.key);
      // A non-recursive procedure's own frame (its locals and their fields) is not visible to its callers.
      const own = new Set<ObjId>();
      if (!isRec) for (const v of [...f.params, ...f.locals]) if (isFrameVar(p, v, f.key)) own.add(pts.objectOfVar(v));
      const ownField = (o: ObjId): boolean => {
        let x = pts.objects[o];
        for (let d = 0; x?.parent !== undefined && d < 16; d++) x = pts.objects[x.parent];
        return x !== undefined && own.has(x.id);
      };
      mod.set(f.key, new Set([...m].filter((o) => !own.has(o) && !ownField(o))));
      ref.set(f.key, new Set([...r].filter((o) => !own.has(o) && !ownField(o))));
    }
  }
  return { mod, ref, recursive, callees, callbacks, mayBeDefined };
}

// What each SDG vertex of a procedure defines and uses, in execution order per
// block: the input to reaching definitions (data dependence). Strong updates
// only where one concrete scalar location is certainly written.
import type { Func, Instr, Program, TypeId, VarId } from '../ir/types.js';
import type { ObjId, PointsTo } from '../pointer/types.js';
import type { ModRef } from './modref.js';
import { directUses, isFrameVar } from './modref.js';
import type { VertexId } from './types.js';

/** Pseudo location holding a procedure's return value between `ret` and the formal-out. */
export const RET_LOC: ObjId = -1;

export interface Def {
  obj: ObjId;
  strong: boolean;
}

export interface Event {
  vertex: VertexId;
  uses: ObjId[];
  defs: Def[];
}

export interface SiteVertices {
  call: VertexId;
  actualIns: Map<string, VertexId>;
  actualOuts: Map<string, VertexId>;
}

export interface EventContext {
  program: Program;
  pts: PointsTo;
  modref: ModRef;
  vertexOfInstr: (id: number) => VertexId;
  sites: Map<number, SiteVertices>;
}

function resolveType(p: Program, t: TypeId): TypeId {
  for (let i = 0; i < 64; i++) {
    const ty = p.types[t];
    if (!ty || ty.kind !== 'typedef') return t;
    t = ty.to;
  }
  return t;
}

function isScalar(p: Program, t: TypeId): boolean {
  const ty = p.types[resolveType(p, t)];
  return ty !== undefined && (ty.kind === 'int' || ty.kind === 'float' || ty.kind === 'pointer' || ty.kind === 'enum');
}

/**
 * A store through a pointer strongly updates its target only when the target is a
 * single non-heap variable of scalar type (an array or struct object stands for
 * many cells) that is not a frame variable of a recursive procedure (several live copies).
 */
export function strongTarget(ctx: EventContext, writes: ReadonlySet<ObjId>): boolean {
  if (writes.size !== 1) return false;
  const o = ctx.pts.objects[[...writes][0]!];
  if (!o || o.kind !== 'var' || o.var === undefined) return false;
  const v = ctx.program.vars[o.var];
  if (!v || !isScalar(ctx.program, v.type)) return false;
  if (v.function !== undefined && ctx.modref.recursive.has(v.function) && isFrameVar(ctx.program, v.id, v.function)) return false;
  return true;
}

function argVars(i: Instr): VarId[] {
  if (i.kind !== 'call' && i.kind !== 'icall') return [];
  return i.args.flatMap((a) => (a.kind === 'var' ? [a.var] : []));
}

/** Does this call site (also) reach code outside the program (a library model or an unknown target)? */
export function callsOutside(ctx: EventContext, i: Instr): boolean {
  if (i.kind === 'call') return !ctx.program.functions.has(i.callee);
  if (i.kind !== 'icall') return false;
  const all = ctx.pts.callGraph.calleesOf(i.id);
  return all.length === 0 || all.some((c) => !ctx.program.functions.has(c));
}

/** The events of one instruction: one for its own vertex, then actual-ins, then actual-outs. */
export function instrEvents(ctx: EventContext, i: Instr): Event[] {
  const obj = (v: VarId) => ctx.pts.objectOfVar(v);
  const self = ctx.vertexOfInstr(i.id);
  const directUse = directUses(i).map(obj);
  switch (i.kind) {
    case 'addr':
    case 'copy':
    case 'gep':
      return [{ vertex: self, uses: directUse, defs: [{ obj: obj(i.dst), strong: true }] }];
    case 'load': {
      const eff = ctx.pts.memEffects(i.id);
      return [{ vertex: self, uses: [...directUse, ...eff.reads], defs: [{ obj: obj(i.dst), strong: true }] }];
    }
    case 'store': {
      const eff = ctx.pts.memEffects(i.id);
      const strong = strongTarget(ctx, eff.writes);
      return [{ vertex: self, uses: [...directUse, ...eff.reads], defs: [...eff.writes].map((o) => ({ obj: o, strong })) }];
    }
    case 'ret':
      return [{ vertex: self, uses: directUse, defs: [{ obj: RET_LOC, strong: true }] }];
    case 'branch':
      return [{ vertex: self, uses: directUse, defs: [] }];
    case 'call':
    case 'icall': {
      const site = ctx.sites.get(i.id);
      const outside = callsOutside(ctx, i);
      const hasCallees = (ctx.modref.callees.get(i.id) ?? []).length > 0;
      const uses: ObjId[] = i.kind === 'icall' ? [obj(i.target)] : [];
      const defs: Def[] = [];
      if (outside) {
        const eff = ctx.pts.memEffects(i.id);
        uses.push(...argVars(i).map(obj), ...eff.reads);
        defs.push(...[...eff.writes].map((o) => ({ obj: o, strong: false })));
        if (i.dst !== undefined) defs.push({ obj: obj(i.dst), strong: !hasCallees });
      }
      const events: Event[] = [{ vertex: self, uses, defs }];
      if (!site) return events;
      for (const [key, v] of site.actualIns) {
        if (key.startsWith('cbp')) events.push({ vertex: v, uses: argVars(i).map(obj), defs: [] });
        else if (key.startsWith('p')) {
          const a = i.args[Number(key.slice(1))];
          events.push({ vertex: v, uses: a && a.kind === 'var' ? [obj(a.var)] : [], defs: [] });
        } else events.push({ vertex: v, uses: [Number(key.slice(1))], defs: [] });
      }
      for (const [key, v] of site.actualOuts) {
        if (key === 'ret') {
          if (i.dst !== undefined) events.push({ vertex: v, uses: [], defs: [{ obj: obj(i.dst), strong: !outside }] });
        } else events.push({ vertex: v, uses: [], defs: [{ obj: Number(key.slice(1)), strong: false }] });
      }
      return events;
    }
  }
}

export function blockEvents(ctx: EventContext, f: Func): Event[][] {
  return f.blocks.map((b) => b.instrs.flatMap((i) => instrEvents(ctx, i)));
}

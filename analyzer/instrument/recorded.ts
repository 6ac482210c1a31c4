// Pruning of slot recordings (the counterpart, for SA_REC, of the paper's §5.2 mark
// pruning): a subscript need not record its element when an earlier recorded subscript
// of the same function surely computed the same address in the same packet. Both
// recordings would note one address, so dropping the later one loses nothing, and in
// `--sa-mode off` it saves a branch and keeps small functions small enough to inline
// (synblock's `dequeue` reads and clears `queue[*index]`).
//
// "Surely the same address": the earlier site dominates the later one; both addresses
// are the same expression over the same leaves (variables read directly, memory read
// by loads, constants); and on every path from the earlier expression to the later
// site nothing may write a leaf and nothing is called, and neither site's statement holds a
// call. No call means no receive, no synchronisation where another thread could end the
// packet, and no hidden write.
import { dominatorTree, reversePostorder } from '../graph/index.js';
import type { Func, Instr, InstrId, Operand, Program, VarId } from '../ir/types.js';
import { objectsOverlap } from '../pointer/storage.js';
import type { ObjId, PointsTo } from '../pointer/types.js';
import { definitionsIn } from '../state/context.js';
import { writtenObjects } from '../state/variables.js';

/** An address expression: its canonical text, the objects it reads, and the instructions computing it. */
interface Expr {
  key: string;
  leaves: Set<ObjId>;
  instrs: InstrId[];
}

const MAX_DEPTH = 12;

class FunctionView {
  readonly block = new Map<InstrId, { b: number; pos: number }>();
  /** Statements (by their shared text) that contain a call. */
  readonly callStatements = new Set<string>();
  private readonly defs: Map<VarId, Instr[]>;
  readonly dominates: (a: number, b: number) => boolean;
  readonly order: Map<number, number>;

  constructor(readonly f: Func) {
    this.defs = definitionsIn(f);
    for (const b of f.blocks)
      b.instrs.forEach((i, pos) => {
        this.block.set(i.id, { b: b.id, pos });
        if (i.kind === 'call' || i.kind === 'icall') this.callStatements.add(i.text);
      });
    const g = { size: f.blocks.length, succs: (n: number) => f.blocks[n].succs, preds: (n: number) => f.blocks[n].preds };
    const dom = dominatorTree(g, f.entry);
    this.dominates = (a, b) => dom.dominates(a, b);
    this.order = new Map(reversePostorder(g, f.entry).map((b, k) => [b, k]));
  }

  /** The expression an operand holds, through single-definition temporaries; undefined when it cannot be named. */
  expr(program: Program, pts: PointsTo, op: Operand, depth = 0): Expr | undefined {
    if (op.kind === 'const') return { key: `c:${op.text}`, leaves: new Set(), instrs: [] };
    const v = program.vars[op.var];
    if (v?.scope !== 'temp') return { key: `v:${op.var}`, leaves: new Set([pts.objectOfVar(op.var)]), instrs: [] };
    const defs = this.defs.get(op.var);
    return defs?.length === 1 ? this.exprOf(program, pts, defs[0], depth) : undefined;
  }

  /** The expression an instruction computes (a gep: the address it records). */
  exprOf(program: Program, pts: PointsTo, d: Instr, depth = 0): Expr | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const sub = (o: Operand) => this.expr(program, pts, o, depth + 1);
    const join = (key: string, parts: (Expr | undefined)[], leaves: Iterable<ObjId> = []): Expr | undefined => {
      if (parts.some((p) => p === undefined)) return undefined;
      const ps = parts as Expr[];
      return { key, leaves: new Set([...leaves, ...ps.flatMap((p) => [...p.leaves])]), instrs: [d.id, ...ps.flatMap((p) => p.instrs)] };
    };
    switch (d.kind) {
      case 'load': {
        // nothing known about where it reads (a parameter no caller passes): no name for it
        if (pts.pointsToVar(d.addr).size === 0) return undefined;
        const a = sub({ kind: 'var', var: d.addr });
        return join(`L${d.type}(${a?.key})`, [a], pts.pointsToVar(d.addr));
      }
      case 'gep': {
        const b = sub({ kind: 'var', var: d.base });
        const ix = d.index ? sub(d.index) : { key: '', leaves: new Set<ObjId>(), instrs: [] };
        return join(`G(${b?.key},${d.field?.name ?? ''},${ix?.key})`, [b, ix]);
      }
      case 'copy': {
        const ss = d.srcs.map(sub);
        return join(`${d.op}${d.type}(${ss.map((s) => s?.key).join(',')})`, ss);
      }
      case 'addr':
        return join(d.target.kind === 'var' ? `A(${d.target.var})` : `F(${d.target.name})`, []);
      default:
        return undefined; // a call's result: not the same value twice
    }
  }

  /** Instructions on some path from `from` to `to` (excluded) that does not pass `from` again. */
  between(from: InstrId, to: InstrId): Instr[] {
    const { f } = this;
    const a = this.block.get(from)!;
    const z = this.block.get(to)!;
    if (a.b === z.b) return a.pos < z.pos ? f.blocks[a.b].instrs.slice(a.pos + 1, z.pos) : [];
    const walk = (start: number[], next: (n: number) => number[]) => {
      const seen = new Set<number>();
      const stack = start.filter((n) => n !== a.b);
      while (stack.length) {
        const n = stack.pop()!;
        if (seen.has(n)) continue;
        seen.add(n);
        for (const m of next(n)) if (m !== a.b) stack.push(m);
      }
      return seen;
    };
    const fwd = walk(f.blocks[a.b].succs, (n) => f.blocks[n].succs);
    const bwd = walk(f.blocks[z.b].preds, (n) => f.blocks[n].preds);
    const out = [...f.blocks[a.b].instrs.slice(a.pos + 1)];
    for (const n of fwd) if (bwd.has(n) && n !== z.b) out.push(...f.blocks[n].instrs);
    // the target's block whole when a path leaves it and comes back without the source
    out.push(...(fwd.has(z.b) && bwd.has(z.b) ? f.blocks[z.b].instrs : f.blocks[z.b].instrs.slice(0, z.pos)));
    return out;
  }
}

/**
 * The recording sites (gep instructions) implied by an earlier kept site. Sites are
 * considered in dominance order within each function, and only a kept site can
 * imply another, so every pruned site has a recording that surely ran before it.
 */
export function redundantRecordings(program: Program, pts: PointsTo, sites: Iterable<InstrId>): Set<InstrId> {
  const byFunc = new Map<string, InstrId[]>();
  for (const id of sites) {
    const f = program.instrFunc[id];
    if (f === undefined || !program.functions.has(f)) continue;
    const list = byFunc.get(f);
    if (list) list.push(id);
    else byFunc.set(f, [id]);
  }
  const pruned = new Set<InstrId>();
  for (const [fkey, ids] of byFunc) {
    if (ids.length < 2) continue;
    const view = new FunctionView(program.functions.get(fkey)!);
    const at = (id: InstrId) => view.block.get(id);
    const rank = (id: InstrId) => [view.order.get(at(id)!.b) ?? Infinity, at(id)!.pos] as const;
    const ordered = ids.filter((id) => at(id) !== undefined && view.order.has(at(id)!.b)).sort((x, y) => {
      const [bx, px] = rank(x);
      const [by, py] = rank(y);
      return bx - by || px - py;
    });
    const addrOf = (id: InstrId): Expr | undefined => (program.instrs[id].kind === 'gep' ? view.exprOf(program, pts, program.instrs[id]) : undefined);
    const kept: { id: InstrId; e: Expr; start: InstrId }[] = [];
    for (const id of ordered) {
      const e = addrOf(id);
      const here = at(id)!;
      // Its own computation lies in its block, so the path check below covers it; and its
      // statement calls nothing: C leaves the order of a call and a subscript in one statement
      // unspecified, so the IR's order says nothing about which side of the call it runs on.
      const local = e !== undefined && e.instrs.every((x) => at(x)?.b === here.b) && !view.callStatements.has(program.instrs[id].text);
      const implied =
        local &&
        kept.some((k) => {
          if (k.e.key !== e.key || !view.dominates(at(k.id)!.b, here.b)) return false;
          if (at(k.id)!.b === here.b && at(k.id)!.pos > Math.min(...e.instrs.map((x) => at(x)!.pos))) return false;
          return view.between(k.start, id).every((i) => {
            if (i.kind === 'call' || i.kind === 'icall') return false;
            if (i.kind === 'store' && pts.pointsToVar(i.addr).size === 0) return false; // writes who knows where
            return !writtenObjects(pts, i).some((w) => [...e.leaves].some((l) => objectsOverlap(pts, w, l)));
          });
        });
      if (implied) pruned.add(id);
      else if (local) {
        // the path starts where the earliest instruction computing the address is
        const first = e.instrs.reduce((m, x) => (at(x)!.pos < at(m)!.pos ? x : m), id);
        kept.push({ id, e, start: first });
      }
    }
  }
  return pruned;
}

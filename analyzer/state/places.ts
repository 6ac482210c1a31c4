// Where SDG vertices sit in their procedure's CFG (block and position), with dominance
// and "blocks between a definition and a use": what the gated backward reach (deps.ts)
// needs to tell a guard that picks a value from one that only decides whether code runs.
import { dominatorTree, type DominatorTree, type PredecessorGraph } from '../graph/index.js';
import type { Func, InstrId } from '../ir/types.js';
import type { Sdg, VertexId } from '../sdg/index.js';

/** A vertex's place: its function, block, and position in the block (formal-ins before, formal-outs after everything). */
export interface Place {
  func: string;
  block: number;
  pos: number;
}

export class Places {
  private readonly instrPlace = new Map<InstrId, { block: number; pos: number }>();
  private readonly doms = new Map<string, DominatorTree>();
  private readonly regions = new Map<string, Uint8Array>();
  private readonly funcsDone = new Set<string>();

  constructor(private readonly sdg: Sdg) {}

  private func(key: string): Func | undefined {
    return this.sdg.program.functions.get(key) ?? (this.sdg.program.globalInit.key === key ? this.sdg.program.globalInit : undefined);
  }

  private index(key: string): void {
    if (this.funcsDone.has(key)) return;
    this.funcsDone.add(key);
    for (const b of this.func(key)?.blocks ?? []) b.instrs.forEach((i, pos) => this.instrPlace.set(i.id, { block: b.id, pos }));
  }

  placeOf(v: VertexId): Place | undefined {
    const vx = this.sdg.vertices[v];
    const f = this.func(vx.func);
    if (!f) return undefined;
    if (vx.kind === 'formal-in') return { func: f.key, block: f.entry, pos: -1 };
    if (vx.kind === 'formal-out') return { func: f.key, block: f.exit, pos: Number.MAX_SAFE_INTEGER };
    if (vx.instr === undefined) return undefined;
    this.index(f.key);
    const p = this.instrPlace.get(vx.instr);
    if (!p) return undefined;
    // Actual-ins are evaluated just before the call, actual-outs just after it.
    const shift = vx.kind === 'actual-in' ? -0.5 : vx.kind === 'actual-out' ? 0.5 : 0;
    return { func: f.key, block: p.block, pos: p.pos + shift };
  }

  private dom(key: string): DominatorTree | undefined {
    let d = this.doms.get(key);
    if (d) return d;
    const f = this.func(key);
    if (!f) return undefined;
    const g: PredecessorGraph = { size: f.blocks.length, succs: (n) => f.blocks[n].succs, preds: (n) => f.blocks[n].preds };
    d = dominatorTree(g, f.entry);
    this.doms.set(key, d);
    return d;
  }

  /** Does every path from the procedure's entry to `b` pass through `a` first (a strictly before b)? */
  dominates(a: Place, b: Place): boolean {
    if (a.func !== b.func) return false;
    if (a.block === b.block) return a.pos < b.pos;
    return this.dom(a.func)?.dominates(a.block, b.block) ?? false;
  }

  /** Blocks on some CFG path from `from`'s block to `to`'s block (both included), as a mask. */
  between(from: Place, to: Place): Uint8Array | undefined {
    if (from.func !== to.func) return undefined;
    const key = `${from.func}\u0000${from.block}\u0000${to.block}`;
    const hit = this.regions.get(key);
    if (hit) return hit;
    const f = this.func(from.func)!;
    const walk = (start: number, next: (n: number) => readonly number[]) => {
      const m = new Uint8Array(f.blocks.length);
      const stack = [start];
      m[start] = 1;
      while (stack.length) for (const s of next(stack.pop()!)) if (!m[s]) (m[s] = 1), stack.push(s);
      return m;
    };
    const fwd = walk(from.block, (n) => f.blocks[n].succs);
    const bwd = walk(to.block, (n) => f.blocks[n].preds);
    const r = fwd.map((x, i) => x & bwd[i]);
    this.regions.set(key, r);
    return r;
  }
}

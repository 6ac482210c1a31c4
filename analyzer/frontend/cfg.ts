// Builds one function's CFG: blocks, edges, temporaries, and the final numbering
// of instructions; lowering only appends to the current block.
import type { Block, BlockId, Func, Instr, SourceLoc, TypeId, VarId } from '../ir/types.js';

/** An instruction before it has its program-wide id. */
export type PendingInstr = Instr extends infer I ? (I extends Instr ? Omit<I, 'id'> : never) : never;

export class CfgBuilder {
  readonly blocks: Block[] = [];
  cur: BlockId;
  private tempCount = 0;
  /** Blocks of source labels, created on first mention (goto before label). */
  readonly labels = new Map<string, BlockId>();

  constructor(
    readonly key: string,
    /** Makes a temporary Variable and returns its id. */
    private readonly makeTemp: (name: string, type: TypeId, func: string, loc: SourceLoc) => VarId,
    readonly locals: VarId[],
  ) {
    this.cur = this.newBlock('entry');
  }

  newBlock(label?: string): BlockId {
    const id = this.blocks.length;
    this.blocks.push({ id, instrs: [], succs: [], preds: [], label });
    return id;
  }

  temp(type: TypeId, loc: SourceLoc): VarId {
    const v = this.makeTemp(`%t${this.tempCount++}`, type, this.key, loc);
    this.locals.push(v);
    return v;
  }

  emit(i: PendingInstr): void {
    this.blocks[this.cur].instrs.push({ id: -1, ...i } as Instr);
  }

  edge(from: BlockId, to: BlockId): void {
    const b = this.blocks[from];
    b.succs.push(to);
  }

  /** Ends the current block with a jump to `to` and continues in `to`. */
  jumpTo(to: BlockId): void {
    this.edge(this.cur, to);
    this.cur = to;
  }

  /** Ends the current block with a jump and continues in a fresh (unreachable) block. */
  jumpAway(to: BlockId): void {
    this.edge(this.cur, to);
    this.cur = this.newBlock();
  }

  labelBlock(name: string): BlockId {
    let b = this.labels.get(name);
    if (b === undefined) {
      b = this.newBlock(name);
      this.labels.set(name, b);
    }
    return b;
  }

  /** Adds the unique exit block (ret blocks jump to it), drops empty unreachable blocks, fills preds. */
  finish(retBlocks: Set<BlockId>): { blocks: Block[]; exit: BlockId } {
    const exitOld = this.newBlock('exit');
    for (const b of retBlocks) this.blocks[b].succs = [exitOld];
    // Reachability from entry.
    const reach = new Uint8Array(this.blocks.length);
    const stack = [0];
    reach[0] = 1;
    while (stack.length) {
      const b = stack.pop()!;
      for (const s of this.blocks[b].succs) if (!reach[s]) {
        reach[s] = 1;
        stack.push(s);
      }
    }
    const keep = this.blocks.filter((b) => b.id === 0 || b.id === exitOld || reach[b.id] || b.instrs.length > 0);
    const remap = new Map<BlockId, BlockId>();
    keep.forEach((b, i) => remap.set(b.id, i));
    // Dropped blocks are empty: any edge to one is redirected to its (single chain) successor, or the exit.
    const target = (b: BlockId, guard = 0): BlockId => {
      const r = remap.get(b);
      if (r !== undefined) return r;
      const s = this.blocks[b].succs[0];
      return s === undefined || guard > this.blocks.length ? remap.get(exitOld)! : target(s, guard + 1);
    };
    const blocks: Block[] = keep.map((b, i) => ({ id: i, instrs: b.instrs, succs: b.succs.map((s) => target(s)), preds: [], label: b.label }));
    for (const b of blocks) for (const s of b.succs) if (!blocks[s].preds.includes(b.id)) blocks[s].preds.push(b.id);
    return { blocks, exit: remap.get(exitOld)! };
  }
}

export function numberInstrs(f: Func, all: Instr[], owner: string[]): void {
  for (const b of f.blocks) for (const i of b.instrs) {
    i.id = all.length;
    all.push(i);
    owner.push(f.key);
  }
}

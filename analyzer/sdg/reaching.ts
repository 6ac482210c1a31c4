// Data dependence from reaching definitions over variables and abstract memory
// locations (bit-vector dataflow per procedure, then one walk per block that
// links each use to every definition of the same location that reaches it).
import { reversePostorder } from '../graph/index.js';
import type { Func } from '../ir/types.js';
import type { ObjId } from '../pointer/types.js';
import type { Event } from './events.js';
import type { VertexId } from './types.js';

export interface ReachingInput {
  f: Func;
  /** Events per block, in order; the procedure's entry event is first in the entry block. */
  events: Event[][];
  /** Uses evaluated at the exit block (formal-outs). */
  exitUses: Event[];
  addData: (from: VertexId, to: VertexId) => void;
}

class Bits {
  readonly w: Uint32Array;
  constructor(n: number) {
    this.w = new Uint32Array((n + 31) >>> 5);
  }
  has(i: number): boolean {
    return (this.w[i >>> 5]! & (1 << (i & 31))) !== 0;
  }
  set(i: number): void {
    this.w[i >>> 5]! |= 1 << (i & 31);
  }
  clear(i: number): void {
    this.w[i >>> 5]! &= ~(1 << (i & 31));
  }
  copy(): Bits {
    const b = new Bits(0);
    (b as { w: Uint32Array }).w = this.w.slice();
    return b;
  }
}

export function reachingDefinitions(inp: ReachingInput): void {
  const { f, events } = inp;
  // Number every (event, location) definition.
  const defVertex: VertexId[] = [];
  const defsByObj = new Map<ObjId, number[]>();
  const defIds: number[][][] = events.map((evs) =>
    evs.map((ev) =>
      ev.defs.map((d) => {
        const id = defVertex.length;
        defVertex.push(ev.vertex);
        let l = defsByObj.get(d.obj);
        if (!l) defsByObj.set(d.obj, (l = []));
        l.push(id);
        return id;
      }),
    ),
  );
  const nd = defVertex.length;
  const apply = (cur: Bits, ev: Event, ids: number[]) => {
    ev.defs.forEach((d, k) => {
      if (d.strong) for (const other of defsByObj.get(d.obj)!) cur.clear(other);
      cur.set(ids[k]!);
    });
  };
  const transfer = (b: number, inBits: Bits): Bits => {
    const cur = inBits.copy();
    events[b]!.forEach((ev, e) => apply(cur, ev, defIds[b]![e]!));
    return cur;
  };
  const nb = f.blocks.length;
  const IN: Bits[] = Array.from({ length: nb }, () => new Bits(nd));
  const OUT: Bits[] = Array.from({ length: nb }, () => new Bits(nd));
  const view = { size: nb, succs: (x: number) => f.blocks[x]!.succs };
  const order = reversePostorder(view, f.entry);
  // Unreachable blocks still get their internal edges, with nothing flowing in.
  for (let b = 0; b < nb; b++) OUT[b] = transfer(b, IN[b]!);
  let changed = true;
  while (changed) {
    changed = false;
    for (const b of order) {
      const inb = new Bits(nd);
      for (const p of f.blocks[b]!.preds) {
        const o = OUT[p]!.w;
        for (let k = 0; k < o.length; k++) inb.w[k]! |= o[k]!;
      }
      IN[b] = inb;
      const out = transfer(b, inb);
      const old = OUT[b]!.w;
      for (let k = 0; k < old.length; k++)
        if (old[k] !== out.w[k]) {
          changed = true;
          break;
        }
      OUT[b] = out;
    }
  }
  const link = (cur: Bits, ev: Event) => {
    for (const u of ev.uses) {
      const ds = defsByObj.get(u);
      if (!ds) continue;
      for (const d of ds) if (cur.has(d) && defVertex[d] !== ev.vertex) inp.addData(defVertex[d]!, ev.vertex);
    }
  };
  for (let b = 0; b < nb; b++) {
    const cur = IN[b]!.copy();
    events[b]!.forEach((ev, e) => {
      link(cur, ev);
      apply(cur, ev, defIds[b]![e]!);
    });
    if (b === f.exit) for (const ev of inp.exitUses) link(cur, ev);
  }
}

// Stage 5 (paper Figure 8): the packet header fields that key each pointer/struct/array
// top-level variable, from chops between the packet and (a) the index of `a[i]` / pointer
// arithmetic into the variable and (b) the conditions of loops that walk it; and whether a
// packet can update entries outside its own flowspace (sweeps, resets, evictions).
import { dominatorTree, type PredecessorGraph } from '../graph/index.js';
import type { Branch, Func, Gep, Instr, InstrId, Program, VarId } from '../ir/types.js';
import type { ObjId } from '../pointer/types.js';
import { headerField } from './catalogs.js';
import { definitionsIn, intersects, mayHoldEntries, resolveType, usesOf, type Criterion, type StageContext } from './context.js';
import type { Reason } from './types.js';
import { reasonAt, writtenObjects } from './variables.js';

export interface FlowspaceResult {
  fields: string[];
  reasons: Reason[];
  outside?: Reason;
}

interface Loop {
  func: string;
  blocks: Set<number>;
  /** Branches with a successor outside the loop: the loop's conditions. */
  exits: Branch[];
  /** Every branch inside the loop body (its conditional statements). */
  conds: Branch[];
}

/** Natural loops of a function, one per header (back edges to one header merged). */
function naturalLoops(key: string, f: Func): Loop[] {
  const preds: number[][] = f.blocks.map((b) => b.preds);
  const g: PredecessorGraph = { size: f.blocks.length, succs: (n) => f.blocks[n].succs, preds: (n) => preds[n] };
  const dom = dominatorTree(g, f.entry);
  const byHeader = new Map<number, Set<number>>();
  for (const b of f.blocks) {
    for (const h of b.succs) {
      if (!dom.dominates(h, b.id)) continue;
      const body = byHeader.get(h) ?? new Set([h]);
      const stack = [b.id];
      while (stack.length) {
        const x = stack.pop()!;
        if (body.has(x)) continue;
        body.add(x);
        stack.push(...preds[x]);
      }
      byHeader.set(h, body);
    }
  }
  return [...byHeader.values()].map((blocks) => {
    const branches = [...blocks].flatMap((b) => f.blocks[b].instrs.filter((i): i is Branch => i.kind === 'branch'));
    const exits = branches.filter((br) => {
      const b = f.blocks.find((blk) => blk.instrs.includes(br))!;
      return b.succs.some((s) => !blocks.has(s));
    });
    return { func: key, blocks, exits, conds: branches };
  });
}

/** The single instruction defining a compiler temporary, if any (for walking address computations back). */
export type TempDef = (func: string, v: VarId) => Instr | undefined;

/**
 * Header-field names read in a set of statements: loads through (and address
 * computations of) members of the standard header structs. A member of an
 * anonymous struct or union is named after the tagged struct around it.
 */
export function headerFieldsIn(program: Program, instrs: Iterable<InstrId>, defOf: TempDef): Map<string, InstrId> {
  const out = new Map<string, InstrId>();
  const fieldOf = (g: Gep, func: string): string | undefined => {
    for (let cur: Gep | undefined = g, depth = 0; cur?.field && depth < 8; depth++) {
      const agg = resolveType(program, cur.field.aggregate);
      const tag = agg.kind === 'struct' || agg.kind === 'union' ? agg.tag : undefined;
      if (tag !== undefined) return headerField(tag, g.field!.name);
      const base = defOf(func, cur.base);
      cur = base?.kind === 'gep' ? base : undefined;
    }
    return untaggedHeaderField(g.field!.name);
  };
  for (const id of instrs) {
    const i = program.instrs[id];
    const func = program.instrFunc[id];
    const g = i.kind === 'gep' ? i : i.kind === 'load' ? defOf(func, i.addr) : undefined;
    if (g?.kind !== 'gep' || !g.field) continue;
    const f = fieldOf(g, func);
    if (f && !out.has(f)) out.set(f, id);
  }
  return out;
}

/**
 * glibc declares some header members inside anonymous structs and unions (tcphdr's
 * `th_sport`/`source`, ip6_hdr's control union), which carry no tag: match those by
 * member names that only header structs use.
 */
function untaggedHeaderField(name: string): string | undefined {
  const table: Record<string, string> = {
    th_sport: 'l4.sport', th_dport: 'l4.dport', th_flags: 'tcp.flags', th_seq: 'tcp.seq', th_ack: 'tcp.ack',
    source: 'l4.sport', dest: 'l4.dport', ack_seq: 'tcp.ack', syn: 'tcp.flags', fin: 'tcp.flags', rst: 'tcp.flags',
    uh_sport: 'l4.sport', uh_dport: 'l4.dport', ip6_un1_nxt: 'ip6.nxt', icd_id: 'icmp.id',
  };
  return table[name];
}

export class FlowspaceStage {
  private readonly loops: Loop[] = [];
  constructor(
    private readonly ctx: StageContext,
    pktProcs: string[],
    private readonly perPacket: ReadonlySet<InstrId>,
    private readonly packet: Criterion[],
  ) {
    for (const key of pktProcs) {
      const f = ctx.program.functions.get(key);
      if (f) this.loops.push(...naturalLoops(key, f).filter((l) => l.conds.some((c) => perPacket.has(c.id))));
    }
  }

  /**
   * Objects that hold state across packets: heap objects and global or static
   * variables (and their fields). A per-packet local (the decoded `struct pkt`,
   * a key struct) is part of computing the key, not state to avoid.
   */
  private isStateObject(o: ObjId): boolean {
    const { program, pts } = this.ctx;
    let obj = pts.objects[o];
    for (let d = 0; obj?.kind === 'field' && obj.parent !== undefined && d < 8; d++) obj = pts.objects[obj.parent];
    if (!obj) return true;
    if (obj.kind !== 'var' || obj.var === undefined) return obj.kind === 'heap';
    const scope = program.vars[obj.var]?.scope;
    return scope === 'global' || scope === 'static';
  }

  private stateWriteCache?: Map<InstrId, ObjId[]>;

  /** The state objects each instruction may write (only instructions that write some), computed once. */
  private stateWrites(): Map<InstrId, ObjId[]> {
    if (this.stateWriteCache) return this.stateWriteCache;
    const m = new Map<InstrId, ObjId[]>();
    for (const i of this.ctx.program.instrs) {
      const objs = writtenObjects(this.ctx.pts, i).filter((o) => this.isStateObject(o));
      if (objs.length) m.set(i.id, objs);
    }
    return (this.stateWriteCache = m);
  }

  /** Header fields in the value-flow chop from the packet to `targets`, not passing through writes of `reach`. */
  private fieldsOfChop(targets: Criterion[], reach: ReadonlySet<ObjId>, withControl: boolean): Map<string, InstrId> {
    if (!targets.length) return new Map();
    const { program } = this.ctx;
    const writes = this.stateWrites();
    const writesState = (id: InstrId) => writes.get(id)?.some((o) => reach.has(o)) ?? false;
    const chop = this.ctx.deps.dataChop(this.packet, targets, writesState, withControl);
    return headerFieldsIn(program, chop, (f, v) => this.tempDefs(f).get(v)?.[0]);
  }

  /** Definitions of an index variable inside its function (the statements computing it). */
  private defsOf(func: string, v: VarId): Criterion[] {
    const f = this.ctx.program.functions.get(func);
    const out: Criterion[] = [];
    if (!f) return out;
    for (const b of f.blocks) {
      for (const i of b.instrs) {
        if ('dst' in i && i.dst === v) out.push({ kind: 'instr', instr: i.id });
      }
    }
    return out;
  }

  /**
   * Variables a condition is computed from: its operands and, behind compiler
   * temporaries, what they were computed from (`curr->ip == ip` tests `curr` and `ip`).
   */
  private conditionVars(func: string, br: Branch): VarId[] {
    const { program } = this.ctx;
    const defs = this.tempDefs(func);
    const out: VarId[] = [];
    const seen = new Set<VarId>();
    const stack = br.cond.flatMap((o) => (o.kind === 'var' ? [o.var] : []));
    while (stack.length) {
      const x = stack.pop()!;
      if (seen.has(x)) continue;
      seen.add(x);
      out.push(x);
      if (program.vars[x]?.scope !== 'temp') continue;
      for (const d of defs.get(x) ?? []) stack.push(...usesOf(d));
    }
    return out;
  }

  private readonly tempDefCache = new Map<string, Map<VarId, Instr[]>>();

  private tempDefs(func: string): Map<VarId, Instr[]> {
    let m = this.tempDefCache.get(func);
    if (m) return m;
    m = definitionsIn(this.ctx.program.functions.get(func));
    for (const d of m.keys()) if (this.ctx.program.vars[d]?.scope !== 'temp') m.delete(d);
    this.tempDefCache.set(func, m);
    return m;
  }

  /** Loops whose conditions involve a pointer into `reach` or that index into it with a loop-varying subscript. */
  private walkingLoops(v: VarId, reach: ReadonlySet<ObjId>): Loop[] {
    const { program, pts } = this.ctx;
    return this.loops.filter((l) => {
      const f = program.functions.get(l.func)!;
      const condWalks = l.exits.some((br) =>
        this.conditionVars(l.func, br).some((x) => x === v || intersects(pts.pointsToVar(x), reach) !== undefined),
      );
      if (condWalks) return true;
      for (const b of l.blocks) {
        for (const i of f.blocks[b].instrs) {
          if (i.kind !== 'gep' || i.index?.kind !== 'var' || !intersects(pts.pointsToVar(i.base), reach)) continue;
          const idx = i.index.var;
          const definedInLoop = [...l.blocks].some((bb) => f.blocks[bb].instrs.some((x) => 'dst' in x && x.dst === idx));
          if (definedInLoop) return true;
        }
      }
      return false;
    });
  }

  private loopWrites(l: Loop, allReach: ReadonlySet<ObjId>): InstrId | undefined {
    const { program, pts } = this.ctx;
    const reach = new Set([...allReach].filter((o) => this.isStateObject(o)));
    const f = program.functions.get(l.func)!;
    for (const b of [...l.blocks].sort((x, y) => x - y)) {
      for (const i of f.blocks[b].instrs) {
        if (writtenObjects(pts, i).some((o) => reach.has(o))) return i.id;
        if (i.kind === 'call' || i.kind === 'icall') {
          const targets = i.kind === 'call' ? [i.callee] : pts.callGraph.calleesOf(i.id);
          if (targets.some((c) => this.ctx.program.functions.has(c) && intersects(this.ctx.deps.mod(c), reach) !== undefined)) return i.id;
        }
      }
    }
    return undefined;
  }

  /** Loops that walk a keyed variable without being selected by its flowspace (expiry sweeps, evictions). */
  private readonly sweeps = new Map<Loop, { var: string; missing: string[] }>();

  /**
   * Paper Figure 8 for every variable, then the updates a sweep makes elsewhere:
   * a keyed variable written inside a sweep of another structure (returning a
   * pool port while expiring mappings) is updated outside the packet's flowspace too.
   */
  runAll(vars: Iterable<VarId>): Map<VarId, FlowspaceResult> {
    const { program, pts } = this.ctx;
    const out = new Map<VarId, FlowspaceResult>();
    for (const v of vars) out.set(v, this.run(v));
    for (const [v, r] of out) {
      if (!r.fields.length || r.outside) continue;
      const reach = pts.reachableFromVar(v);
      for (const [l, why] of this.sweeps) {
        const w = this.loopWrites(l, reach);
        if (w === undefined) continue;
        r.outside = reasonAt(program.instrs[w],
          'outsideFlowspace',
          `updates ${program.vars[v].name} inside a sweep of ${why.var} (a loop not selected by ${why.missing.join(', ')})`,
        );
        break;
      }
    }
    return out;
  }

  run(v: VarId): FlowspaceResult {
    const { program, pts } = this.ctx;
    const result: FlowspaceResult = { fields: [], reasons: [] };
    if (!mayHoldEntries(program, program.vars[v].type)) return result;
    const reach = pts.reachableFromVar(v);
    const name = program.vars[v].name;

    // (a) a[i] and pointer arithmetic into the variable's objects.
    const indexTargets: Criterion[] = [];
    for (const id of this.perPacket) {
      const i = program.instrs[id];
      if (i.kind !== 'gep' || i.index?.kind !== 'var') continue;
      if (!intersects(pts.pointsToVar(i.base), reach)) continue;
      // The access itself (its index operand, whatever defines it: a local, a parameter) and the index's definitions.
      indexTargets.push({ kind: 'instr', instr: id }, ...this.defsOf(program.instrFunc[id], i.index.var));
    }
    // (b) conditions of loops that walk the variable's objects.
    const walking = this.walkingLoops(v, reach);
    const condTargets: Criterion[] = walking.flatMap((l) => l.conds.map((c) => ({ kind: 'instr' as const, instr: c.id })));

    // Control dependence counts here only where a guard picks the value an index or lookup
    // condition reads (a lookup helper answering through its control flow, `if (tcp) i = h(a);
    // else i = h(b);`), not where it only decides whether the access runs; calls and returns
    // are matched and earlier packets' effects are not followed (gated-reach.ts, boundaries.ts
    // say why each cut is sound). Missing a key field would be unsound (paper §4.3).
    const fields = this.fieldsOfChop([...indexTargets, ...condTargets], reach, true);
    result.fields = [...fields.keys()].sort();
    for (const [field, at] of fields) {
      result.reasons.push(reasonAt(program.instrs[at], 'flowspace', `${field} selects an entry of ${name} (chop from the packet to its index or lookup condition)`));
    }
    if (!result.fields.length) return result;

    // Updates a packet makes outside its flowspace: a walking loop that writes the
    // structure but is not selected by every flowspace field (sweeps, evictions, per-host resets).
    const need = new Set(result.fields);
    for (const l of walking) {
      const w = this.loopWrites(l, reach);
      if (w === undefined) continue;
      // A loop counts as selected by the packet only when header fields reach its
      // conditions as values; anything weaker makes it a sweep (the sound side).
      const selected = this.fieldsOfChop(l.conds.map((c) => ({ kind: 'instr' as const, instr: c.id })), reach, false);
      const missing = [...need].filter((f) => !selected.has(f));
      if (missing.length) {
        this.sweeps.set(l, { var: name, missing });
        result.outside ??= reasonAt(program.instrs[w], 'outsideFlowspace', `updates entries of ${name} in a loop not selected by ${missing.join(', ')}`);
      }
    }
    if (result.outside) return result;
    // Whole-structure writes: a library call writing the variable's own storage (memset of a table),
    // or resetting a pointer variable to a constant.
    for (const id of [...this.perPacket].sort((a, b) => a - b)) {
      const i = program.instrs[id];
      const whole =
        (i.kind === 'call' && pts.memEffects(id).writes.has(pts.objectOfVar(v)) && resolveType(program, program.vars[v].type).kind === 'array') ||
        (i.kind === 'copy' && i.dst === v && i.srcs.every((s) => s.kind === 'const'));
      if (whole) {
        result.outside = reasonAt(i, 'outsideFlowspace', `resets ${name} as a whole`);
        return result;
      }
    }
    return result;
  }
}

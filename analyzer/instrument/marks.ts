// Updated bits (paper §5.2): find every instruction that may write what an
// updateable variable reaches, then prune the ones whose bit is already set on
// every path reaching them (a must-set, all-paths dataflow analysis per CFG), and
// the ones another kept mark will set on every path before the packet ends.
import type { Func, Instr, InstrId, Program, VarId } from '../ir/types.js';
import { objectsOverlap } from '../pointer/storage.js';
import type { PointsTo } from '../pointer/types.js';

export interface MarkSite {
  instr: InstrId;
  bit: number;
}

export interface MarkPlan {
  /** Instructions that may write variable `bit`'s state, before pruning. */
  candidates: MarkSite[];
  /** Those that keep a mark after pruning. */
  kept: MarkSite[];
}

/** Instructions writing what `v` reaches: direct assignments and memory writes that intersect. */
function writesOf(program: Program, pts: PointsTo, v: VarId, scope: Iterable<InstrId>): InstrId[] {
  const reach = pts.reachableFromVar(v);
  const out: InstrId[] = [];
  for (const id of scope) {
    const i = program.instrs[id];
    if ((i.kind === 'copy' || i.kind === 'addr' || i.kind === 'gep' || i.kind === 'load') && i.dst === v) {
      out.push(id);
      continue;
    }
    if ((i.kind === 'call' || i.kind === 'icall') && i.dst === v) {
      out.push(id);
      continue;
    }
    const w = pts.memEffects(id).writes;
    for (const o of w)
      if (reach.has(o) || [...reach].some((r) => objectsOverlap(pts, o, r))) {
        out.push(id);
        break;
      }
  }
  return out;
}

/**
 * Functions whose call may end a packet (they reach a receive site): bits are
 * cleared there, so the must-set facts die across such calls.
 */
function packetEnders(program: Program, pts: PointsTo, recvInstrs: InstrId[]): Set<string> {
  const enders = new Set<string>(recvInstrs.map((i) => program.instrFunc[i]));
  // Another thread may end a packet (clearing the bits) while this one blocks.
  for (const i of program.instrs)
    if (i.kind === 'call' && SYNC_WAITS.has(i.callee)) enders.add(program.instrFunc[i.id]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const f of enders)
      for (const c of pts.callGraph.callersOf(f)) {
        const g = program.instrFunc[c];
        if (g !== undefined && !enders.has(g)) {
          enders.add(g);
          changed = true;
        }
      }
  }
  return enders;
}

/** Calls where a thread may block while another ends a packet. */
export const SYNC_WAITS = new Set([
  'pthread_cond_wait', 'pthread_cond_timedwait', 'pthread_mutex_lock', 'pthread_rwlock_rdlock',
  'pthread_rwlock_wrlock', 'pthread_barrier_wait', 'pthread_join', 'sem_wait', 'sem_timedwait',
]);

/** Must-set analysis over one function: IN[b] = ∩ OUT[preds]; entry = ∅. */
function pruneInFunc(
  program: Program,
  pts: PointsTo,
  f: Func,
  writes: Map<InstrId, number[]>,
  nbits: number,
  kills: (i: Instr) => boolean,
): Set<string> {
  const full = () => new Uint8Array(nbits).fill(1);
  const outB = f.blocks.map(() => full());
  const transfer = (b: number, set: Uint8Array, onInstr?: (i: Instr, s: Uint8Array) => void) => {
    for (const i of f.blocks[b].instrs) {
      onInstr?.(i, set);
      if (kills(i)) set.fill(0);
      for (const k of writes.get(i.id) ?? []) set[k] = 1;
    }
  };
  const inOf = (b: number) => {
    if (b === f.entry) return new Uint8Array(nbits);
    const preds = f.blocks[b].preds;
    if (preds.length === 0) return new Uint8Array(nbits);
    const s = full();
    for (const p of preds) for (let k = 0; k < nbits; k++) s[k] &= outB[p][k];
    return s;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const blk of f.blocks) {
      const s = inOf(blk.id);
      transfer(blk.id, s);
      if (s.some((x, k) => x !== outB[blk.id][k])) {
        outB[blk.id] = s;
        changed = true;
      }
    }
  }
  const kept = new Set<string>();
  for (const blk of f.blocks) {
    const s = inOf(blk.id);
    transfer(blk.id, s, (i, cur) => {
      for (const k of writes.get(i.id) ?? []) if (!cur[k]) kept.add(`${i.id}:${k}`);
    });
  }
  void program;
  void pts;
  return kept;
}

/**
 * The second pruning: a bit is read only when the packet ends, so a mark is also redundant
 * when, on every path from its statement to the next packet end, another kept mark sets
 * the same bit (an all-paths "anticipated" analysis, backwards and across calls: a callee's
 * marks count for its callers, and a function's exit inherits what every return site
 * anticipates). synblock's mark in copy_packet, whose callers all enqueue the copy right
 * after, is the case that matters: that one store kept gcc from inlining copy_packet.
 *
 * Marks are removed one at a time, each tested against the marks still kept without
 * itself, so every packet that executes a write still executes a mark of its bit: after a
 * removed mark's last occurrence in a packet another kept mark follows before the end.
 */
class Anticipation {
  private readonly funcs: Func[];
  private readonly index = new Map<string, number>();
  /** Per function: its call sites, or null when its exit may be followed by a packet end (a callback, a thread, a root). */
  private readonly returnSites: (InstrId[] | null)[];
  private readonly killAt: Set<InstrId>;
  private readonly calleesAt = new Map<InstrId, number[] | null>();
  /** Functions calling each function through a call that may set bits (all callees defined). */
  private readonly calledBy: Set<number>[];

  constructor(private readonly program: Program, pts: PointsTo, kills: (i: Instr) => boolean) {
    this.funcs = [...program.functions.values()];
    this.funcs.forEach((f, k) => this.index.set(f.key, k));
    this.killAt = new Set(program.instrs.filter((i) => kills(i)).map((i) => i.id));
    for (const i of program.instrs) {
      if (i.kind !== 'call' && i.kind !== 'icall') continue;
      const cs = pts.callGraph.calleesOf(i.id);
      // a call helps only when every callee is defined (a library call sets no bit)
      const ks = cs.map((c) => this.index.get(c));
      this.calleesAt.set(i.id, cs.length > 0 && ks.every((k) => k !== undefined) ? (ks as number[]) : null);
    }
    this.calledBy = this.funcs.map(() => new Set<number>());
    for (const [i, ks] of this.calleesAt) {
      const from = this.index.get(program.instrFunc[i]);
      if (ks && from !== undefined) for (const k of ks) this.calledBy[k].add(from);
    }
    this.returnSites = this.funcs.map((f) => {
      const callers = pts.callGraph.callersOf(f.key);
      if (callers.length === 0) return null; // main, or reached only from outside
      for (const c of callers) if (pts.callGraph.callbacksOf(c).includes(f.key)) return null; // the library calls it
      return [...callers];
    });
  }

  /** Is bit set on every path from just after `at` to the next packet end, by marks at `marks`? */
  anticipatedAfter(at: InstrId, marks: ReadonlySet<InstrId>): boolean {
    const through = this.through(marks);
    // only `at`'s function and the functions its exit returns into (transitively) matter
    const g = this.index.get(this.program.instrFunc[at])!;
    const anc = [g];
    const inAnc = new Set(anc);
    for (let j = 0; j < anc.length; j++)
      for (const c of this.returnSites[anc[j]] ?? []) {
        const k = this.index.get(this.program.instrFunc[c]);
        if (k !== undefined && !inAnc.has(k)) { inAnc.add(k); anc.push(k); }
      }
    // atExit[f]: every return site of f anticipates the bit
    const atExit = new Map(anc.map((k) => [k, 0]));
    const after = new Map<InstrId, number>();
    for (let changed = true; changed; ) {
      changed = false;
      for (const k of anc) this.solve(this.funcs[k], marks, through, atExit.get(k)!, after);
      for (const k of anc) {
        const r = this.returnSites[k];
        if (atExit.get(k) === 1 || r === null) continue;
        if (r.every((c) => after.get(c) === 1)) { atExit.set(k, 1); changed = true; }
      }
    }
    return after.get(at) === 1;
  }

  /** through[f] = 1: every path through f from entry to exit sets the bit before any packet end. */
  private through(marks: ReadonlySet<InstrId>): Uint8Array {
    const through = new Uint8Array(this.funcs.length);
    // only functions that hold a mark or call one that does can set the bit; the rest stay 0
    const rel: number[] = [];
    const inRel = new Set<number>();
    for (const i of marks) {
      const k = this.index.get(this.program.instrFunc[i]);
      if (k !== undefined && !inRel.has(k)) { inRel.add(k); rel.push(k); }
    }
    for (let j = 0; j < rel.length; j++)
      for (const c of this.calledBy[rel[j]]) if (!inRel.has(c)) { inRel.add(c); rel.push(c); }
    for (let changed = true; changed; ) {
      changed = false;
      for (const k of rel) {
        const v = this.solve(this.funcs[k], marks, through, 0);
        if (v !== through[k]) { through[k] = v; changed = true; }
      }
    }
    return through;
  }

  /**
   * Backward all-paths analysis over one CFG: the value at entry; `after` gets the value just
   * after each instruction. Least fixpoints throughout (here, for function summaries and for
   * exits): a path that loops forever without a mark proves nothing, since with threads
   * another thread may end the packet while it runs.
   */
  private solve(f: Func, marks: ReadonlySet<InstrId>, through: Uint8Array, exitValue: number, after?: Map<InstrId, number>): number {
    const inB = new Uint8Array(f.blocks.length);
    const outOf = (b: number): number => {
      if (b === f.exit) return exitValue;
      const succs = f.blocks[b].succs;
      if (succs.length === 0) return 0; // a dead end (noreturn): no later mark
      for (const s of succs) if (!inB[s]) return 0;
      return 1;
    };
    const transfer = (b: number, record?: Map<InstrId, number>): number => {
      let v = outOf(b);
      const ins = f.blocks[b].instrs;
      for (let j = ins.length - 1; j >= 0; j--) {
        const i = ins[j];
        record?.set(i.id, v);
        let sets = 0;
        const ks = this.calleesAt.get(i.id);
        if (ks) sets = ks.every((k) => through[k] === 1) ? 1 : 0;
        v = marks.has(i.id) ? 1 : this.killAt.has(i.id) ? 0 : v || sets;
      }
      return v;
    };
    for (let changed = true; changed; ) {
      changed = false;
      for (let b = f.blocks.length - 1; b >= 0; b--) {
        const v = transfer(b);
        if (v !== inB[b]) { inB[b] = v; changed = true; }
      }
    }
    if (after) for (let b = 0; b < f.blocks.length; b++) transfer(b, after);
    return inB[f.entry];
  }
}

/** Removes kept marks that other kept marks of the same bit make redundant (see Anticipation). */
function pruneAnticipated(program: Program, pts: PointsTo, kept: MarkSite[], kills: (i: Instr) => boolean): MarkSite[] {
  const ant = new Anticipation(program, pts, kills);
  const byBit = new Map<number, Set<InstrId>>();
  for (const m of kept) (byBit.get(m.bit) ?? byBit.set(m.bit, new Set()).get(m.bit)!).add(m.instr);
  const removed = new Set<string>();
  for (const m of [...kept].sort((a, b) => a.instr - b.instr || a.bit - b.bit)) {
    const marks = byBit.get(m.bit)!;
    // a mark at a packet end (a blocking call that writes, a receive) stays: write and end are one call
    if (marks.size < 2 || kills(program.instrs[m.instr])) continue;
    marks.delete(m.instr);
    if (ant.anticipatedAfter(m.instr, marks)) removed.add(`${m.instr}:${m.bit}`);
    else marks.add(m.instr);
  }
  return kept.filter((m) => !removed.has(`${m.instr}:${m.bit}`));
}

export interface MarkOptions {
  /**
   * Bits whose variable has nothing to transfer (a per-process resource the serializer
   * encodes as nil, such as a pthread mutex or condition variable): a mark would set a bit
   * no export reads, and in synblock these were half the marks executed per packet.
   */
  unmarked?: ReadonlySet<number>;
  /** Also drop marks a later kept mark makes redundant before the packet ends (default true). */
  anticipate?: boolean;
}

/** Plans the marks for the updateable variables `vars` (bit = index). */
export function planMarks(
  program: Program,
  pts: PointsTo,
  vars: VarId[],
  recvInstrs: InstrId[],
  opts: MarkOptions = {},
): MarkPlan {
  const all = program.instrs.map((i) => i.id).filter((id) => program.instrFunc[id] !== '<global-init>');
  const byInstr = new Map<InstrId, number[]>();
  const candidates: MarkSite[] = [];
  vars.forEach((v, bit) => {
    if (opts.unmarked?.has(bit)) return;
    for (const id of writesOf(program, pts, v, all)) {
      candidates.push({ instr: id, bit });
      const l = byInstr.get(id) ?? [];
      l.push(bit);
      byInstr.set(id, l);
    }
  });
  const enders = packetEnders(program, pts, recvInstrs);
  const recv = new Set(recvInstrs);
  const kills = (i: Instr) =>
    recv.has(i.id) ||
    (i.kind === 'call' && SYNC_WAITS.has(i.callee)) ||
    ((i.kind === 'call' || i.kind === 'icall') && pts.callGraph.calleesOf(i.id).some((c) => enders.has(c)));
  const keptKeys = new Set<string>();
  for (const f of program.functions.values())
    for (const k of pruneInFunc(program, pts, f, byInstr, Math.max(1, vars.length), kills)) keptKeys.add(k);
  const mustSet = candidates.filter((c) => keptKeys.has(`${c.instr}:${c.bit}`));
  const kept = opts.anticipate === false ? mustSet : pruneAnticipated(program, pts, mustSet, kills);
  return { candidates, kept };
}

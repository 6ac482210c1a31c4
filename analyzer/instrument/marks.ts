// Updated bits (paper §5.2): find every instruction that may write what an
// updateable variable reaches, then prune the ones whose bit is already set on
// every path reaching them (a must-set, all-paths dataflow analysis per CFG).
import type { Func, Instr, InstrId, Program, VarId } from '../ir/types.js';
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
  const overlaps = pts.overlaps?.bind(pts);
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
      if (reach.has(o) || (overlaps && [...reach].some((r) => overlaps(o, r)))) {
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

export interface MarkOptions {
  /**
   * Bits whose variable has nothing to transfer (a per-process resource the serializer
   * encodes as nil, such as a pthread mutex or condition variable): a mark would set a bit
   * no export reads, and in synblock these were half the marks executed per packet.
   */
  unmarked?: ReadonlySet<number>;
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
  const kept = candidates.filter((c) => keptKeys.has(`${c.instr}:${c.bit}`));
  return { candidates, kept };
}

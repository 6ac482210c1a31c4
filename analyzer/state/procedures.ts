// Stages 1–2 (paper Figures 4 and 5, first half): packet-receive sites, loop procedures,
// persistent variables, and packet-processing procedures by forward slicing from every receive.
import type { Call, ICall, InstrId, Program, VarId } from '../ir/types.js';
import { reachable } from '../graph/index.js';
import type { RecvEntry } from './catalogs.js';
import { blocksInCycles, type Criterion, type StageContext } from './context.js';

export interface RecvSiteInfo {
  instr: InstrId;
  func: string;
  callee: string;
  entry: RecvEntry;
}

/** Callees of a call instruction: the direct name, or every target the pointer analysis resolved. */
function calleesOf(ctx: StageContext, instr: Call | ICall): readonly string[] {
  return instr.kind === 'call' ? [instr.callee] : ctx.pts.callGraph.calleesOf(instr.id);
}

export function findRecvSites(ctx: StageContext): RecvSiteInfo[] {
  const byName = new Map(ctx.catalogs.recv.map((r) => [r.name, r]));
  const sites: RecvSiteInfo[] = [];
  for (const [key, f] of ctx.program.functions) {
    for (const b of f.blocks) {
      for (const instr of b.instrs) {
        if (instr.kind !== 'call' && instr.kind !== 'icall') continue;
        for (const callee of calleesOf(ctx, instr)) {
          // A program may define its own function named like a library one; then it is not the library's.
          const entry = byName.get(callee);
          if (entry && !ctx.program.functions.has(callee)) sites.push({ instr: instr.id, func: key, callee, entry });
        }
      }
    }
  }
  return sites;
}

/** Blocks on a cycle, per function, computed once. */
export class LoopInfo {
  private readonly cache = new Map<string, Set<number>>();
  constructor(private readonly program: Program) {}

  cycleBlocks(func: string): Set<number> {
    let s = this.cache.get(func);
    if (!s) {
      const f = this.program.functions.get(func);
      s = f ? blocksInCycles(f) : new Set();
      this.cache.set(func, s);
    }
    return s;
  }

  blockOf(instr: InstrId): number {
    const f = this.program.functions.get(this.program.instrFunc[instr]);
    if (!f) return -1;
    for (const b of f.blocks) if (b.instrs.some((i) => i.id === instr)) return b.id;
    return -1;
  }

  inLoop(instr: InstrId): boolean {
    return this.cycleBlocks(this.program.instrFunc[instr]).has(this.blockOf(instr));
  }
}

/**
 * The procedure holding the packet-processing loop for each receive site: the
 * site's own procedure when the call sits on a CFG cycle or is pcap_loop-like
 * (the loop is in the library), else the nearest caller that calls it from a loop.
 */
export function findLoopProcs(ctx: StageContext, sites: RecvSiteInfo[], loops: LoopInfo): string[] {
  const found = new Set<string>();
  for (const site of sites) {
    const isCallbackLoop = site.entry.sources.some((s) => s.kind === 'callback');
    if (isCallbackLoop || loops.inLoop(site.instr)) {
      found.add(site.func);
      continue;
    }
    const seen = new Set<string>([site.func]);
    let frontier = [site.func];
    let hit = false;
    while (frontier.length && !hit) {
      const next: string[] = [];
      for (const f of frontier) {
        for (const callSite of ctx.pts.callGraph.callersOf(f)) {
          const caller = ctx.program.instrFunc[callSite];
          if (loops.inLoop(callSite)) {
            found.add(caller);
            hit = true;
          } else if (!seen.has(caller)) {
            seen.add(caller);
            next.push(caller);
          }
        }
      }
      frontier = next;
    }
    if (!hit) found.add(site.func);
  }
  return [...found].sort();
}

/** Paper Figure 4: globals, statics, and the locals and formals of the loop procedures. */
export function persistentVars(program: Program, loopProcs: string[]): VarId[] {
  const loop = new Set(loopProcs);
  return program.vars
    .filter(
      (v) =>
        v.scope === 'global' ||
        v.scope === 'static' ||
        ((v.scope === 'local' || v.scope === 'param') && v.function !== undefined && loop.has(v.function)),
    )
    .map((v) => v.id);
}

/** Slicing criteria for the packets the receive sites deliver (the call's results, or the callback's packet formals). */
export function packetCriteria(ctx: StageContext, sites: RecvSiteInfo[]): { criteria: Criterion[]; callbacks: string[] } {
  const criteria: Criterion[] = [];
  const callbacks = new Set<string>();
  for (const site of sites) {
    for (const src of site.entry.sources) {
      if (src.kind === 'callback') {
        for (const cb of ctx.pts.callGraph.callbacksOf(site.instr)) {
          if (!ctx.program.functions.has(cb)) continue;
          callbacks.add(cb);
          for (const index of src.params) criteria.push({ kind: 'param', func: cb, index });
        }
      } else {
        criteria.push({ kind: 'instr', instr: site.instr });
      }
    }
  }
  return { criteria: dedupe(criteria), callbacks: [...callbacks].sort() };
}

function dedupe(cs: Criterion[]): Criterion[] {
  const seen = new Set<string>();
  return cs.filter((c) => {
    const k = c.kind === 'instr' ? `i${c.instr}` : `p${c.func}/${c.index}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * The statements that run per packet. Paper Figure 5 takes every statement of
 * every procedure in the forward slice of the receive. Three refinements, all
 * sound for per-packet updates: in a loop procedure only the loop around the
 * receive counts (what runs before or after it runs once); callers of a loop
 * procedure reached only by its return (main after the loop) are not per
 * packet; and procedures called from per-packet statements are per packet too,
 * even when no packet data reaches them (a `stats_tick()` in the loop is
 * invisible to a slice but runs per packet).
 */
export interface PacketCode {
  pktProcs: string[];
  /** Per-packet statements: where updates count (paper Figure 7). */
  instrs: Set<InstrId>;
  /** Statements whose variables are top-level (Figure 5): per-packet ones and all of each loop procedure. */
  topLevelInstrs: Set<InstrId>;
  /** The forward slice from the packet. */
  slice: ReadonlySet<InstrId>;
}

/** The given functions and every function that (transitively) calls one of them. */
function callersClosure(ctx: StageContext, funcs: string[]): Set<string> {
  const out = new Set(funcs);
  const work = [...funcs];
  while (work.length) {
    for (const site of ctx.pts.callGraph.callersOf(work.pop()!)) {
      const caller = ctx.program.instrFunc[site];
      if (!out.has(caller)) (out.add(caller), work.push(caller));
    }
  }
  return out;
}

/** Functions that (transitively) call a loop procedure: they run around the loop, not in it. */
function loopAncestors(ctx: StageContext, loopProcs: string[]): Set<string> {
  const out = callersClosure(ctx, loopProcs);
  for (const l of loopProcs) out.delete(l);
  return out;
}

/**
 * Code that runs around the packet loop rather than in it: the loop procedures'
 * callers, and procedures called only from there or from a loop procedure outside
 * its loop body (setup before, teardown after the loop). A procedure such code starts as a thread or handler stays in: it
 * may run concurrently with the loop.
 */
function aroundTheLoop(ctx: StageContext, loopProcs: string[], outsideLoopBody: (site: InstrId) => boolean): Set<string> {
  const { program, pts } = ctx;
  const around = loopAncestors(ctx, loopProcs);
  const loops = new Set(loopProcs);
  for (let changed = true; changed; ) {
    changed = false;
    for (const f of program.functions.keys()) {
      if (around.has(f) || loops.has(f)) continue;
      const sites = pts.callGraph.callersOf(f);
      const onlyAround =
        sites.length > 0 &&
        sites.every(
          (site) =>
            (around.has(program.instrFunc[site]) || outsideLoopBody(site)) && !pts.callGraph.callbacksOf(site).includes(f),
        );
      if (onlyAround) {
        around.add(f);
        changed = true;
      }
    }
  }
  return around;
}

export function packetCode(
  ctx: StageContext,
  sites: RecvSiteInfo[],
  loopProcs: string[],
  loops: LoopInfo,
  criteria: Criterion[],
  callbacks: string[],
): PacketCode {
  const { program } = ctx;
  const slice = ctx.deps.forward(criteria);
  const loopSet = new Set(loopProcs);
  // A pcap_loop-style call returns once, after the last packet: its result is not per packet.
  const onceCalls = new Set(
    sites.filter((s) => s.entry.sources.some((x) => x.kind === 'callback') && !loops.inLoop(s.instr)).map((s) => s.instr),
  );
  // The loop body of each loop procedure (none for pcap_loop-style sites: the loop is in the library).
  const siteBlocks = new Map<string, Set<number>>(loopProcs.map((l) => [l, new Set<number>()]));
  for (const s of sites) if (!onceCalls.has(s.instr)) siteBlocks.get(s.func)?.add(loops.blockOf(s.instr));
  // A loop procedure that receives through a helper (`pkt = next_packet()` in its loop):
  // the loop is around the calls, on a cycle, that lead to a receive.
  const leadsToRecv = callersClosure(ctx, sites.filter((s) => !onceCalls.has(s.instr)).map((s) => s.func));
  for (const [l, seeds] of siteBlocks) {
    if (seeds.size) continue;
    for (const b of program.functions.get(l)?.blocks ?? []) {
      for (const i of b.instrs) {
        if ((i.kind === 'call' || i.kind === 'icall') && loops.inLoop(i.id) && calleesOf(ctx, i).some((c) => leadsToRecv.has(c))) seeds.add(b.id);
      }
    }
  }
  const loopBody = new Map<string, Set<number>>();
  for (const [key, seeds] of siteBlocks) {
    const f = program.functions.get(key);
    if (f) loopBody.set(key, loopBodyBlocks(f.blocks.length, (b) => f.blocks[b].succs, seeds, loops.cycleBlocks(key)));
  }
  const around = aroundTheLoop(ctx, loopProcs, (site) => {
    const body = loopBody.get(program.instrFunc[site]);
    return body !== undefined && !body.has(loops.blockOf(site));
  });
  const procs = new Set<string>(callbacks);
  for (const i of slice) if (!around.has(program.instrFunc[i])) procs.add(program.instrFunc[i]);
  for (const s of sites) procs.add(s.func);
  const instrs = new Set<InstrId>();
  const work = [...procs];
  const addProc = (f: string) => {
    if (!procs.has(f) && program.functions.has(f)) {
      procs.add(f);
      work.push(f);
    }
  };
  while (work.length) {
    const key = work.pop()!;
    const f = program.functions.get(key);
    if (!f) continue;
    const loopBlocks = loopSet.has(key) && !callbacks.includes(key) ? loopBody.get(key) : undefined;
    for (const b of f.blocks) {
      if (loopBlocks && !loopBlocks.has(b.id)) continue;
      for (const instr of b.instrs) {
        if (instr.kind === 'call' || instr.kind === 'icall') {
          for (const cb of ctx.pts.callGraph.callbacksOf(instr.id)) addProc(cb);
          if (onceCalls.has(instr.id)) continue;
          for (const callee of calleesOf(ctx, instr)) addProc(callee);
        }
        instrs.add(instr.id);
      }
    }
  }
  const topLevelInstrs = new Set(instrs);
  for (const l of loopSet) {
    for (const b of program.functions.get(l)?.blocks ?? []) for (const i of b.instrs) topLevelInstrs.add(i.id);
  }
  return { pktProcs: [...procs].sort(), instrs, topLevelInstrs, slice };
}
/** Cycle blocks in the same strongly connected region as the receive blocks (the packet loop body). */
function loopBodyBlocks(n: number, succs: (b: number) => number[], seeds: Set<number>, cycle: Set<number>): Set<number> {
  const body = new Set<number>();
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (let b = 0; b < n; b++) for (const s of succs(b)) preds[s].push(b);
  for (const seed of seeds) {
    body.add(seed);
    if (!cycle.has(seed)) continue;
    // Blocks reachable from the seed that reach it back: its SCC.
    const fwd = reachable({ size: n, succs }, [seed]);
    const bwd = reachable({ size: n, succs: (b) => preds[b] }, [seed]);
    for (let b = 0; b < n; b++) if (fwd[b] && bwd[b]) body.add(b);
  }
  return body;
}

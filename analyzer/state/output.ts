// Stage 6 (paper §5.1, Appendix A): updateable variables in the backward slice of a
// packet-output or log-output call, read directly or through memory they reach.
import type { InstrId, VarId } from '../ir/types.js';
import type { ObjId } from '../pointer/types.js';
import { intersects, varsOf, type StageContext } from './context.js';
import type { Reason } from './types.js';
import { reasonAt } from './variables.js';

export interface OutputSites {
  pkt: InstrId[];
  log: InstrId[];
}

/**
 * Every output call in the program, not only those in packet-processing procedures
 * (paper §5.1): a summary line printed at teardown reads state the packets built,
 * so a standby that lacks it would print something else.
 */
export function findOutputSites(ctx: StageContext): OutputSites {
  const pktOut = new Set(ctx.catalogs.pktOut);
  const logOut = new Set(ctx.catalogs.logOut);
  const out: OutputSites = { pkt: [], log: [] };
  for (const i of ctx.program.instrs) {
    const id = i.id;
    if (i.kind !== 'call' && i.kind !== 'icall') continue;
    const callees = i.kind === 'call' ? [i.callee] : ctx.pts.callGraph.calleesOf(id);
    for (const c of callees) {
      if (ctx.program.functions.has(c)) continue;
      if (pktOut.has(c)) out.pkt.push(id);
      if (logOut.has(c)) out.log.push(id);
    }
  }
  return out;
}

/**
 * Variables whose values may affect the given output calls: each statement in the
 * backward slice that mentions the variable or reads memory it reaches.
 */
export function outputImpacting(
  ctx: StageContext,
  sites: InstrId[],
  updateable: Iterable<VarId>,
  verdict: 'pktOutput' | 'logOutput',
  perPacket: ReadonlySet<InstrId>,
): Map<VarId, Reason> {
  const found = new Map<VarId, Reason>();
  if (!sites.length) return found;
  const { program, pts } = ctx;
  // Per-packet statements first, so a reason points at packet code rather than an initializer.
  const order = (i: InstrId) => (perPacket.has(i) ? 0 : 1);
  const slice = [...ctx.deps.backward(sites.map((instr) => ({ kind: 'instr' as const, instr })))].sort(
    (a, b) => order(a) - order(b) || a - b,
  );
  const mentions = new Map<VarId, InstrId>();
  const reads = new Map<ObjId, InstrId>();
  for (const id of slice) {
    for (const v of varsOf(program.instrs[id])) if (!mentions.has(v)) mentions.set(v, id);
    for (const o of pts.memEffects(id).reads) if (!reads.has(o)) reads.set(o, id);
  }
  const kind = verdict === 'pktOutput' ? 'packet output' : 'log output';
  const readSet = new Set(reads.keys());
  for (const v of updateable) {
    const name = program.vars[v].name;
    const m = mentions.get(v);
    if (m !== undefined) {
      found.set(v, reasonAt(program.instrs[m], verdict, `uses ${name}, in the backward slice of ${kind}`));
      continue;
    }
    const o = intersects(pts.reachableFromVar(v), readSet);
    if (o !== undefined) {
      found.set(v, reasonAt(program.instrs[reads.get(o)!], verdict, `reads ${pts.objects[o].name}, reachable from ${name}, in the backward slice of ${kind}`));
    }
  }
  return found;
}

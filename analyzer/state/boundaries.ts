// Packet boundaries for the flowspace chop: value-flow edges that carry what one packet left
// behind into the processing of a later packet (around the receive loop, or from one callback
// invocation of pcap_loop/pcap_dispatch to the next). A flowspace names fields of the packet
// being processed (paper §4.3), so its chop does not cross them.
import type { InstrId } from '../ir/types.js';
import { onCycle, tarjanScc } from '../graph/index.js';
import type { Sdg, VertexId } from '../sdg/index.js';
import type { Criterion } from './context.js';
import { CONTROL, PLAIN, type FlowGraph } from './flowgraph.js';
import type { Place, Places } from './places.js';

/** Receives named by the packet criteria: receive calls, and the registrars of packet callbacks. */
function receives(sdg: Sdg, from: Criterion[]): { calls: InstrId[]; registrars: Set<InstrId> } {
  const cg = sdg.pts.callGraph;
  const calls: InstrId[] = [];
  const registrars = new Set<InstrId>();
  for (const c of from) {
    if (c.kind === 'instr') calls.push(c.instr);
    else for (const site of cg.callersOf(c.func)) if (cg.callbacksOf(site).includes(c.func)) registrars.add(site);
  }
  return { calls, registrars };
}

/**
 * Does every CFG path from `d` to `u` (one procedure) pass through one of the receives at
 * `recv` (positions per block)? Then the value flows into a later packet's processing.
 */
function onlyThroughReceive(places: Places, sdg: Sdg, d: Place, u: Place, recv: Map<number, number[]>): boolean {
  const f = sdg.program.functions.get(d.func);
  if (!f) return false;
  // Scanning block `b` from position `after` (exclusive): reached u, stopped at a receive, or ran through.
  const scan = (b: number, after: number): 'u' | 'stop' | 'through' => {
    const rs = (recv.get(b) ?? []).filter((p) => p > after);
    const firstR = rs.length ? Math.min(...rs) : Infinity;
    if (u.block === b && u.pos > after && u.pos < firstR) return 'u';
    return firstR < Infinity ? 'stop' : 'through';
  };
  const first = scan(d.block, d.pos);
  if (first === 'u') return false;
  if (first === 'stop') return true;
  const seen = new Set<number>();
  const stack = [...f.blocks[d.block].succs];
  while (stack.length) {
    const b = stack.pop()!;
    if (seen.has(b)) continue;
    seen.add(b);
    const r = scan(b, -Infinity);
    if (r === 'u') return false;
    if (r === 'through') stack.push(...f.blocks[b].succs);
  }
  return true;
}

/**
 * Edge mask over a backward FlowGraph: 1 where the data edge crosses a packet boundary.
 * (A) a registrar's actual-out feeding its own actual-in (the next callback invocation), or
 *     code that never runs the registrar again (teardown after pcap_loop returns, or after
 *     the loop around pcap_dispatch ends): no packet is being processed there, so per-packet
 *     code it calls (an expiry sweep run once more at shutdown) selects nothing for a packet;
 * (B) a data edge inside the procedure of a receive call along which every path passes
 *     the receive again. Sound for flowspace: a path from packet n's receive to packet n's
 *     access never needs either; crossing one reaches packet n+1's accesses instead.
 */
export function packetBoundaries(sdg: Sdg, g: FlowGraph, places: Places, from: Criterion[]): Uint8Array {
  const mask = new Uint8Array(g.target.length);
  const { calls, registrars } = receives(sdg, from);
  const recvByFunc = new Map<string, Map<number, number[]>>();
  for (const id of calls) {
    const v = sdg.vertexOfInstr(id);
    const p = v === undefined ? undefined : places.placeOf(v);
    if (!p) continue;
    const m = recvByFunc.get(p.func) ?? new Map<number, number[]>();
    m.set(p.block, [...(m.get(p.block) ?? []), p.pos]);
    recvByFunc.set(p.func, m);
  }
  if (!registrars.size && !recvByFunc.size) return mask;
  // Blocks that can run a registrar again after it returns (its CFG cycle), per registrar.
  const again = new Map<InstrId, Set<number>>();
  for (const site of registrars) {
    const v = sdg.vertexOfInstr(site);
    const p = v === undefined ? undefined : places.placeOf(v);
    const f = p && sdg.program.functions.get(p.func);
    if (!p || !f) continue;
    const g = { size: f.blocks.length, succs: (n: number) => f.blocks[n].succs };
    const scc = tarjanScc(g);
    const comp = scc.components[scc.componentOf[p.block]!]!;
    again.set(site, onCycle(g, scc, p.block) ? new Set(comp) : new Set());
  }
  for (let u = 0; u < g.start.length - 1; u++) {
    const vu = sdg.vertices[u];
    const inRecvFunc = recvByFunc.has(vu.func);
    const atRegistrar = vu.kind === 'actual-in' && vu.instr !== undefined && registrars.has(vu.instr);
    for (let k = g.start[u]; k < g.start[u + 1]; k++) {
      if (g.kind[k] === CONTROL || g.call[k] !== PLAIN) continue;
      const w: VertexId = g.target[k];
      const vw = sdg.vertices[w];
      if (vw.kind === 'actual-out' && vw.instr !== undefined && registrars.has(vw.instr)) {
        const loop = again.get(vw.instr);
        const pu0 = places.placeOf(u);
        if ((atRegistrar && vw.instr === vu.instr) || (loop && pu0 && (pu0.func !== vw.func || !loop.has(pu0.block)))) {
          mask[k] = 1;
          continue;
        }
      }
      if (!inRecvFunc || vw.func !== vu.func || vw.kind === 'formal-in' || vu.kind === 'formal-out') continue;
      const pw = places.placeOf(w);
      const pu = places.placeOf(u);
      if (pw && pu && onlyThroughReceive(places, sdg, pw, pu, recvByFunc.get(vu.func)!)) mask[k] = 1;
    }
  }
  return mask;
}

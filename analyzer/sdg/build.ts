// Builds the system dependence graph of a whole Program under a PointsTo:
// vertices, control dependence, data dependence, call/param edges (calls,
// indirect calls to every target, library callbacks), interference for
// concurrently started callbacks, and summary edges.
import { Digraph, reachable } from '../graph/index.js';
import type { Func, Instr, InstrId, Program, SourceLoc } from '../ir/types.js';
import type { ObjId, PointsTo } from '../pointer/types.js';
import { blockControl } from './cfg.js';
import { type Event, type EventContext, RET_LOC, type SiteVertices, blockEvents } from './events.js';
import { allFunctions, computeModRef } from './modref.js';
import { reachingDefinitions } from './reaching.js';
import { addSummaryEdges } from './summary.js';
import {
  DEFAULT_SYNC_CALLBACK_LIBS,
  EDGE_KINDS,
  type EdgeKind,
  type Sdg,
  type SdgOptions,
  type Slot,
  type Vertex,
  type VertexId,
  type VertexKind,
  slotKey,
} from './types.js';

const sortNum = (s: Iterable<number>) => [...s].sort((a, b) => a - b);

export function buildSdg(program: Program, pts: PointsTo, options: SdgOptions = {}): Sdg {
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  let tPhase = t0;
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = now - tPhase;
    tPhase = now;
  };
  const syncLibs = new Set(options.synchronousCallbackLibs ?? DEFAULT_SYNC_CALLBACK_LIBS);
  const modref = computeModRef(program, pts);
  const funcs = allFunctions(program);
  const funcByKey = new Map(funcs.map((f) => [f.key, f]));
  const graph = new Digraph<EdgeKind>();
  const vertices: Vertex[] = [];
  // Edges already present, per source vertex with many out-edges, as target * 8 + kind index (no
  // string keys: summary edges run to millions on large programs); a few out-edges are just scanned,
  // so most vertices need no set at all.
  const edgeSeen: Set<number>[] = [];
  const SCAN_LIMIT = 16;
  const kindIndex = new Map(EDGE_KINDS.map((k, i) => [k, i]));
  const byKind = Object.fromEntries(EDGE_KINDS.map((k) => [k, 0])) as Record<EdgeKind, number>;

  const addVertex = (kind: VertexKind, func: string, instr?: InstrId, slot?: Slot): VertexId => {
    const id = graph.addNode();
    const v: Vertex = { id, kind, func };
    if (instr !== undefined) v.instr = instr;
    if (slot !== undefined) v.slot = slot;
    vertices.push(v);
    return id;
  };
  const addEdge = (from: VertexId, to: VertexId, kind: EdgeKind): boolean => {
    const key = to * 8 + kindIndex.get(kind)!;
    let seen = edgeSeen[from];
    if (!seen) {
      const outs = graph.outEdges(from);
      if (outs.length < SCAN_LIMIT) {
        if (outs.some((e) => e.to === to && e.label === kind)) return false;
      } else {
        seen = edgeSeen[from] = new Set(outs.map((e) => e.to * 8 + kindIndex.get(e.label)!));
      }
    }
    if (seen) {
      if (seen.has(key)) return false;
      seen.add(key);
    }
    graph.addEdge(from, to, kind);
    byKind[kind]++;
    return true;
  };

  phase('modref');
  // ------------------------------------------------------------ vertices
  const entry = new Map<string, VertexId>();
  const formalIn = new Map<string, Map<string, VertexId>>();
  const formalOut = new Map<string, Map<string, VertexId>>();
  const instrVertex = new Map<InstrId, VertexId>();
  const sites = new Map<InstrId, SiteVertices>();

  for (const f of funcs) {
    entry.set(f.key, addVertex('entry', f.key));
    const fin = new Map<string, VertexId>();
    const fout = new Map<string, VertexId>();
    f.params.forEach((_, i) => fin.set('p' + i, addVertex('formal-in', f.key, undefined, { kind: 'param', index: i })));
    const mod = modref.mod.get(f.key)!;
    const ref = modref.ref.get(f.key)!;
    const refIn = [...ref].filter((o) => modref.mayBeDefined(o));
    for (const o of sortNum(new Set([...refIn, ...mod]))) fin.set('o' + o, addVertex('formal-in', f.key, undefined, { kind: 'loc', obj: o }));
    if (f.blocks.some((b) => b.instrs.some((i) => i.kind === 'ret' && i.value !== undefined)))
      fout.set('ret', addVertex('formal-out', f.key, undefined, { kind: 'ret' }));
    for (const o of sortNum(mod)) fout.set('o' + o, addVertex('formal-out', f.key, undefined, { kind: 'loc', obj: o }));
    formalIn.set(f.key, fin);
    formalOut.set(f.key, fout);
    for (const b of f.blocks) for (const i of b.instrs) instrVertex.set(i.id, addVertex('instr', f.key, i.id));
  }
  for (const f of funcs)
    for (const b of f.blocks)
      for (const i of b.instrs) {
        if (i.kind !== 'call' && i.kind !== 'icall') continue;
        const cs = modref.callees.get(i.id) ?? [];
        const cbs = modref.callbacks.get(i.id) ?? [];
        if (cs.length === 0 && cbs.length === 0) continue;
        const site: SiteVertices = { call: instrVertex.get(i.id)!, actualIns: new Map(), actualOuts: new Map() };
        const ai = (slot: Slot) => site.actualIns.set(slotKey(slot), addVertex('actual-in', f.key, i.id, slot));
        const ao = (slot: Slot) => site.actualOuts.set(slotKey(slot), addVertex('actual-out', f.key, i.id, slot));
        if (cs.length > 0) i.args.forEach((_, k) => ai({ kind: 'param', index: k }));
        const cbArity = Math.max(0, ...cbs.map((c) => funcByKey.get(c)!.params.length));
        for (let k = 0; k < cbArity; k++) ai({ kind: 'param', index: k, callback: true });
        const locIn = new Set<ObjId>();
        const locOut = new Set<ObjId>();
        for (const c of [...cs, ...cbs]) {
          modref.ref.get(c)!.forEach((o) => modref.mayBeDefined(o) && locIn.add(o));
          modref.mod.get(c)!.forEach((o) => (locIn.add(o), locOut.add(o)));
        }
        for (const o of sortNum(locIn)) ai({ kind: 'loc', obj: o });
        if (i.dst !== undefined && cs.some((c) => formalOut.get(c)!.has('ret'))) ao({ kind: 'ret' });
        for (const o of sortNum(locOut)) ao({ kind: 'loc', obj: o });
        sites.set(i.id, site);
      }

  phase('vertices');
  // ------------------------------------------------------------ control dependence
  for (const f of funcs) {
    const e = entry.get(f.key)!;
    for (const v of [...formalIn.get(f.key)!.values(), ...formalOut.get(f.key)!.values()]) addEdge(e, v, 'control');
    const bc = blockControl(f);
    const memo = new Map<number, VertexId[]>();
    const resolve = (a: number, visiting: Set<number>): VertexId[] => {
      if (a === bc.virtualEntry) return [e];
      const last = f.blocks[a]!.instrs.at(-1);
      if (last && last.kind === 'branch') return [instrVertex.get(last.id)!];
      // A block that "decides" only through a pseudo exit edge (a while(1) header)
      // is no predicate: what depends on it depends on what it depends on.
      const m = memo.get(a);
      if (m) return m;
      if (visiting.has(a)) return [];
      visiting.add(a);
      const out = new Set<VertexId>();
      for (const c of bc.controllers[a]!) for (const x of resolve(c, visiting)) out.add(x);
      visiting.delete(a);
      const r = out.size > 0 ? [...out] : [e];
      memo.set(a, r);
      return r;
    };
    for (const b of f.blocks) {
      const ctl = new Set<VertexId>();
      for (const c of bc.controllers[b.id]!) for (const x of resolve(c, new Set())) ctl.add(x);
      if (ctl.size === 0) ctl.add(e); // dead code: keep it attached to its procedure
      for (const i of b.instrs) for (const c of ctl) addEdge(c, instrVertex.get(i.id)!, 'control');
    }
  }
  for (const site of sites.values())
    for (const v of [...site.actualIns.values(), ...site.actualOuts.values()]) addEdge(site.call, v, 'control');

  phase('control');
  // ------------------------------------------------------------ data dependence
  const ctx: EventContext = { program, pts, modref, vertexOfInstr: (id) => instrVertex.get(id)!, sites };
  const defsOf = new Map<ObjId, VertexId[]>(); // instr vertices defining a location (for interference)
  const usesOf = new Map<ObjId, VertexId[]>();
  const note = (m: Map<ObjId, VertexId[]>, o: ObjId, v: VertexId) => {
    let l = m.get(o);
    if (!l) m.set(o, (l = []));
    l.push(v);
  };
  for (const f of funcs) {
    const events = blockEvents(ctx, f);
    const fin = formalIn.get(f.key)!;
    const entryEvents: Event[] = [...fin].map(([key, v]) => ({
      vertex: v,
      uses: [],
      defs: [{ obj: key.startsWith('p') ? pts.objectOfVar(f.params[Number(key.slice(1))]!) : Number(key.slice(1)), strong: true }],
    }));
    events[f.entry] = [...entryEvents, ...events[f.entry]!];
    const exitUses: Event[] = [...formalOut.get(f.key)!].map(([key, v]) => ({
      vertex: v,
      uses: [key === 'ret' ? RET_LOC : Number(key.slice(1))],
      defs: [],
    }));
    for (const evs of events)
      for (const ev of evs) {
        if (vertices[ev.vertex]!.kind !== 'instr') continue;
        for (const d of ev.defs) note(defsOf, d.obj, ev.vertex);
        for (const u of ev.uses) note(usesOf, u, ev.vertex);
      }
    reachingDefinitions({ f, events, exitUses, addData: (a, b) => addEdge(a, b, 'data') });
  }

  phase('data');
  // ------------------------------------------------------------ calls and parameters
  const calledAsync = new Set<string>();
  for (const [id, site] of sites) {
    const cs = modref.callees.get(id) ?? [];
    const cbs = modref.callbacks.get(id) ?? [];
    const instr = program.instrs[id]!;
    const registrars = instr.kind === 'call' ? [instr.callee] : pts.callGraph.calleesOf(id);
    // A concurrently started callback (a thread, a signal handler) does not return its
    // effects at the call site: they reach the rest of the program as interference.
    const async = cbs.length > 0 && !registrars.some((r) => syncLibs.has(r));
    const link = (c: string, callback: boolean) => {
      addEdge(site.call, entry.get(c)!, 'call');
      for (const [key, fv] of formalIn.get(c)!) {
        const aiKey = callback && key.startsWith('p') ? 'cb' + key : key;
        const av = site.actualIns.get(aiKey);
        if (av !== undefined) addEdge(av, fv, 'param-in');
      }
      if (callback && async) return;
      for (const [key, fv] of formalOut.get(c)!) {
        if (callback && key === 'ret') continue; // the library consumes a callback's result
        const av = site.actualOuts.get(key);
        if (av !== undefined) addEdge(fv, av, 'param-out');
      }
    };
    for (const c of cs) link(c, false);
    for (const c of cbs) link(c, true);
    if (async) cbs.forEach((c) => calledAsync.add(c));
    else if (cbs.length > 0) {
      // The library may call back many times: one invocation's effects reach the next.
      for (const [key, out] of site.actualOuts) {
        const back = site.actualIns.get(key);
        if (back !== undefined) addEdge(out, back, 'data');
      }
    }
  }

  // Global initializers run before every root procedure (main, or entry points without callers).
  const init = program.globalInit;
  for (const f of program.functions.values()) {
    if (pts.callGraph.callersOf(f.key).length > 0) continue;
    const fin = formalIn.get(f.key)!;
    for (const [key, fo] of formalOut.get(init.key)!) {
      const fi = fin.get(key);
      if (fi !== undefined) addEdge(fo, fi, 'data');
    }
  }

  // ------------------------------------------------------------ interference (concurrent callbacks)
  if (calledAsync.size > 0) {
    const cg = new Digraph<undefined>(funcs.length);
    const idx = new Map(funcs.map((f, i) => [f.key, i]));
    for (const [id] of sites) {
      const from = idx.get(program.instrFunc[id]!)!;
      for (const c of [...(modref.callees.get(id) ?? []), ...(modref.callbacks.get(id) ?? [])]) cg.addEdge(from, idx.get(c)!, undefined);
    }
    for (const cb of calledAsync) {
      const region = reachable(cg, [idx.get(cb)!]);
      const inRegion = (v: VertexId) => region[idx.get(vertices[v]!.func)!] === 1;
      for (const [key, fi] of formalIn.get(cb)!) {
        if (!key.startsWith('o')) continue;
        for (const d of defsOf.get(Number(key.slice(1))) ?? []) addEdge(d, fi, 'interference');
      }
      for (const [key, fo] of formalOut.get(cb)!) {
        if (!key.startsWith('o')) continue;
        const o = Number(key.slice(1));
        for (const d of defsOf.get(o) ?? []) if (inRegion(d)) addEdge(d, fo, 'interference');
        for (const u of usesOf.get(o) ?? []) addEdge(fo, u, 'interference');
      }
    }
  }

  phase('calls');
  addSummaryEdges(graph, vertices, addEdge);
  phase('summary');

  // ------------------------------------------------------------ surface
  const funcOf = (v: VertexId): Func => funcByKey.get(vertices[v]!.func)!;
  const locOf = (v: VertexId): SourceLoc => {
    const x = vertices[v]!;
    if (x.instr !== undefined) return program.instrs[x.instr]!.loc;
    return funcOf(v).loc;
  };
  const slotName = (x: Vertex): string => {
    const s = x.slot!;
    if (s.kind === 'ret') return 'return value';
    if (s.kind === 'loc') return pts.objects[s.obj]?.name ?? `object ${s.obj}`;
    if (x.kind === 'formal-in') {
      const pv = funcOf(x.id).params[s.index];
      return pv !== undefined ? `param ${program.vars[pv]!.name}` : `param ${s.index}`;
    }
    return `${s.callback ? 'callback ' : ''}arg ${s.index}`;
  };
  const where = (l: SourceLoc) => `${l.file}:${l.line}`;
  const describe = (v: VertexId): string => {
    const x = vertices[v]!;
    switch (x.kind) {
      case 'entry':
        return `entry ${x.func}`;
      case 'instr': {
        const i: Instr = program.instrs[x.instr!]!;
        return `${where(i.loc)} ${i.kind}: ${i.text}`;
      }
      case 'formal-in':
      case 'formal-out':
        return `${x.kind} ${slotName(x)} of ${x.func}`;
      default:
        return `${x.kind} ${slotName(x)} at ${where(locOf(v))} in ${x.func}`;
    }
  };
  const empty: readonly VertexId[] = [];
  return {
    program,
    pts,
    graph,
    vertices,
    vertexOfInstr: (id) => instrVertex.get(id),
    entryOf: (f) => entry.get(f),
    formalIns: (f) => [...(formalIn.get(f)?.values() ?? empty)],
    formalOuts: (f) => [...(formalOut.get(f)?.values() ?? empty)],
    actualIns: (id) => [...(sites.get(id)?.actualIns.values() ?? empty)],
    actualOuts: (id) => [...(sites.get(id)?.actualOuts.values() ?? empty)],
    funcOf,
    locOf,
    describe,
    mod: (f) => modref.mod.get(f) ?? new Set(),
    ref: (f) => modref.ref.get(f) ?? new Set(),
    stats: { vertices: vertices.length, edges: graph.edges, byKind, functions: funcs.length, ms: performance.now() - t0, phases },
  };
}

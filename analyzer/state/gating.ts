// Which data dependences of the SDG are *gated* (paper §4.3's "which value the index gets"):
// a definition that is one of several reaching the same location at a use, so the branches
// deciding whether it runs also decide which value the use sees.
import type { Instr } from '../ir/types.js';
import { objectsOverlap } from '../pointer/storage.js';
import type { ObjId } from '../pointer/types.js';
import type { Sdg, VertexId } from '../sdg/index.js';

/** The return value between a `ret` and the formal-out (analyzer/sdg/events.ts's RET_LOC). */
const RET: ObjId = -1;

/**
 * Locations a vertex defines, as the SDG's data dependence sees them, or undefined
 * when it is not a definition we can name (then it is treated as overlapping every other).
 */
export function defsOfVertex(sdg: Sdg, v: VertexId): ObjId[] | undefined {
  const { program, pts } = sdg;
  const vx = sdg.vertices[v];
  const dstObj = (i: Instr | undefined): ObjId[] => (i && 'dst' in i && i.dst !== undefined ? [pts.objectOfVar(i.dst)] : []);
  switch (vx.kind) {
    case 'instr': {
      const i = program.instrs[vx.instr!];
      if (i.kind === 'ret') return [RET];
      if (i.kind === 'branch') return undefined;
      const out = [...dstObj(i), ...pts.memEffects(i.id).writes];
      return out.length ? out : undefined;
    }
    case 'formal-in': {
      const s = vx.slot;
      if (s?.kind === 'loc') return [s.obj];
      if (s?.kind === 'param') {
        const p = sdg.funcOf(v).params[s.index];
        return p === undefined ? undefined : [pts.objectOfVar(p)];
      }
      return undefined;
    }
    case 'formal-out':
    case 'actual-out': {
      const s = vx.slot;
      if (s?.kind === 'loc') return [s.obj];
      if (s?.kind === 'ret') return vx.kind === 'actual-out' ? dstObj(program.instrs[vx.instr!]) : [RET];
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Same storage: equal, one a field inside the other, or what the pointer analysis says overlaps. */
function sameStorage(sdg: Sdg, a: ObjId, b: ObjId): boolean {
  if (a === b) return true;
  if (a === RET || b === RET) return false;
  return objectsOverlap(sdg.pts, a, b);
}

function rootOf(sdg: Sdg, o: ObjId): ObjId {
  const objs = sdg.pts.objects;
  let cur = o;
  for (let d = 0; objs[cur]?.parent !== undefined && d < 16; d++) cur = objs[cur]!.parent!;
  return cur;
}

const defsCache = new WeakMap<Sdg, Map<VertexId, ObjId[] | undefined>>();

/**
 * For the value in-edges `preds` of one use (the definitions that reach it), which are gated:
 * a definition sharing storage with another one that also reaches the use. Unnamed definitions
 * and objects the pointer analysis collapsed count as overlapping (the sound side).
 */
export function gatedPreds(sdg: Sdg, preds: readonly VertexId[]): boolean[] {
  const out = preds.map(() => false);
  if (preds.length < 2) return out;
  let cache = defsCache.get(sdg);
  if (!cache) defsCache.set(sdg, (cache = new Map()));
  const defs = preds.map((p) => {
    if (!cache.has(p)) cache.set(p, defsOfVertex(sdg, p));
    return cache.get(p);
  });
  if (defs.some((d) => d === undefined)) return out.map(() => true);
  // Only definitions under a common root object can overlap: compare within those groups.
  const byRoot = new Map<ObjId, number[]>();
  defs.forEach((ds, k) => {
    for (const o of new Set(ds!.map((x) => (x === RET ? RET : rootOf(sdg, x))))) {
      const l = byRoot.get(o) ?? [];
      l.push(k);
      byRoot.set(o, l);
    }
  });
  for (const group of byRoot.values()) {
    for (let x = 0; x < group.length; x++) {
      for (let y = x + 1; y < group.length; y++) {
        const a = group[x]!;
        const b = group[y]!;
        if (out[a] && out[b]) continue;
        if (defs[a]!.some((p) => defs[b]!.some((q) => sameStorage(sdg, p, q)))) out[a] = out[b] = true;
      }
    }
  }
  return out;
}

/** Do two definitions write overlapping storage (unnamed definitions overlap everything)? */
export function sharesStorage(sdg: Sdg, a: VertexId, b: VertexId): boolean {
  const da = defsOfVertex(sdg, a);
  const db = defsOfVertex(sdg, b);
  if (!da || !db) return true;
  return da.some((p) => db.some((q) => sameStorage(sdg, p, q)));
}

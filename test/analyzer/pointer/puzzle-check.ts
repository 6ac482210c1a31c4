// Reads a pointer puzzle (C with hand-written truth in comments) and checks an analysis
// against it. Returns the list of violations, so tests can also show a broken analysis fails.
import type { Program, VarId } from '../../../analyzer/ir/types.js';
import type { ObjId, PointsTo } from '../../../analyzer/pointer/index.js';

export interface Puzzle {
  file: string;
  exact: boolean;
  exactFs: boolean;
  /** Externals the puzzle deliberately leaves without a model. */
  unknown: string[];
  truth: { name: string; objs: string[]; line: number }[];
  /** `// CALLS(f -> g)`: some call in f may invoke g (directly, indirectly or as a library callback). */
  calls: { from: string; to: string; line: number }[];
  /** line → aliases of site objects on that line: `h1` or `buf=pcap-buffer`. */
  sites: Map<number, { alias: string; label?: string }[]>;
}

export function parsePuzzle(file: string, code: string): Puzzle {
  const lines = code.split('\n');
  const truth: Puzzle['truth'] = [];
  const sites = new Map<number, { alias: string; label?: string }[]>();
  const calls: Puzzle['calls'] = [];
  lines.forEach((text, k) => {
    const c = /\/\/ CALLS\((\S+) -> (\S+)\)/.exec(text);
    if (c) calls.push({ from: c[1]!, to: c[2]!, line: k + 1 });
    const m = /\/\/ PTS\(([^)]+)\) = \{([^}]*)\}/.exec(text);
    if (m) truth.push({ name: m[1]!.trim(), objs: m[2]!.split(',').map((s) => s.trim()).filter(Boolean), line: k + 1 });
    const a = /\/\/ ALLOC\(([^)]*)\)/.exec(text);
    if (a) sites.set(k + 1, a[1]!.split(',').map((s) => {
      const [alias, label] = s.trim().split('=');
      return { alias: alias!, label };
    }));
  });
  const head = lines[0] ?? '';
  const unk = /@unknown ([\w ,]+)/.exec(code);
  return {
    file, exact: /@exact(\s|$)/.test(head), exactFs: head.includes('@exact-fs'),
    unknown: unk ? unk[1]!.split(/[ ,]+/).filter(Boolean) : [], truth, sites, calls,
  };
}

/** The name a puzzle uses for an object: site objects by their ALLOC alias, fields as `parent.member`. */
export function displayName(pz: Puzzle, pts: PointsTo, o: ObjId): string {
  const obj = pts.objects[o]!;
  if (obj.kind === 'field' && obj.parent !== undefined) return `${displayName(pz, pts, obj.parent)}.${obj.field}`;
  if (obj.site) {
    const cands = pz.sites.get(obj.site.loc.line) ?? [];
    const label = obj.name.slice(0, obj.name.indexOf('@'));
    const hit = cands.length === 1 && cands[0]!.label === undefined ? cands[0] : cands.find((c) => c.label === label);
    if (hit) return hit.alias;
  }
  return obj.name;
}

/** Key that identifies the same object across two analyses of one program. */
export function objectKey(pts: PointsTo, o: ObjId): string {
  const obj = pts.objects[o]!;
  return `${obj.kind}:${obj.name}:${obj.site?.instr ?? ''}`;
}

function findObject(pz: Puzzle, pts: PointsTo, name: string): ObjId | undefined {
  // the object itself, or (field never materialised / collapsed) its nearest enclosing object
  for (let n = name; ; n = n.slice(0, n.lastIndexOf('.'))) {
    for (let o = 0; o < pts.objects.length; o++) if (displayName(pz, pts, o) === n) return o;
    if (!n.includes('.', 1)) return undefined;
  }
}

const root = (n: string): string => {
  const i = n.indexOf('.', 1);
  return i < 0 ? n : n.slice(0, i);
};
const covers = (a: string, t: string): boolean => a === t || t.startsWith(`${a}.`);

/** Soundness (analysis contains the truth) always; exactness where the puzzle claims it. */
export function checkPuzzle(pz: Puzzle, pts: PointsTo, exact: boolean, program?: Program): string[] {
  const bad: string[] = [];
  for (const c of program ? pz.calls : []) {
    const ok = program!.instrs.some((i) => program!.instrFunc[i.id] === c.from && (i.kind === 'call' || i.kind === 'icall')
      && [...pts.callGraph.calleesOf(i.id), ...pts.callGraph.callbacksOf(i.id)].includes(c.to));
    if (!ok) bad.push(`${pz.file}:${c.line}: ${pts.kind}: no call from ${c.from} reaches ${c.to}`);
  }
  const fs = pts.fieldSensitive;
  for (const t of pz.truth) {
    const name = fs ? t.name : root(t.name);
    const o = findObject(pz, pts, name);
    if (o === undefined) { bad.push(`${pz.file}:${t.line}: no object named ${name}`); continue; }
    const got = [...pts.pointsToObj(o)].map((x) => displayName(pz, pts, x));
    const want = fs ? t.objs : [...new Set(t.objs.map(root))];
    const missing = want.filter((w) => !got.some((g) => covers(g, w)));
    if (missing.length > 0) bad.push(`${pz.file}:${t.line}: ${pts.kind}${fs ? '-fs' : ''} PTS(${name}) = {${got.sort().join(', ')}} misses ${missing.join(', ')}`);
    else if (exact && (got.length !== want.length || !want.every((w) => got.includes(w)))) {
      bad.push(`${pz.file}:${t.line}: ${pts.kind}${fs ? '-fs' : ''} PTS(${name}) = {${got.sort().join(', ')}}, exactly {${want.sort().join(', ')}} expected`);
    }
  }
  return bad;
}

/** Every variable's set under `fine` is within its set under `coarse` (fields mapped to their object). */
export function checkSubsumed(program: Program, fine: PointsTo, coarse: PointsTo): string[] {
  const bad: string[] = [];
  const rootKey = (p: PointsTo, o: ObjId): string => {
    let x = o;
    while (p.objects[x]!.parent !== undefined) x = p.objects[x]!.parent!;
    return objectKey(p, x);
  };
  for (const v of program.vars) {
    const c = new Set([...coarse.pointsToVar(v.id as VarId)].map((o) => rootKey(coarse, o)));
    for (const o of fine.pointsToVar(v.id)) {
      if (!c.has(rootKey(fine, o))) bad.push(`${fine.objects[v.id]!.name}: ${fine.objects[o]!.name} in ${fine.kind}${fine.fieldSensitive ? '-fs' : ''} but not in ${coarse.kind}${coarse.fieldSensitive ? '-fs' : ''}`);
    }
  }
  return bad;
}

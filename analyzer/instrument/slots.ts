// Flowspace entry selection (issue 7 item 5): for each keyed variable, find its
// top-level container (the array it is, or the heap array it points to), rewrite
// every subscript into it so the runtime records the element's address (the
// entries the middlebox's own lookup reached for this packet), and prove that
// per-packet code reaches the container in no other way. When it may (pointer
// walks, the base itself dereferenced, a library call given the container, the
// container pointer reassigned), the variable travels whole: a static fallback
// decided here and named in the build report.
import { GLOBAL_INIT, type CType, type Instr, type InstrId, type Program, type TypeId, type VarId } from '../ir/types.js';
import type { ObjId, PointsTo } from '../pointer/types.js';
import type { Edit, SourceFile } from './locate.js';
import { SYNC_WAITS } from './marks.js';
import { redundantRecordings } from './recorded.js';

type Node = SourceFile['tree']['rootNode'];

/** One container of a keyed variable, as C expressions in the variable's unit. */
export interface Container {
  /** Start of the container (a `void *` expression). */
  base: string;
  /** Its size in bytes now (0 when it cannot be described: the variable then travels whole). */
  size: string;
  /** An lvalue expression of one element (for `sizeof` and `__typeof__`). */
  element: string;
  elementType: TypeId;
}

/** A member of a struct variable that holds a table: its other members (the shell) travel on their own. */
export interface ShellMember {
  /** C lvalue of the member (`flow_table.count`). */
  expr: string;
  type: TypeId;
  /** The container member: sent as nil in the shell (its slots travel instead). */
  container: boolean;
}

export interface SlotPlan {
  var: VarId;
  /** 'slots': entries chosen by recorded subscripts; 'whole': the static fallback. */
  mode: 'slots' | 'whole';
  containers: Container[];
  /** Subscripts rewritten to record their element (file:line:col). */
  sites: string[];
  /** Sweep loops (a subscript indexed by the loop's own counter) marked to send the variable whole instead. */
  wholeMarks: string[];
  /** Subscripts left unrewritten: an earlier recorded subscript surely noted the same element (recorded.ts). */
  pruned: string[];
  /** Why the variable travels whole (mode 'whole'). */
  fallback?: string;
  /** For a struct variable holding the container: its members in declaration order. */
  shell?: ShellMember[];
}

export interface SlotInput {
  program: Program;
  pts: PointsTo;
  perPacket: ReadonlySet<InstrId>;
  /** Keyed variables with their payload name and index in the variable table (SA_WHOLE). */
  vars: { v: VarId; name: string; index: number }[];
  /** Source file (tree-sitter) and edit list of a file path, when it is one of the middlebox's units. */
  unitOf(file: string): { src: SourceFile; edits: Edit[] } | undefined;
  /** Receive calls (their callee names end a packet). */
  receives: readonly string[];
}

/**
 * Names of functions whose call may end a packet or block while another thread
 * ends one: the receives, blocking synchronisation, and every function that calls
 * one of them (a loop around such a call spans packets and is no sweep).
 */
function packetSpanning(program: Program, pts: PointsTo, receives: readonly string[]): Set<string> {
  const callees = (i: Instr) =>
    i.kind === 'call' ? [i.callee, ...pts.callGraph.calleesOf(i.id), ...pts.callGraph.callbacksOf(i.id)]
    : i.kind === 'icall' ? [...pts.callGraph.calleesOf(i.id), ...pts.callGraph.callbacksOf(i.id)] : [];
  const out = new Set<string>([...receives, ...SYNC_WAITS]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const i of program.instrs) {
      if (i.kind !== 'call' && i.kind !== 'icall') continue;
      const f = program.instrFunc[i.id];
      if (f === undefined || out.has(f)) continue;
      if (callees(i).some((c) => out.has(c))) {
        out.add(f);
        out.add(program.functions.get(f)?.name ?? f);
        changed = true;
      }
    }
  }
  // where such calls are (file:line): a loop around one spans packets
  const at = new Set<string>();
  for (const i of program.instrs) if (callees(i).some((c) => out.has(c))) at.add(`${i.loc.file}:${i.loc.line}`);
  return at;
}

function resolve(program: Program, tid: TypeId): CType {
  let t = program.types[tid];
  for (let g = 0; t?.kind === 'typedef' && g < 64; g++) t = program.types[t.to];
  return t ?? { kind: 'void' };
}

/** Objects inside `roots` (their fields, transitively). */
function withFields(pts: PointsTo, roots: Set<ObjId>): Set<ObjId> {
  const out = new Set(roots);
  for (const o of pts.objects) {
    for (let p = o.parent, d = 0; p !== undefined && d < 16; p = pts.objects[p].parent, d++)
      if (roots.has(p)) {
        out.add(o.id);
        break;
      }
  }
  return out;
}

/** The subscript (or `p + i`) expression the IR gep at this place came from. */
function subscriptNode(src: SourceFile, line: number, column: number): Node | undefined {
  for (const col of [column, column + 1, column - 1]) {
    if (col < 1) continue;
    const at = src.offset(line, col);
    let n: Node | null = src.tree.rootNode.descendantForIndex(at);
    while (n && n.startIndex === at) {
      if (n.type === 'subscript_expression') return n;
      if (n.type === 'binary_expression' && ['+', '-'].includes(n.childForFieldName('operator')?.text ?? '')) return n;
      n = n.parent;
    }
  }
  return undefined;
}

/** Edits recording the element a subscript (or pointer sum) addresses. */
function recordEdits(n: Node): Edit[] {
  const len = (n.endIndex - n.startIndex) / 1e9;
  const sub = n.type === 'subscript_expression';
  return [
    { at: n.startIndex, del: 0, text: sub ? '(*SA_REC(&(' : 'SA_REC((', rank: -len },
    { at: n.endIndex, del: 0, text: sub ? ')))' : '))', rank: 10 + len },
  ];
}

const where = (program: Program, id: InstrId) => {
  const i = program.instrs[id];
  return `${i.loc.file}:${i.loc.line}:${i.loc.column}`;
};

/**
 * The loop a subscript sweeps, if its index is a plain variable that the loop
 * itself steps (`for (b = 0; b <= mask; b++) ... tab[b]`): recording every slot
 * of a sweep costs a branch per element for nothing (the variable goes whole), so
 * one SA_WHOLE mark before the loop replaces the recording.
 */
function sweptBy(n: Node, file: string, spanning: ReadonlySet<string>): Node | undefined {
  const idx = n.type === 'subscript_expression' ? n.childForFieldName('index') : null;
  const name = idx?.type === 'identifier' ? idx.text : undefined;
  if (name === undefined) return undefined;
  const steps = (scope: Node | null) =>
    !!scope && [...scope.descendantsOfType('update_expression'), ...scope.descendantsOfType('assignment_expression')].some((e) => {
      const target = e.childForFieldName(e.type === 'update_expression' ? 'argument' : 'left');
      return target?.type === 'identifier' && target.text === name;
    });
  // A loop that may span packets (a call in it, direct or through a pointer, may receive or
  // block while another thread ends a packet) would run its mark once for many packets: not a sweep.
  const withinPacket = (loop: Node) => {
    for (let l = loop.startPosition.row + 1; l <= loop.endPosition.row + 1; l++) if (spanning.has(`${file}:${l}`)) return false;
    return true;
  };
  for (let p: Node | null = n.parent; p && p.type !== 'function_definition'; p = p.parent) {
    // the loop that steps the index, possibly around inner loops that do not (a chain walk per bucket)
    const stepped =
      (p.type === 'for_statement' && (steps(p.childForFieldName('update')) || steps(p.childForFieldName('body')))) ||
      ((p.type === 'while_statement' || p.type === 'do_statement') && steps(p.childForFieldName('body')));
    if (stepped) return withinPacket(p) ? p : undefined;
  }
  return undefined;
}

/** Plans slot recording for every keyed variable; adds the subscript rewrites and sweep marks to the units' edits. */
export function planSlots(inp: SlotInput): SlotPlan[] {
  const rewritten = new Set<string>();
  const loops = new Map<string, { node: Node; edits: Edit[]; marks: Set<number> }>();
  const spanning = packetSpanning(inp.program, inp.pts, inp.receives);
  const planned = inp.vars.map(({ v, name, index }) => {
    const plan = planOne(inp, v, name);
    return { plan, index, swept: plan.siteNodes.map((s) => sweptBy(s.node, s.file, spanning)) };
  });
  // subscripts that record (not in a sweep): the later of two that surely note the same element need not
  const recording = planned.flatMap(({ plan, swept }) => plan.siteNodes.filter((_, j) => !swept[j]).map((s) => s.instr));
  const implied = redundantRecordings(inp.program, inp.pts, recording);
  const plans = planned.map(({ plan, index, swept }) => {
    if (plan.mode === 'whole') return plan;
    // apply this variable's rewrites (a subscript shared by two variables' analyses is rewritten once)
    const wholeMarks = new Set<string>();
    const recorded: string[] = [];
    const pruned: string[] = [];
    plan.siteNodes.forEach((s, j) => {
      const loop = swept[j];
      if (loop) {
        const key = `${s.file}:${loop.startIndex}`;
        const l = loops.get(key) ?? { node: loop, edits: s.edits, marks: new Set<number>() };
        l.marks.add(index);
        loops.set(key, l);
        wholeMarks.add(`${s.file}:${loop.startPosition.row + 1}:${loop.startPosition.column + 1}`);
        return;
      }
      if (implied.has(s.instr)) {
        pruned.push(plan.sites[j]);
        return;
      }
      recorded.push(plan.sites[j]);
      const key = `${s.file}:${s.node.startIndex}:${s.node.endIndex}`;
      if (rewritten.has(key)) return;
      rewritten.add(key);
      s.edits.push(...recordEdits(s.node));
    });
    return { var: plan.var, mode: plan.mode, containers: plan.containers, sites: recorded, wholeMarks: [...wholeMarks], pruned, ...(plan.shell ? { shell: plan.shell } : {}) };
  });
  for (const l of loops.values()) {
    const len = (l.node.endIndex - l.node.startIndex) / 1e9;
    const marks = [...l.marks].sort((a, b) => a - b).map((k) => `SA_WHOLE(${k})`).join(', ');
    l.edits.push({ at: l.node.startIndex, del: 0, text: `{ ${marks}; `, rank: -len }, { at: l.node.endIndex, del: 0, text: ' }', rank: 10 + len });
  }
  return plans;
}

interface Site {
  instr: InstrId;
  file: string;
  node: Node;
  edits: Edit[];
}

function planOne(inp: SlotInput, v: VarId, name: string): SlotPlan & { siteNodes: Site[] } {
  const { program, pts, perPacket } = inp;
  const info = program.vars[v];
  const t = resolve(program, info.type);
  const whole = (fallback: string) => ({ var: v, mode: 'whole' as const, containers: [], sites: [], wholeMarks: [], pruned: [], fallback, siteNodes: [] });

  // 1. The container: the array the variable is, or the heap array it points to, or
  // the one member of a struct variable that is (or points to) such an array.
  let roots: Set<ObjId>;
  let container: Container;
  let shell: ShellMember[] | undefined;
  let pointerStorage: ObjId | undefined; // where the container's pointer lives (its reassignment is a fallback)
  if (t.kind === 'struct' && t.complete) {
    if (!pts.fieldSensitive) return whole(`${name} is a struct and the points-to analysis is not field-sensitive`);
    if (t.fields.some((f) => f.anonymous || f.bits !== undefined)) return whole(`${name} has anonymous or bit-field members`);
    const tables = t.fields.filter((f) => {
      const ft = resolve(program, f.type);
      if (ft.kind === 'array') return ft.length !== undefined && resolve(program, ft.of).kind === 'pointer';
      if (ft.kind === 'pointer') {
        const to = resolve(program, ft.to);
        return to.kind === 'pointer';
      }
      return false;
    });
    if (tables.length !== 1) return whole(`${name} is a struct with ${tables.length} table members (one is supported)`);
    const f = tables[0];
    const ft = resolve(program, f.type);
    const fieldObj = pts.objects.find((o) => o.parent === pts.objectOfVar(v) && o.field === f.name);
    if (fieldObj === undefined) return whole(`no points-to object for ${name}.${f.name}`);
    const m = `${name}.${f.name}`;
    if (ft.kind === 'array') {
      roots = new Set([fieldObj.id]);
      container = { base: `(void *)&${m}`, size: `sizeof ${m}`, element: `${m}[0]`, elementType: (ft as { of: TypeId }).of };
    } else {
      const targets = [...pts.pointsToObj(fieldObj.id)];
      const nonHeap = targets.filter((o) => pts.objects[o].kind !== 'heap');
      if (nonHeap.length > 0) return whole(`${m} may point to ${pts.objects[nonHeap[0]].name}, not only to heap arrays`);
      roots = new Set(targets);
      pointerStorage = fieldObj.id;
      container = { base: `(void *)${m}`, size: `sa_block_size(${m})`, element: `${m}[0]`, elementType: (ft as { to: TypeId }).to };
    }
    shell = t.fields.map((x) => ({ expr: `${name}.${x.name}`, type: x.type, container: x === f }));
  } else if (t.kind === 'array' && t.length !== undefined) {
    roots = new Set([pts.objectOfVar(v)]);
    container = { base: `(void *)&${name}`, size: `sizeof ${name}`, element: `${name}[0]`, elementType: t.of };
  } else if (t.kind === 'pointer') {
    const to = resolve(program, t.to);
    if (to.kind === 'void' || to.kind === 'function') return whole(`${name} points to ${to.kind}: no element type to select by`);
    const targets = [...pts.pointsToVar(v)];
    const nonHeap = targets.filter((o) => pts.objects[o].kind !== 'heap');
    if (nonHeap.length > 0) return whole(`${name} may point to ${pts.objects[nonHeap[0]].name}, not only to heap arrays`);
    roots = new Set(targets);
    pointerStorage = pts.objectOfVar(v);
    container = { base: `(void *)${name}`, size: `sa_block_size(${name})`, element: `${name}[0]`, elementType: t.to };
  } else {
    return whole(`${name} is a ${t.kind}: only arrays and pointers to heap arrays have slots (its own members would travel only whole)`);
  }
  const cset = withFields(pts, roots);
  const intoC = (x: VarId) => {
    for (const o of pts.pointsToVar(x)) if (cset.has(o)) return true;
    return false;
  };

  // 2. Subscripts into the container: rewritten to record their element.
  const siteNodes: Site[] = [];
  const sites: string[] = [];
  const clean = new Set<InstrId>();
  const unplaced: InstrId[] = [];
  for (const i of program.instrs) {
    if (i.kind !== 'gep' || i.index === undefined || program.instrFunc[i.id] === GLOBAL_INIT) continue;
    if (!(i.base === v || intoC(i.base))) continue;
    const unit = inp.unitOf(i.loc.file);
    const node = unit ? subscriptNode(unit.src, i.loc.line, i.loc.column) : undefined;
    if (!unit || !node) {
      unplaced.push(i.id);
      continue;
    }
    clean.add(i.id);
    siteNodes.push({ instr: i.id, file: i.loc.file, node, edits: unit.edits });
    sites.push(`${i.loc.file}:${i.loc.line}:${i.loc.column}`);
  }

  // 3. Pointers into the container that no recorded subscript computed ("unrecorded"):
  // the variable's own value, the array's address, pointers loaded from memory or
  // returned by calls, unrecorded arithmetic; copies and member accesses keep it.
  const U = new Set<VarId>(t.kind === 'struct' ? [] : [v]);
  for (let changed = true; changed; ) {
    changed = false;
    const add = (x: VarId | undefined) => {
      if (x !== undefined && !U.has(x)) {
        U.add(x);
        changed = true;
      }
    };
    for (const i of program.instrs) {
      switch (i.kind) {
        case 'addr': // an array variable's address is its container's start
          if (i.target.kind === 'var' && ((i.target.var === v && t.kind === 'array') || intoC(i.dst))) add(i.dst);
          break;
        case 'load':
          if (intoC(i.dst)) add(i.dst);
          break;
        case 'copy':
          if (i.srcs.some((s) => s.kind === 'var' && U.has(s.var))) add(i.dst);
          // a pointer made from an integer (no source points anywhere) may point into it too
          else if (intoC(i.dst) && i.srcs.every((s) => s.kind === 'const' || pts.pointsToVar(s.var).size === 0)) add(i.dst);
          break;
        case 'gep':
          if (clean.has(i.id)) break;
          if (i.index !== undefined ? i.base === v || intoC(i.base) : U.has(i.base) || (intoC(i.dst) && !intoC(i.base))) add(i.dst); // a member that is the container, reached from outside it
          break;
        case 'call':
        case 'icall': {
          if (i.dst !== undefined && intoC(i.dst)) add(i.dst);
          for (const callee of pts.callGraph.calleesOf(i.id)) {
            const f = program.functions.get(callee);
            if (!f) continue;
            i.args.forEach((a, k) => {
              if (a.kind === 'var' && U.has(a.var) && f.params[k] !== undefined) add(f.params[k]);
            });
          }
          break;
        }
        default:
          break;
      }
    }
  }

  // 4. Per-packet code must reach the container only through recorded subscripts.
  for (const id of [...perPacket].sort((a, b) => a - b)) {
    const i = program.instrs[id];
    if (program.instrFunc[id] === GLOBAL_INIT) continue;
    if (unplaced.includes(id)) return whole(`${where(program, id)}: \`${i.text}\` computes an element address the instrumenter cannot rewrite (pointer arithmetic or a macro)`);
    // A store through such a pointer changes an unrecorded element; a load matters when it
    // yields a pointer (entries reached through an unrecorded element would not travel).
    if ((i.kind === 'store' || (i.kind === 'load' && pts.pointsToVar(i.dst).size > 0)) && U.has(i.addr))
      return whole(`${where(program, id)}: \`${i.text}\` ${i.kind === 'store' ? 'writes' : 'reads a pointer from'} ${name}'s container through a pointer no subscript computed`);
    if (i.kind === 'call' || i.kind === 'icall') {
      const external = pts.callGraph.calleesOf(id).filter((c) => !program.functions.has(c));
      if (i.kind === 'call' && !program.functions.has(i.callee) && !external.includes(i.callee)) external.push(i.callee);
      const passes = i.args.some((a) => a.kind === 'var' && (U.has(a.var) || intoC(a.var)));
      const writesC = [...pts.memEffects(id).writes].some((o) => cset.has(o));
      if (external.length > 0 && passes && writesC) return whole(`${where(program, id)}: \`${i.text}\` passes ${name}'s container to library function ${external[0]}`);
    }
    if (pointerStorage !== undefined) {
      const reassigns = (t.kind === 'pointer' && 'dst' in i && i.dst === v) || pts.memEffects(id).writes.has(pointerStorage);
      if (reassigns) return whole(`${where(program, id)}: \`${i.text}\` reassigns ${name} (the container pointer) per packet`);
    }
  }
  if (sites.length === 0) return whole(`no subscript into ${name}'s container was found`);
  return { var: v, mode: 'slots', containers: [container], sites, wholeMarks: [], pruned: [], siteNodes, ...(shell ? { shell } : {}) };
}

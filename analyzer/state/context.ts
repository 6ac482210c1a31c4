// What every StateAlyzr stage reads: the program, points-to facts, the dependence
// queries (slices and chops over the SDG) and the catalogs, plus small IR helpers.
import type { CType, Func, Instr, InstrId, Operand, Program, TypeId, VarId } from '../ir/types.js';
import type { ObjId, PointsTo } from '../pointer/types.js';
import { onCycle, tarjanScc, type SuccessorGraph } from '../graph/index.js';
import type { Catalogs } from './catalogs.js';

/** A slicing criterion: a statement, or a formal parameter of a procedure (a callback's packet argument). */
export type Criterion = { kind: 'instr'; instr: InstrId } | { kind: 'param'; func: string; index: number };

/** The dependence queries the stages need, answered over the system dependence graph. */
export interface DependenceQueries {
  /** Statements affected by the criteria (two-phase forward slice). */
  forward(criteria: Criterion[]): ReadonlySet<InstrId>;
  /** Statements that affect the criteria (two-phase backward slice). */
  backward(criteria: Criterion[]): ReadonlySet<InstrId>;
  /** Statements affected by `from` that affect `to`. */
  chop(from: Criterion[], to: Criterion[]): ReadonlySet<InstrId>;
  /**
   * The chop along value flow (data and parameter edges), never passing through a
   * statement `avoid` accepts: "the code that computes `to` from the packet" (paper
   * §4.3) without detours through the state itself, and never from one packet's
   * processing into the next's. With `withControl`, control dependence counts only
   * where a branch picks the value `to` sees (gated definitions, gated-reach.ts);
   * the backward half matches calls with returns (deps.ts).
   */
  dataChop(from: Criterion[], to: Criterion[], avoid?: (instr: InstrId) => boolean, withControl?: boolean): ReadonlySet<InstrId>;
  /** Abstract locations a procedure may write, through its callees too (the SDG's mod sets). */
  mod(func: string): ReadonlySet<ObjId>;
}

export interface StageContext {
  program: Program;
  pts: PointsTo;
  deps: DependenceQueries;
  catalogs: Catalogs;
}

export function resolveType(program: Program, id: TypeId): CType {
  let t = program.types[id];
  for (let guard = 0; t?.kind === 'typedef' && guard < 64; guard++) t = program.types[t.to];
  return t ?? { kind: 'void' };
}

/** C spelling of a type, keeping typedef names as the programmer wrote them. */
export function typeToString(program: Program, id: TypeId, depth = 0): string {
  const t = program.types[id];
  if (!t || depth > 16) return '?';
  switch (t.kind) {
    case 'void':
      return 'void';
    case 'int':
    case 'float':
      return t.name;
    case 'typedef':
      return t.name;
    case 'pointer': {
      const to = program.types[t.to];
      if (to?.kind === 'function') return `${typeToString(program, to.ret, depth + 1)} (*)(…)`;
      return `${typeToString(program, t.to, depth + 1)} *`;
    }
    case 'array':
      return `${typeToString(program, t.of, depth + 1)}[${t.length ?? ''}]`;
    case 'struct':
    case 'union':
      return `${t.kind} ${t.tag ?? '<anonymous>'}`;
    case 'enum':
      return `enum ${t.tag ?? '<anonymous>'}`;
    case 'function':
      return `${typeToString(program, t.ret, depth + 1)} (…)`;
  }
}

/** Pointer, struct, union or array variables can hold more than one entry (paper Figure 8, lines 2–4). */
export function mayHoldEntries(program: Program, id: TypeId): boolean {
  const t = resolveType(program, id);
  return t.kind === 'pointer' || t.kind === 'struct' || t.kind === 'union' || t.kind === 'array';
}

/** Variables an instruction mentions (reads, writes or takes the address of). */
export function varsOf(instr: Instr): VarId[] {
  const out: VarId[] = [];
  const op = (o: Operand | undefined) => {
    if (o?.kind === 'var') out.push(o.var);
  };
  switch (instr.kind) {
    case 'addr':
      out.push(instr.dst);
      if (instr.target.kind === 'var') out.push(instr.target.var);
      break;
    case 'copy':
      out.push(instr.dst);
      instr.srcs.forEach(op);
      break;
    case 'gep':
      out.push(instr.dst, instr.base);
      op(instr.index);
      break;
    case 'load':
      out.push(instr.dst, instr.addr);
      break;
    case 'store':
      out.push(instr.addr);
      op(instr.src);
      break;
    case 'call':
      if (instr.dst !== undefined) out.push(instr.dst);
      instr.args.forEach(op);
      break;
    case 'icall':
      if (instr.dst !== undefined) out.push(instr.dst);
      out.push(instr.target);
      instr.args.forEach(op);
      break;
    case 'ret':
      op(instr.value);
      break;
    case 'branch':
      instr.cond.forEach(op);
      break;
  }
  return out;
}

/** Variables an instruction reads as values (not the ones it defines). */
export function usesOf(instr: Instr): VarId[] {
  const defined = definedVar(instr);
  return varsOf(instr).filter((v) => v !== defined);
}

/** The variable an instruction assigns directly (its LHS when that is a variable). */
export function definedVar(instr: Instr): VarId | undefined {
  switch (instr.kind) {
    case 'addr':
    case 'copy':
    case 'gep':
    case 'load':
      return instr.dst;
    case 'call':
    case 'icall':
      return instr.dst;
    default:
      return undefined;
  }
}

/** Each variable's defining instructions in one function, in block order. */
export function definitionsIn(f: Func | undefined): Map<VarId, Instr[]> {
  const m = new Map<VarId, Instr[]>();
  for (const b of f?.blocks ?? [])
    for (const i of b.instrs) {
      const d = definedVar(i);
      if (d === undefined) continue;
      const list = m.get(d);
      if (list) list.push(i);
      else m.set(d, [i]);
    }
  return m;
}

export function intersects<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): T | undefined {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const x of small) if (large.has(x)) return x;
  return undefined;
}

/** Blocks of a function that lie on a CFG cycle (loop bodies). */
export function blocksInCycles(f: Func): Set<number> {
  const g: SuccessorGraph = { size: f.blocks.length, succs: (n) => f.blocks[n].succs };
  const scc = tarjanScc(g);
  return new Set(f.blocks.map((b) => b.id).filter((b) => onCycle(g, scc, b)));
}

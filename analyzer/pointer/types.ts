// The one interface clients see of any pointer analysis (SVF's PointerAnalysis.h):
// abstract objects, points-to sets, aliasing, memory effects of instructions, call graph.
import type { InstrId, SourceLoc, VarId } from '../ir/types.js';

export type ObjId = number;

/**
 * An abstract memory location. Every variable is an object (its storage);
 * heap objects are named by allocation site (or by the call site of an
 * allocation wrapper); functions are objects so function pointers point to them.
 * With field sensitivity, a struct object has one child object per field
 * (`parent` + `field`); arrays are collapsed into their element.
 */
export interface AbstractObject {
  id: ObjId;
  kind: 'var' | 'heap' | 'func' | 'field' | 'external';
  /** Readable name: `tail`, `heap@fig3.c:51`, `processPacket`, `hosts.next`, `pcap-buffer@fig3.c:24`. */
  name: string;
  var?: VarId;
  func?: string;
  /** Allocation site for heap objects (the wrapper's call site when wrapped). */
  site?: { instr: InstrId; loc: SourceLoc };
  parent?: ObjId;
  field?: string;
}

/** Locations an instruction may read or write (loads, stores, and library calls by their model). */
export interface MemEffects {
  reads: ReadonlySet<ObjId>;
  writes: ReadonlySet<ObjId>;
}

export interface CallGraph {
  /** Callees (function keys, defined or external) of a call/icall instruction, incl. resolved indirect ones. */
  calleesOf(instr: InstrId): readonly string[];
  /**
   * Calls the library makes on the program's behalf at a call site
   * (pcap_loop's callback, pthread_create's start routine, qsort's comparator, signal handlers).
   */
  callbacksOf(instr: InstrId): readonly string[];
  /** Call instructions that may invoke a function (directly, indirectly or as callback). */
  callersOf(func: string): readonly InstrId[];
  /** Functions in a deterministic order. */
  functions(): readonly string[];
}

export type PointerAnalysisKind = 'andersen' | 'steensgaard';

export interface PointsTo {
  readonly kind: PointerAnalysisKind;
  readonly fieldSensitive: boolean;
  readonly objects: readonly AbstractObject[];
  /** The object that is the storage of variable v. */
  objectOfVar(v: VarId): ObjId;
  /** Objects the value held in variable v may point to. */
  pointsToVar(v: VarId): ReadonlySet<ObjId>;
  /** Objects the value stored in object o may point to. */
  pointsToObj(o: ObjId): ReadonlySet<ObjId>;
  mayAlias(a: VarId, b: VarId): boolean;
  /**
   * Do two objects share storage? True when equal, when one is a field inside the other
   * (a pointer to a struct also points at its first field), or both are fields of an
   * object field-sensitivity gave up on. Optional so simple test implementations need not
   * provide it; clients fall back to `a === b`.
   */
  overlaps?(a: ObjId, b: ObjId): boolean;
  /** Every object reachable from v's storage by following points-to edges (including v's own object and fields). */
  reachableFromVar(v: VarId): ReadonlySet<ObjId>;
  /** What an instruction may read and write in memory (empty for pure register ops). */
  memEffects(instr: InstrId): MemEffects;
  readonly callGraph: CallGraph;
  /** External functions called with no library model (treated soundly, listed in the report). */
  readonly unknownExternals: readonly string[];
  readonly stats: { constraints: number; iterations: number; ms: number; avgPointsTo: number };
}

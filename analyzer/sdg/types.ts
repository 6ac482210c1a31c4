// Vertex and edge kinds of the system dependence graph (Horwitz–Reps–Binkley 1990),
// in their words: entry, formal-in/out, actual-in/out, and one vertex per IR instruction.
import type { Digraph } from '../graph/index.js';
import type { Func, InstrId, Program, SourceLoc } from '../ir/types.js';
import type { ObjId, PointsTo } from '../pointer/types.js';

export type VertexId = number;

export type VertexKind = 'entry' | 'instr' | 'formal-in' | 'formal-out' | 'actual-in' | 'actual-out';

/**
 * Edge kinds. `interference` is data dependence between concurrently running
 * code (Krinke's threaded SDG): a thread started by pthread_create or a signal
 * handler may observe any write, so its formal-ins receive every definition of
 * what it reads and its formal-outs reach every use of what it writes.
 */
export type EdgeKind = 'control' | 'data' | 'call' | 'param-in' | 'param-out' | 'summary' | 'interference';

export const EDGE_KINDS: readonly EdgeKind[] = ['control', 'data', 'call', 'param-in', 'param-out', 'summary', 'interference'];

/**
 * What a parameter vertex stands for: the i-th parameter, the return value,
 * or an abstract memory location (global, static, heap, or a caller's local
 * reached through a pointer) the procedure may read or modify.
 * `callback` marks actual-ins of a library call site for the parameters the
 * library passes to a callback (pcap_loop → handler(user, hdr, bytes)).
 */
export type Slot =
  | { kind: 'param'; index: number; callback?: boolean }
  | { kind: 'ret' }
  | { kind: 'loc'; obj: ObjId };

export interface Vertex {
  id: VertexId;
  kind: VertexKind;
  /** Function key the vertex belongs to. */
  func: string;
  /** The instruction of an `instr` vertex; the call instruction of actual-in/out vertices. */
  instr?: InstrId;
  slot?: Slot;
}

export interface SdgStats {
  vertices: number;
  edges: number;
  byKind: Record<EdgeKind, number>;
  functions: number;
  ms: number;
  /** Milliseconds per build phase (modref, vertices, control, data, calls, summary). */
  phases: Record<string, number>;
}

export interface Sdg {
  readonly program: Program;
  readonly pts: PointsTo;
  readonly graph: Digraph<EdgeKind>;
  readonly vertices: readonly Vertex[];
  /** The vertex of an instruction (every instruction of every function has one). */
  vertexOfInstr(id: InstrId): VertexId | undefined;
  entryOf(func: string): VertexId | undefined;
  formalIns(func: string): readonly VertexId[];
  formalOuts(func: string): readonly VertexId[];
  actualIns(callInstr: InstrId): readonly VertexId[];
  actualOuts(callInstr: InstrId): readonly VertexId[];
  /** Functions (defined, incl. the global initializer) by key. */
  funcOf(v: VertexId): Func;
  /** Source location: the instruction's, the call's for actual vertices, the function's otherwise. */
  locOf(v: VertexId): SourceLoc;
  /** One-line human description, e.g. `fig3.c:24 instr: pkt = pcap_next(...)` or `formal-in hosts of lookup`. */
  describe(v: VertexId): string;
  /** Abstract locations a procedure may modify / reference (transitively through callees). */
  mod(func: string): ReadonlySet<ObjId>;
  /** As mod, for reads; locations no statement may define (string literals) are left out. */
  ref(func: string): ReadonlySet<ObjId>;
  readonly stats: SdgStats;
}

export interface SdgOptions {
  /**
   * Library functions that call their callback synchronously, before returning
   * (modeled as calls at the site). Any other callback registrar (pthread_create,
   * signal, atexit ...) is treated as starting concurrent code (interference edges).
   */
  synchronousCallbackLibs?: readonly string[];
}

export const DEFAULT_SYNC_CALLBACK_LIBS: readonly string[] = [
  'pcap_loop',
  'pcap_dispatch',
  'qsort',
  'qsort_r',
  'bsearch',
  'lfind',
  'lsearch',
  'tsearch',
  'tfind',
  'tdelete',
  'twalk',
  'scandir',
  'ftw',
  'nftw',
  'pthread_once',
];

export function slotKey(s: Slot): string {
  if (s.kind === 'param') return (s.callback ? 'cbp' : 'p') + s.index;
  if (s.kind === 'ret') return 'ret';
  return 'o' + s.obj;
}

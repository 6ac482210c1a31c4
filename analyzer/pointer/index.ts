// analyzer/pointer: Andersen (inclusion-based, optionally field-sensitive) and Steensgaard
// (unification-based) pointer analysis behind one PointsTo interface, with library models,
// allocation-wrapper naming and an on-the-fly call graph.
//
//   analyzePointers(program, { kind, fieldSensitive, models })  -> PointsTo
//   pointsToDump(program, pts, name?)                           -> text for `--dump pts`
//   callGraphDot(program, pts)                                  -> DOT for `--dump callgraph`
//
// Layout (SVF style): objects.ts (abstract memory), graph.ts (constraint graph data),
// solver.ts (generic worklist), andersen.ts / steensgaard.ts (solvers; Steensgaard overrides
// only copy-edge insertion, pointee insertion, node merging and node processing),
// constraints.ts (IR -> constraints, call linking, model application), models.ts (the table),
// wrappers.ts (allocation wrappers), result.ts (PointsTo), dump.ts, synth.ts + bench.ts.
//
// Decisions a client should know:
// - Defaults: Andersen, field-sensitive. The paper's analysis is field-insensitive
//   (`fieldSensitive: false` keeps it); field-insensitively an integer field loaded from an
//   object that also holds pointers carries them all, so in ids the Aho-Corasick slot number
//   used as an index made `pf->seen[slot >> 3] |= ...` write the whole rule automaton
//   (puzzle p52). Steensgaard is always field-insensitive (fieldSensitive is ignored for it
//   and reported false).
// - Heap objects are named by allocation site; a call to an allocation wrapper (a function
//   whose every return is fresh malloc/calloc/strdup memory, or another wrapper's, that
//   escapes only by being returned; memset/free inside are allowed) names a heap object by
//   the wrapper's call site. realloc is not "fresh" (it may return its argument).
// - Library-owned objects (pcap-buffer, pcap-pkthdr, pcap-handle, FILE) are one abstract
//   object per CALL SITE, not per handle: two pcap_next sites on one handle give two objects.
// - Field sensitivity: struct members are separate objects (`s.f`, nested `s.in.x`); arrays
//   are collapsed into their element; a union is one location (indexing an array inside it,
//   `u.raw[i]` or in6_addr's `s6_addr[i]`, stays in the union: puzzle p53). Heap objects take the layout
//   of the first struct they are used as. The whole object is collapsed into one location on
//   a member access with another struct layout (a cast) and on pointer arithmetic off a
//   non-array member (container_of). A write at the start of an object at an unknown offset
//   reaches every member; a read of a whole object (or through a mismatched scalar type)
//   reads every member. memcpy copies whole objects (every member to every member).
// - Integer <-> pointer casts and arithmetic carry pointers (copy); comparisons do not.
// - An external with no model may read and write everything reachable from its arguments,
//   store any reachable pointer anywhere reachable, return any of them or memory of its own,
//   and call any reachable function pointer with any of them; it is listed in unknownExternals.
// - memEffects: loads read / stores write what the pointer may point to (with the members of
//   a struct); library calls act by their model; unknown externals read+write all reachable.
//   Calls to DEFINED functions have no effects here: the SDG handles them interprocedurally.
// - Points-to sets are normalized: a member of a collapsed object is shown as the object.
//   `overlaps(a, b)` says whether two objects share storage (an object and its members do).
import { usageError } from '../errors.js';
import type { Program } from '../ir/types.js';
import { Andersen } from './andersen.js';
import { ConstraintBuilder } from './constraints.js';
import type { LibModel } from './models.js';
import { ObjectTable } from './objects.js';
import { PointsToResult } from './result.js';
import { Steensgaard } from './steensgaard.js';
import type { PointerAnalysisKind, PointsTo } from './types.js';

export type * from './types.js';
export type { LibModel, RetSpec, CallbackArg } from './models.js';
export { LIBRARY_MODELS, lookupModel } from './models.js';
export { pointsToDump, callGraphDot } from './dump.js';
export { findAllocationWrappers } from './wrappers.js';
export { objectsOverlap } from './storage.js';

export interface PointerOptions {
  kind?: PointerAnalysisKind;
  fieldSensitive?: boolean;
  /** Extra or overriding library models, by function name. */
  models?: Readonly<Record<string, LibModel>>;
}

export const DEFAULT_OPTIONS: Required<Omit<PointerOptions, 'models'>> = { kind: 'andersen', fieldSensitive: true };

export function analyzePointers(program: Program, opts: PointerOptions = {}): PointsTo {
  const kind = opts.kind ?? DEFAULT_OPTIONS.kind;
  if (kind !== 'andersen' && kind !== 'steensgaard') throw usageError(`unknown pointer analysis '${String(kind)}' (andersen or steensgaard)`);
  const fieldSensitive = kind === 'andersen' && (opts.fieldSensitive ?? DEFAULT_OPTIONS.fieldSensitive);
  const t0 = performance.now();
  const table = new ObjectTable(program, fieldSensitive);
  const solver = kind === 'steensgaard' ? new Steensgaard(table) : new Andersen(table);
  const builder = new ConstraintBuilder(program, table, solver, opts.models);
  builder.build();
  solver.solve();
  return new PointsToResult(kind, program, table, solver, builder, performance.now() - t0);
}

// analyzer/pointer: Andersen (inclusion-based, optionally field-sensitive) and Steensgaard
// (unification-based) pointer analysis behind one PointsTo interface, with library models,
// allocation-wrapper naming and an on-the-fly call graph.
//
//   analyzePointers(program, { kind, fieldSensitive, models })  -> PointsTo
//   pointsToDump(program, pts, name?)                           -> text for `--dump pts`
//   callGraphDot(program, pts)                                  -> DOT for `--dump callgraph`
//
// Defaults: Andersen, field-insensitive (as the paper), the built-in LIBRARY_MODELS table.
// Steensgaard is always field-insensitive (fieldSensitive is ignored for it).
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

export interface PointerOptions {
  kind?: PointerAnalysisKind;
  fieldSensitive?: boolean;
  /** Extra or overriding library models, by function name. */
  models?: Readonly<Record<string, LibModel>>;
}

export const DEFAULT_OPTIONS: Required<Omit<PointerOptions, 'models'>> = { kind: 'andersen', fieldSensitive: false };

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

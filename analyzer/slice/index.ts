// analyzer/slice: context-sensitive two-phase slicing, chopping and dependence
// paths over the SDG (analyzer/sdg), plus criteria from file:line[:var] and rendering.
//
//   backwardSlice(sdg, vertices) / forwardSlice(sdg, vertices) / slice(sdg, vs, dir) → VertexSet
//   chop(sdg, source, target) = forwardSlice(source) ∩ backwardSlice(target): the vertices
//     affected by a source that affect a target (a sound superset of Reps–Rosay's precise chop)
//   explainPath(sdg, sources, target, within?) → edges with kinds (control, data, call,
//     param-in, param-out, summary, interference): why target is affected by a source
//   criterionAt(sdg, file, line, var?) → criterion vertices; instrVertices(sdg, instrIds)
//   statementsOf / formatStatements → sorted unique `file:line  text`; functionsOf; sliceToDot
export { backwardSlice, chop, explainPath, forwardSlice, slice, vertexSet } from './slice.js';
export type { Direction, PathStep, VertexSet } from './slice.js';
export { criterionAt, instrsAt, mentions, sameFile, varsNamed } from './criterion.js';
export { formatStatements, functionsOf, sliceToDot, statementsOf } from './render.js';
export type { Statement } from './render.js';
export { instrVertices } from './vertices.js';

// analyzer/sdg: the system dependence graph (Horwitz–Reps–Binkley) of a Program
// under a PointsTo, for slicing and for the StateAlyzr stages.
//
//   const sdg = buildSdg(program, pts);          // once per Program + PointsTo
//   sdg.vertexOfInstr(instrId) → VertexId;  sdg.vertices[v].instr → InstrId → program.instrs[id].loc/text
//   sdg.describe(v), sdg.locOf(v), sdg.funcOf(v)
//   sdg.graph: Digraph<EdgeKind> with edge kinds control | data | call | param-in | param-out | summary | interference
//   sdg.mod(f) / sdg.ref(f): abstract locations a procedure may write / read, through callees too
//     (ref leaves out what no statement may define, e.g. string literals: it carries no data dependence)
//
// Vertices: one per IR instruction, an entry per procedure, formal-in/out per
// parameter, return value and every location in the procedure's mod/ref, and
// actual-in/out at each call site whose callees (direct, every indirect target,
// or library callbacks such as pcap_loop's handler) are defined in the program.
// Control dependence uses an augmented CFG (entry→exit, loop-header→exit for
// loops without exit); data dependence is reaching definitions over variables and
// abstract locations with weak updates through pointers; summary edges follow
// Reps et al.'s worklist algorithm. Callbacks registered with a library that runs
// them concurrently (pthread_create, signal ...) are joined by interference edges.
export { buildSdg } from './build.js';
export { augmentedCfg, blockControl } from './cfg.js';
export { computeModRef, directUses, directDef } from './modref.js';
export { DEFAULT_SYNC_CALLBACK_LIBS, EDGE_KINDS, slotKey } from './types.js';
export type { EdgeKind, Sdg, SdgOptions, SdgStats, Slot, Vertex, VertexId, VertexKind } from './types.js';

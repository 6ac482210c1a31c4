// analyzer/graph: generic directed graphs and the classic algorithms over them
// (worklist, Tarjan SCC, Cooper–Harvey–Kennedy dominators and post-dominators,
// dominance frontiers, Ferrante–Ottenstein–Warren control dependence, DOT output).
// Imports nothing from the rest of statelab.
export { Digraph, reachable, reversePostorder } from './digraph.js';
export type { Edge, NodeId, SuccessorGraph } from './digraph.js';
export { Worklist, solve } from './worklist.js';
export { tarjanScc, onCycle } from './scc.js';
export type { SccResult } from './scc.js';
export { dominatorTree, postDominatorTree, dominanceFrontiers } from './dominators.js';
export type { DominatorTree, PredecessorGraph } from './dominators.js';
export { controlDependence } from './control.js';
export type { ControlDependence } from './control.js';
export { writeDot, dotQuote } from './dot.js';
export type { DotNode, DotEdge, DotCluster } from './dot.js';

// Per-procedure control dependence over the block CFG, augmented so that it
// stays meaningful when the exit is unreachable: a virtual entry with edges to
// the entry block and to exit (Ferrante et al.'s START→STOP edge), and an edge
// to exit from the header of every loop region that cannot reach exit
// (`while (1)` packet loops, `for (;;)`), as is standard for non-terminating code.
import { Digraph, controlDependence, reachable, reversePostorder, tarjanScc } from '../graph/index.js';
import type { BlockId, Func } from '../ir/types.js';

export interface BlockControl {
  /** Index of the virtual entry node in the augmented graph (= blocks.length). */
  virtualEntry: number;
  /** Controlling nodes per block: block ids, or `virtualEntry` for "depends only on procedure entry". */
  controllers: number[][];
  /** Loop headers that received a pseudo exit edge. */
  pseudoExits: BlockId[];
}

export function augmentedCfg(f: Func): { g: Digraph<undefined>; virtualEntry: number; pseudoExits: BlockId[] } {
  const n = f.blocks.length;
  const g = new Digraph<undefined>(n + 1);
  for (const b of f.blocks) for (const s of b.succs) g.addEdge(b.id, s, undefined);
  const ve = n;
  g.addEdge(ve, f.entry, undefined);
  g.addEdge(ve, f.exit, undefined);
  const live = reachable(g, [ve]);
  const rev = { size: g.size, succs: (x: number) => g.preds(x) };
  const toExit = reachable(rev, [f.exit]);
  const stuck = (x: number) => live[x] === 1 && toExit[x] === 0;
  const pseudoExits: BlockId[] = [];
  if (f.blocks.some((b) => stuck(b.id))) {
    const rpo = reversePostorder(g, ve);
    const order = new Int32Array(g.size).fill(-1);
    rpo.forEach((x, i) => (order[x] = i));
    const sub = { size: g.size, succs: (x: number) => (stuck(x) ? g.succs(x).filter(stuck) : []) };
    const scc = tarjanScc(sub);
    for (const comp of scc.components) {
      if (!stuck(comp[0]!)) continue;
      const c = scc.componentOf[comp[0]!];
      // Sinks of the condensation of the stuck region: no edge leaves the component.
      const leaves = comp.some((x) => sub.succs(x).some((s) => scc.componentOf[s] !== c));
      if (leaves) continue;
      const header = comp.reduce((a, b) => (order[a]! <= order[b]! ? a : b));
      g.addEdge(header, f.exit, undefined);
      pseudoExits.push(header);
    }
  }
  return { g, virtualEntry: ve, pseudoExits };
}

export function blockControl(f: Func): BlockControl {
  const { g, virtualEntry, pseudoExits } = augmentedCfg(f);
  const cd = controlDependence(g, f.exit);
  return { virtualEntry, controllers: cd.controllers.slice(0, f.blocks.length), pseudoExits };
}

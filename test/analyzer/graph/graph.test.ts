// Tests of analyzer/graph on hand-built graphs, plus bounded random graphs
// checked against definition-level oracles (removal-based dominance).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Digraph,
  Worklist,
  controlDependence,
  dominanceFrontiers,
  dominatorTree,
  postDominatorTree,
  reachable,
  tarjanScc,
  writeDot,
} from '../../../analyzer/graph/index.js';

function graph(n: number, edges: [number, number][]): Digraph {
  const g = new Digraph(n);
  for (const [a, b] of edges) g.addEdge(a, b, undefined);
  return g;
}

/** a dominates b iff b is unreachable from root once a is removed (the definition). */
function naiveDominates(g: Digraph, root: number, a: number, b: number): boolean {
  if (a === b) return true;
  if (a === root) return true;
  const view = { size: g.size, succs: (n: number) => (n === a ? [] : g.succs(n)) };
  return !reachable(view, [root])[b];
}

describe('Digraph', () => {
  it('keeps edges both ways and rejects unknown nodes', () => {
    const g = graph(3, [
      [0, 1],
      [1, 2],
      [0, 2],
    ]);
    expect(g.succs(0)).toEqual([1, 2]);
    expect(g.preds(2)).toEqual([1, 0]);
    expect(g.edges).toBe(3);
    expect(g.reversed().succs(2).sort()).toEqual([0, 1]);
    expect(() => g.addEdge(0, 3, undefined)).toThrow(/out of range/);
  });
});

describe('Worklist', () => {
  it('holds an item once until it is popped', () => {
    const wl = new Worklist([1, 2]);
    expect(wl.push(1)).toBe(false);
    expect(wl.pop()).toBe(1);
    expect(wl.push(1)).toBe(true);
    expect([wl.pop(), wl.pop(), wl.pop()]).toEqual([2, 1, undefined]);
  });
});

describe('tarjanScc', () => {
  it('finds components in reverse topological order', () => {
    // 0 -> 1 <-> 2 -> 3, 3 -> 3, 4 isolated
    const g = graph(5, [
      [0, 1],
      [1, 2],
      [2, 1],
      [2, 3],
      [3, 3],
    ]);
    const { components, componentOf } = tarjanScc(g);
    expect(components.map((c) => [...c].sort())).toEqual([[3], [1, 2], [0], [4]]);
    expect(componentOf[1]).toBe(componentOf[2]);
    expect(componentOf[0]).not.toBe(componentOf[1]);
  });

  it('does not overflow on a 100000-node chain', () => {
    const n = 100000;
    const g = new Digraph(n);
    for (let i = 0; i + 1 < n; i++) g.addEdge(i, i + 1, undefined);
    g.addEdge(n - 1, 0, undefined);
    expect(tarjanScc(g).components.length).toBe(1);
  });
});

describe('dominators', () => {
  it('computes the Cooper–Harvey–Kennedy Figure 4 example', () => {
    // Their irreducible graph: 6 -> 5, 6 -> 4, 5 -> 1, 4 -> 2, 4 -> 3, 1 -> 2, 2 -> 1, 2 -> 3, 3 -> 2
    // renumbered 6..1 as 0..5.
    const g = graph(6, [
      [0, 1],
      [0, 2],
      [1, 5],
      [2, 4],
      [2, 3],
      [5, 4],
      [4, 5],
      [4, 3],
      [3, 4],
    ]);
    const t = dominatorTree(g, 0);
    expect([...t.idom]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('computes a diamond with a loop', () => {
    // 0 -> 1 -> {2,3} -> 4 -> 1, 4 -> 5
    const g = graph(6, [
      [0, 1],
      [1, 2],
      [1, 3],
      [2, 4],
      [3, 4],
      [4, 1],
      [4, 5],
    ]);
    const t = dominatorTree(g, 0);
    expect([...t.idom]).toEqual([0, 0, 1, 1, 1, 4]);
    expect(t.dominates(1, 5)).toBe(true);
    expect(t.dominates(2, 4)).toBe(false);
    const pt = postDominatorTree(g, 5);
    expect([...pt.idom]).toEqual([1, 4, 4, 4, 5, 5]);
    const df = dominanceFrontiers(g, t);
    expect([...df[2]!]).toEqual([4]);
    expect([...df[4]!]).toEqual([1]);
    expect([...df[1]!]).toEqual([1]);
  });

  it('matches the removal definition on random graphs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }).chain((n) =>
          fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 20 })),
        ),
        ([n, edges]) => {
          const g = graph(n, edges);
          const t = dominatorTree(g, 0);
          const live = reachable(g, [0]);
          for (let a = 0; a < n; a++)
            for (let b = 0; b < n; b++) {
              if (!live[a] || !live[b]) {
                expect(t.dominates(a, b)).toBe(false);
                continue;
              }
              expect(t.dominates(a, b)).toBe(naiveDominates(g, 0, a, b));
            }
        },
      ),
      { numRuns: 200, seed: 4 },
    );
  });
});

describe('controlDependence', () => {
  it('handles if/else, a loop and an early exit', () => {
    // 0 entry; 1: if (p) ; 2 then; 3 else; 4 join; 5: while (q) -> 6 body -> 5; 5 -> 7 exit
    // 6 may also "return" straight to 7.
    const g = graph(8, [
      [0, 1],
      [1, 2],
      [1, 3],
      [2, 4],
      [3, 4],
      [4, 5],
      [5, 6],
      [5, 7],
      [6, 5],
      [6, 7],
    ]);
    const cd = controlDependence(g, 7);
    expect(cd.controllers[2]).toEqual([1]);
    expect(cd.controllers[3]).toEqual([1]);
    expect(cd.controllers[4]).toEqual([]);
    expect(cd.controllers[6]).toEqual([5]);
    expect(cd.controllers[5]).toEqual([6]);
    expect(cd.dependents[1]).toEqual([2, 3]);
  });

  it('matches the definition on random graphs', () => {
    // b is CD on a iff a has successor s with b pdom s and not (b strictly pdom a).
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }).chain((n) =>
          fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 16 })),
        ),
        ([n, edges]) => {
          const exit = n - 1;
          const g = graph(
            n,
            edges.filter(([a]) => a !== exit),
          );
          const rev = g.reversed();
          const cd = controlDependence(g, exit);
          const live = reachable(rev, [exit]);
          const pdom = (a: number, b: number) => live[a] && live[b] && naiveDominates(rev, exit, a, b);
          for (let a = 0; a < n; a++)
            for (let b = 0; b < n; b++) {
              if (!live[a] || !live[b]) continue;
              const expected = g.succs(a).some((s) => live[s] && pdom(b, s)) && !(b !== a && pdom(b, a));
              expect(cd.controllers[b]!.includes(a)).toBe(expected);
            }
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });
});

describe('writeDot', () => {
  it('quotes C source in labels', () => {
    const dot = writeDot('g', [{ id: 'a', label: 'printf("%s\\n", x);' }], [{ from: 'a', to: 'a', label: 'data' }]);
    expect(dot).toContain('label="printf(\\"%s\\\\n\\", x);"');
    expect(dot).toContain('"a" -> "a" [label="data"]');
  });
});

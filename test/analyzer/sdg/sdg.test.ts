// The SDG and two-phase slicing on examples from the literature, with the
// expected slices written by hand from the papers: Tip's sum/product,
// Horwitz–Reps–Binkley's Main/A/Add/Increment, and control-dependence corner cases.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProgramFromSource } from '../../../analyzer/frontend/index.js';
import { reachable } from '../../../analyzer/graph/index.js';
import { analyzePointers } from '../../../analyzer/pointer/index.js';
import { buildSdg } from '../../../analyzer/sdg/index.js';
import type { Sdg, VertexId } from '../../../analyzer/sdg/index.js';
import {
  backwardSlice,
  chop,
  criterionAt,
  explainPath,
  forwardSlice,
  sliceToDot,
  statementsOf,
  vertexSet,
} from '../../../analyzer/slice/index.js';
import { cDir, controllerLines, instrsOnLine, lineOf, sdgOfFile } from './load.js';

const lines = (sdg: Sdg, vs: Iterable<VertexId>) => statementsOf(sdg, vertexSet(sdg.vertices.length, vs)).map((s) => s.line);

/** Context-insensitive slice (plain reachability over every edge): the baseline a realizable slice must beat. */
function naiveBackward(sdg: Sdg, crit: VertexId[]): VertexId[] {
  const rev = { size: sdg.vertices.length, succs: (v: number) => sdg.graph.preds(v) };
  const m = reachable(rev, crit);
  return [...m.keys()].filter((v) => m[v]);
}

describe("Tip's sum/product program", () => {
  const file = join(cDir, 'sumprod.c');
  const src = readFileSync(file, 'utf8');
  const L = (s: string) => lineOf(src, s);
  const sdg = sdgOfFile(file);

  it('slices product without sum', () => {
    const s = backwardSlice(sdg, criterionAt(sdg, file, L('printf("%d\\n", product)')));
    expect(lines(sdg, s.vertices)).toEqual(
      ['int n = atoi', 'int i = 1', 'int product = 1', 'while (i <= n)', 'product = product * i', 'i = i + 1', 'printf("%d\\n", product)'].map(L),
    );
  });

  it('slices sum without product', () => {
    const s = backwardSlice(sdg, criterionAt(sdg, file, L('printf("%d\\n", sum)')));
    expect(lines(sdg, s.vertices)).toEqual(
      ['int n = atoi', 'int i = 1', 'int sum = 0', 'while (i <= n)', 'sum = sum + i', 'i = i + 1', 'printf("%d\\n", sum)'].map(L),
    );
  });

  it('forward slice of sum = 0 and of i = 1', () => {
    expect(lines(sdg, forwardSlice(sdg, criterionAt(sdg, file, L('int sum = 0'))).vertices)).toEqual(
      ['int sum = 0', 'sum = sum + i', 'printf("%d\\n", sum)'].map(L),
    );
    const fi = lines(sdg, forwardSlice(sdg, criterionAt(sdg, file, L('int i = 1'))).vertices);
    for (const s of ['while (i <= n)', 'sum = sum + i', 'product = product * i', 'i = i + 1', 'printf("%d\\n", sum)', 'printf("%d\\n", product)'])
      expect(fi).toContain(L(s));
    expect(fi).not.toContain(L('int product = 1'));
    expect(fi).not.toContain(L('return argc'));
  });

  it('restricts the criterion to a variable', () => {
    const line = L('sum = sum + i');
    expect(() => criterionAt(sdg, file, line, 'product')).toThrow(/sumprod.c:\d+: no statement on this line reads or writes 'product'/);
    expect(criterionAt(sdg, file, line, 'sum').length).toBeGreaterThan(0);
    expect(() => criterionAt(sdg, file, 1000)).toThrow(/sumprod.c:1000: no statement on this line/);
    expect(() => criterionAt(sdg, 'nope.c', 3)).toThrow(/nope.c:3: no such file/);
  });
});

describe('Horwitz–Reps–Binkley Main/A/Add/Increment', () => {
  const file = join(cDir, 'hrb.c');
  const src = readFileSync(file, 'utf8');
  const L = (s: string) => lineOf(src, s);
  const sdg = sdgOfFile(file);
  const crit = criterionAt(sdg, file, L('printf("%d\\n", i)'));

  it('gives the context-sensitive slice on i', () => {
    const s = backwardSlice(sdg, crit);
    expect(lines(sdg, s.vertices)).toEqual(
      ['return a + b', 'return add(z, 1)', 'i = increment(i)', 'i = 1;', 'while (i < 11)', 'A();', 'printf("%d\\n", i)'].map(L),
    );
    // The unrealizable path enters add from increment and leaves to A's add(sum, i).
    expect(lines(sdg, s.vertices)).not.toContain(L('sum = add(sum, i)'));
    expect(lines(sdg, s.vertices)).not.toContain(L('sum = 0'));
  });

  it('differs from a context-insensitive slice exactly by the unrealizable statements', () => {
    const naive = lines(sdg, naiveBackward(sdg, crit));
    expect(naive).toContain(L('sum = add(sum, i)'));
    expect(naive).toContain(L('sum = 0'));
  });

  it('has summary edges from actual-ins to the actual-out of add(sum, i)', () => {
    const call = instrsOnLine(sdg, L('sum = add(sum, i)')).find((i) => i.kind === 'call')!;
    const ins = sdg.actualIns(call.id);
    const [out] = sdg.actualOuts(call.id).filter((v) => sdg.vertices[v]!.slot!.kind === 'ret');
    for (const a of ins) expect(sdg.graph.hasEdge(a, out!, 'summary')).toBe(true);
  });

  it('computes mod/ref through callees', () => {
    const name = (o: number) => sdg.pts.objects[o]!.name;
    expect([...sdg.mod('A')].map(name).sort()).toEqual(['i', 'sum']);
    expect([...sdg.mod('main')].map(name).sort()).toEqual(['i', 'sum']);
    expect(sdg.mod('add').size).toBe(0);
  });

  it('leaves a non-recursive procedure\'s own locals and their fields out of its mod/ref, not a recursive one\'s', () => {
    const program = loadProgramFromSource(
      [
        'struct key { int a, b; };',
        'int g;',
        'int hash(int x) { struct key k; k.a = x; k.b = g; return k.a ^ k.b; }',
        'int deep(int n) { struct key k; k.a = n; return n ? deep(n - 1) + k.a : 0; }',
        'int main(void) { g = hash(3); return deep(2); }',
      ].join('\n'),
      'frame.c',
    );
    const s = buildSdg(program, analyzePointers(program));
    const names = (set: ReadonlySet<number>) => [...set].map((o) => s.pts.objects[o]!.name).sort();
    expect(names(s.mod('hash'))).toEqual([]); // k and k.a, k.b are hash's own frame
    expect(names(s.ref('hash'))).toEqual(['g']);
    expect(names(s.mod('deep')).some((n) => n.includes('k'))).toBe(true); // a recursive call may see an outer k
  });

  it('chops from sum = 0 to the sum printf, and explains the path', () => {
    const source = criterionAt(sdg, file, L('sum = 0'));
    const target = criterionAt(sdg, file, L('printf("%d\\n", sum)'));
    const c = chop(sdg, source, target);
    // A(); is in it through its actual-in/out for sum (it passes sum on).
    expect(lines(sdg, c.vertices)).toEqual(['return a + b', 'sum = add(sum, i)', 'sum = 0', 'A();', 'printf("%d\\n", sum)'].map(L));
    const tcall = target.find((v) => sdg.program.instrs[sdg.vertices[v]!.instr!]!.kind === 'call')!;
    // sum = 0 reaches the printf directly when the loop runs zero times.
    expect(explainPath(sdg, source, tcall, c)!.map((p) => p.kind)).toEqual(['data']);
    // i = 1 reaches it only through add's b and A's formal-out of sum.
    const from = criterionAt(sdg, file, L('i = 1;'));
    expect(explainPath(sdg, from, tcall)!.map((p) => p.kind)).toEqual(['data', 'summary', 'data']);
    const path = explainPath(sdg, from, tcall, chop(sdg, from, [tcall]), new Set(['summary', 'control']))!;
    const kinds = path.map((p) => p.kind);
    expect(kinds).toContain('param-in');
    expect(kinds).toContain('param-out');
    for (const p of path) expect(sdg.graph.hasEdge(p.from, p.to, p.kind)).toBe(true);
    expect(from).toContain(path[0]!.from);
    expect(path.at(-1)!.to).toBe(tcall);
    expect(explainPath(sdg, criterionAt(sdg, file, L('printf("%d\\n", i)')), tcall)).toBeUndefined();
  });

  it('writes the slice as DOT with a cluster per procedure', () => {
    const dot = sliceToDot(sdg, backwardSlice(sdg, crit));
    expect(dot).toMatch(/^digraph "slice" \{/);
    for (const f of ['add', 'increment', 'A', 'main']) expect(dot).toContain(`label="${f}"`);
    expect(dot).toContain('label="summary"');
  });
});

describe('control dependence corner cases', () => {
  const file = join(cDir, 'control.c');
  const src = readFileSync(file, 'utf8');
  const L = (s: string) => lineOf(src, s);
  const sdg = sdgOfFile(file);
  /** Controller lines of every instruction on the line must be exactly `want`. */
  const expectControl = (stmt: string, want: (string | 'entry')[]) => {
    const instrs = instrsOnLine(sdg, L(stmt));
    expect(instrs.length).toBeGreaterThan(0);
    const wantLines = want.map((w) => (w === 'entry' ? 'entry' : L(w))).sort();
    for (const i of instrs) expect(controllerLines(sdg, sdg.vertexOfInstr(i.id)!), `${stmt} (${i.kind})`).toEqual(wantLines);
  };

  it('early return', () => {
    expectControl('return -1', ['if (x < 0)']);
    expectControl('g = x;', ['if (x < 0)']);
    expectControl('return 0;', ['if (x < 0)']);
  });
  it('break, continue, goto', () => {
    expectControl('if (k == 3)', ['for (int k']);
    expectControl('if (k == 7)', ['if (k == 3)']);
    expectControl('s += k', ['if (k == 7)']);
    expectControl('if (s > 100)', ['entry']);
    expectControl('s = s * 2', ['if (s > 100)']);
    expectControl('return s', ['entry']);
  });
  it('switch with fallthrough', () => {
    expectControl('r = 10', ['switch (c)']);
    expectControl('r = r + 1', ['switch (c)']);
    expectControl('r = -1', ['switch (c)']);
    expectControl('return r', ['entry']);
  });
  it('a while(1) loop without exit keeps its body meaningful', () => {
    expectControl('int c = getchar()', ['entry']);
    expectControl("if (c == 'x')", ['entry']);
    expectControl('n++', ["if (c == 'x')"]);
    // Data still flows around the loop: n++ depends on itself through the back edge, printf on n++.
    const printf = instrsOnLine(sdg, L('printf("%d %d\\n"')).find((i) => i.kind === 'call' && i.callee === 'printf')!;
    const s = lines(sdg, backwardSlice(sdg, [sdg.vertexOfInstr(printf.id)!]).vertices);
    expect(s).toContain(L('n++'));
    expect(s).toContain(L('int n = 0'));
  });
});

describe('duality on the literature programs', () => {
  it('q ∈ forward(p) ⇔ p ∈ backward(q) for every pair of statement vertices (incl. threads and callbacks)', () => {
    for (const name of ['hrb.c', 'fig3.c', 'control.c']) {
      const sdg = sdgOfFile(join(cDir, name));
      const vs = sdg.vertices.filter((v) => v.kind === 'instr').map((v) => v.id);
      const F = new Map(vs.map((p) => [p, forwardSlice(sdg, [p])]));
      const B = new Map(vs.map((q) => [q, backwardSlice(sdg, [q])]));
      let bad = 0;
      for (const p of vs) for (const q of vs) if (F.get(p)!.has(q) !== B.get(q)!.has(p)) bad++;
      expect(bad, name).toBe(0);
    }
  });
});

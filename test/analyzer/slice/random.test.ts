// Property tests of slicing on random C programs (bounded, fixed seed; globals,
// calls, loops, early returns, stores and loads through a pointer):
// (1) duality: q is in the forward slice of p exactly when p is in the backward slice of q;
// (2) soundness against a real run: compiled with cc and traced, every statement a
//     dynamic dependence chain shows affecting a statement instance is in its static backward slice.
// Each property is also run against a deliberately broken slicer to show it can fail.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { reachable } from '../../../analyzer/graph/index.js';
import { loadProgram } from '../../../analyzer/frontend/index.js';
import { analyzePointers } from '../../../analyzer/pointer/index.js';
import { buildSdg, type Sdg, type VertexId } from '../../../analyzer/sdg/index.js';
import { backwardSlice, criterionAt, forwardSlice, statementsOf, type VertexSet } from '../../../analyzer/slice/index.js';
import { dynamicDependences, dynamicSlice } from './dynamic.js';
import { programSeeds, randomProgram, render } from './randprog.js';

const work = mkdtempSync(join(tmpdir(), 'h3-rand-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;

interface Case {
  sdg: Sdg;
  file: string;
  lineOf: Map<number, number>;
  trace: string;
  prog: ReturnType<typeof randomProgram>;
  code: string;
}

function prepare(xs: number[]): Case {
  const prog = randomProgram(xs);
  const dir = join(work, String(counter++));
  execFileSync('mkdir', ['-p', dir]);
  const plain = render(prog, false);
  const instr = render(prog, true);
  const file = join(dir, 'p.c');
  writeFileSync(file, plain.code);
  writeFileSync(join(dir, 'traced.c'), instr.code);
  execFileSync('cc', ['-std=c11', '-O0', '-w', '-o', join(dir, 'traced'), join(dir, 'traced.c')]);
  const trace = execFileSync(join(dir, 'traced'), { encoding: 'utf8', timeout: 5000 });
  const program = loadProgram([file]);
  return { sdg: buildSdg(program, analyzePointers(program)), file, lineOf: plain.lineOf, trace, prog, code: plain.code };
}

type Slicer = (sdg: Sdg, crit: VertexId[]) => VertexSet;

/** Statement ids whose dynamic slice is not covered by the static slice of their line. */
function uncovered(c: Case, slicer: Slicer): string[] {
  const { last } = dynamicDependences(c.prog, c.trace);
  const bad: string[] = [];
  for (const [id, node] of last) {
    const line = c.lineOf.get(id)!;
    const stat = new Set(statementsOf(c.sdg, slicer(c.sdg, criterionAt(c.sdg, c.file, line))).map((s) => s.line));
    for (const d of dynamicSlice(node)) if (!stat.has(c.lineOf.get(d)!)) bad.push(`line ${c.lineOf.get(d)} affects line ${line} but is not in its slice`);
  }
  return bad;
}

/** Pairs (p, q) of instruction vertices where q ∈ forward(p) but p ∉ backward(q), or the reverse. */
function dualityViolations(sdg: Sdg, fwd: Slicer, bwd: Slicer): number {
  const vs = sdg.vertices.filter((v) => v.kind === 'instr').map((v) => v.id);
  const F = new Map(vs.map((p) => [p, fwd(sdg, [p])]));
  const B = new Map(vs.map((q) => [q, bwd(sdg, [q])]));
  let bad = 0;
  for (const p of vs) for (const q of vs) if (F.get(p)!.has(q) !== B.get(q)!.has(p)) bad++;
  return bad;
}

/** A broken slicer: one phase over every edge but param-out (never descends into callees). */
const noDescent: Slicer = (sdg, crit) => {
  const view = { size: sdg.vertices.length, succs: (v: number) => sdg.graph.inEdges(v).filter((e) => e.label !== 'param-out').map((e) => e.from) };
  const m = reachable(view, crit);
  return { mask: m, vertices: [...m.keys()].filter((v) => m[v]), has: (v) => m[v] === 1 };
};
/** A broken forward slicer: context-insensitive reachability. */
const naiveForward: Slicer = (sdg, crit) => {
  const m = reachable(sdg.graph, crit);
  return { mask: m, vertices: [...m.keys()].filter((v) => m[v]), has: (v) => m[v] === 1 };
};

const RUNS = 16;
const cases: Case[] = [];

describe('slicing properties on random programs', () => {
  it('backward slices contain every dynamic dependence of a real run', () => {
    fc.assert(
      fc.property(programSeeds, (xs) => {
        const c = prepare(xs);
        cases.push(c);
        expect(c.trace).toMatch(/^S \d+$/m);
        expect(uncovered(c, backwardSlice), c.file).toEqual([]);
      }),
      { numRuns: RUNS, seed: 20161116, endOnFailure: true },
    );
  }, 120_000);

  it('forward and backward slices are dual', () => {
    for (const c of cases) expect(dualityViolations(c.sdg, forwardSlice, backwardSlice)).toBe(0);
  });

  it('both checks catch deliberately broken slicers', () => {
    expect(cases.length).toBe(RUNS);
    // The corpus exercises calls, loops and stores/loads through pointers.
    expect(cases.filter((c) => /^\s*\*p = /m.test(c.code)).length).toBeGreaterThan(RUNS / 3);
    expect(cases.filter((c) => /= \*p \+/.test(c.code)).length).toBeGreaterThan(RUNS / 3);
    expect(cases.filter((c) => / = f\d\(/.test(c.code)).length).toBeGreaterThan(RUNS / 2);
    expect(cases.some((c) => uncovered(c, noDescent).length > 0)).toBe(true);
    expect(cases.some((c) => dualityViolations(c.sdg, naiveForward, backwardSlice) > 0)).toBe(true);
  });
});

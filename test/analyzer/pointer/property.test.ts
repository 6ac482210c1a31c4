// Property test: random pointer programs are compiled with cc and run with instrumentation
// that records which object each pointer really holds; every analysis must contain every
// observed fact, and Andersen ⊆ Steensgaard. Bounded: 12 batches of 20 programs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProgramFromSource } from '../../../analyzer/frontend/index.js';
import { analyzePointers, type PointerOptions } from '../../../analyzer/pointer/index.js';
import { checkPuzzle, checkSubsumed, type Puzzle } from './puzzle-check.js';
import { programArb, renderBatch, type Stmt } from './random-programs.js';

const work = mkdtempSync(join(tmpdir(), 'statelab-pts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;

/** Compile and run a batch; return the observed facts as a puzzle truth. */
function observe(progs: Stmt[][]): { code: string; pz: Puzzle } {
  const { code, heapLines } = renderBatch(progs);
  const n = counter++;
  const src = join(work, `rand${n}.c`);
  const bin = join(work, `rand${n}`);
  writeFileSync(src, code);
  execFileSync('cc', ['-std=c11', '-O0', '-w', '-o', bin, src], { stdio: 'pipe' });
  const out = execFileSync(bin, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const facts = new Map<string, Set<string>>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [v, o] = line.split(' ') as [string, string];
    if (o === '?') throw new Error(`pointer ${v} holds an unregistered address`);
    if (!facts.has(v)) facts.set(v, new Set());
    facts.get(v)!.add(o);
  }
  const sites = new Map<number, { alias: string }[]>();
  for (const [l, a] of heapLines) sites.set(l, [{ alias: a }]);
  const truth = [...facts].map(([name, objs]) => ({ name, objs: [...objs], line: 0 }));
  return { code, pz: { file: 'rand.c', exact: false, exactFs: false, unknown: [], truth, sites, calls: [] } };
}

function violations(progs: Stmt[][], models?: PointerOptions['models']): string[] {
  const { code, pz } = observe(progs);
  // every program writes some pointer and observes it: no batch may come back empty
  if (pz.truth.length === 0) throw new Error(`only ${pz.truth.length} observed pointers for ${progs.length} programs`);
  const program = loadProgramFromSource(code, 'rand.c');
  const an = analyzePointers(program, { fieldSensitive: false, models });
  const fs = analyzePointers(program, { fieldSensitive: true, models });
  const st = analyzePointers(program, { kind: 'steensgaard', models });
  const bad = [...checkPuzzle(pz, an, false), ...checkPuzzle(pz, fs, false), ...checkPuzzle(pz, st, false),
    ...checkSubsumed(program, an, st), ...checkSubsumed(program, fs, an)];
  for (const p of [an, fs, st]) if (p.unknownExternals.length > 0) bad.push(`unknown externals ${p.unknownExternals.join(', ')}`);
  return bad;
}

describe('random programs, run with cc, against the analyses', () => {
  it('every observed points-to fact is in every analysis, and Andersen ⊆ Steensgaard', () => {
    fc.assert(
      fc.property(fc.array(programArb, { minLength: 20, maxLength: 20 }), (progs) => {
        const bad = violations(progs);
        if (bad.length > 0) throw new Error(bad.slice(0, 10).join('\n'));
      }),
      { numRuns: 12, endOnFailure: true },
    );
  }, 120_000);

  it('catches a wrong model: a malloc that returns nothing loses the heap facts', () => {
    const prog: Stmt[] = [{ k: 'alloc', p: 0, h: 0 }, { k: 'copy', p: 1, r: 0 }, { k: 'qaddr', q: 0, p: 1 }];
    expect(violations([prog])).toEqual([]);
    const bad = violations([prog], { malloc: {} });
    expect(bad.some((b) => b.includes('misses P0_h0'))).toBe(true);
  });
});

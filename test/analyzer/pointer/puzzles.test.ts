// Drives every pointer puzzle in puzzles/: both analyses contain the hand-written truth,
// Andersen ⊆ Steensgaard, field-sensitive ⊆ field-insensitive, exact where the puzzle says so.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProgramFromSource } from '../../../analyzer/frontend/index.js';
import { analyzePointers, type LibModel, type PointsTo } from '../../../analyzer/pointer/index.js';
import { checkPuzzle, checkSubsumed, parsePuzzle } from './puzzle-check.js';

const dir = join(import.meta.dirname, 'puzzles');
const files = readdirSync(dir).filter((f) => f.endsWith('.c')).sort();

describe('pointer puzzles', () => {
  it('has at least 40 puzzles', () => expect(files.length).toBeGreaterThanOrEqual(40));

  it.each(files)('%s', (file) => {
    const code = readFileSync(join(dir, file), 'utf8');
    const pz = parsePuzzle(file, code);
    expect(pz.truth.length).toBeGreaterThan(0);
    const program = loadProgramFromSource(code, file);
    const an = analyzePointers(program, { fieldSensitive: false });
    const fs = analyzePointers(program, { fieldSensitive: true });
    const st = analyzePointers(program, { kind: 'steensgaard' });
    const problems = [
      ...checkPuzzle(pz, an, pz.exact, program),
      ...checkPuzzle(pz, fs, pz.exactFs, program),
      ...checkPuzzle(pz, st, false, program),
      ...checkSubsumed(program, an, st),
      ...checkSubsumed(program, fs, an),
    ];
    for (const p of [an, fs, st]) expect(p.unknownExternals, `${p.kind}: unmodeled externals`).toEqual(pz.unknown);
    expect(problems).toEqual([]);
  });
});

describe('the default analysis', () => {
  // ids' rule automaton was updateable because the AC slot number, an integer member of an
  // object that also holds pointers, carried those pointers into `pf->seen[slot >> 3] |= ...`
  // field-insensitively. The default (what statelab build analyzes with) must be exact here.
  it('is field-sensitive and exact on the automaton-slot puzzle, where field-insensitive is not', () => {
    const file = 'p52_slot_index_callback.c';
    const code = readFileSync(join(dir, file), 'utf8');
    const pz = parsePuzzle(file, code);
    const program = loadProgramFromSource(code, file);
    const def = analyzePointers(program);
    expect(def.fieldSensitive).toBe(true);
    expect(checkPuzzle(pz, def, true, program)).toEqual([]);
    const fi = checkPuzzle(pz, analyzePointers(program, { fieldSensitive: false }), true, program);
    expect(fi.some((m) => m.includes('PTS(on_hit::slot)'))).toBe(true);
  });
});

describe('the puzzle checker catches broken analyses', () => {
  // An analysis that loses facts: it forgets the first object of every set.
  const lossy = (p: PointsTo): PointsTo => {
    const drop = (s: ReadonlySet<number>): ReadonlySet<number> => new Set([...s].slice(1));
    return Object.assign(Object.create(p) as PointsTo, {
      pointsToVar: (v: number) => drop(p.pointsToVar(v)),
      pointsToObj: (o: number) => drop(p.pointsToObj(o)),
    });
  };
  // A model table that says memcpy copies nothing: the memcpy puzzle must then fail.
  const noMemcpy: Record<string, LibModel> = { memcpy: { ret: [{ arg: 0 }] } };

  it('flags lost facts, wrong library models, and imprecision against @exact', () => {
    let lossyFailures = 0;
    for (const file of ['p01_addr_copy.c', 'p04_struct_fields.c', 'p13_pcap_loop.c']) {
      const code = readFileSync(join(dir, file), 'utf8');
      const pz = parsePuzzle(file, code);
      const program = loadProgramFromSource(code, file);
      if (checkPuzzle(pz, lossy(analyzePointers(program, { fieldSensitive: false })), false).length > 0) lossyFailures++;
    }
    expect(lossyFailures).toBe(3);

    const mc = 'p20_memcpy_pointers.c';
    const mcCode = readFileSync(join(dir, mc), 'utf8');
    const mcProg = loadProgramFromSource(mcCode, mc);
    expect(checkPuzzle(parsePuzzle(mc, mcCode), analyzePointers(mcProg, { fieldSensitive: false, models: noMemcpy }), false)).not.toEqual([]);

    // Steensgaard is not exact on p01 (it unifies a and b), so claiming exactness must fail
    const p1 = 'p01_addr_copy.c';
    const code = readFileSync(join(dir, p1), 'utf8');
    const st = analyzePointers(loadProgramFromSource(code, p1), { kind: 'steensgaard' });
    const an = analyzePointers(loadProgramFromSource(code, p1), { fieldSensitive: false });
    expect(checkPuzzle(parsePuzzle(p1, code), st, true)).not.toEqual([]);
    expect(checkSubsumed(loadProgramFromSource(code, p1), st, an)).not.toEqual([]);

    // a model table without pthread_create's callback loses the call edge the puzzle states
    const th = 'p15_pthread.c';
    const thCode = readFileSync(join(dir, th), 'utf8');
    const thProg = loadProgramFromSource(thCode, th);
    const noCb = analyzePointers(thProg, { fieldSensitive: false, models: { pthread_create: { writes: [0] } } });
    expect(checkPuzzle(parsePuzzle(th, thCode), noCb, false, thProg).some((m) => m.includes('no call from main reaches worker'))).toBe(true);
  });
});

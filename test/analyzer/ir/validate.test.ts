// The IR invariant checker: silent on lowered programs, and it does catch each
// deliberately broken invariant.
import { describe, expect, it } from 'vitest';
import { loadProgramFromSource } from '../../../analyzer/frontend/index.js';
import { validateProgram } from '../../../analyzer/ir/validate.js';
import type { Program } from '../../../analyzer/ir/types.js';

const SRC = 'int g; int f(int x) { int *p = &g; while (x > 0) { if (x == 3) break; *p += x; x--; } return g; }';
const fresh = (): Program => loadProgramFromSource(SRC, 'v.c');

describe('validateProgram', () => {
  it('accepts a lowered program', () => {
    expect(validateProgram(fresh())).toEqual([]);
  });

  it('catches a successor missing from preds', () => {
    const p = fresh();
    const f = p.functions.get('f')!;
    const b = f.blocks.find((x) => x.succs.length > 0 && x.id !== 0)!;
    f.blocks[b.succs[0]].preds = f.blocks[b.succs[0]].preds.filter((q) => q !== b.id);
    expect(validateProgram(p).join('\n')).toMatch(/missing from preds/);
  });

  it('catches a ret block that does not jump to the exit', () => {
    const p = fresh();
    const f = p.functions.get('f')!;
    const rb = f.blocks.find((b) => b.instrs.some((i) => i.kind === 'ret'))!;
    rb.succs = [0];
    f.blocks[0].preds.push(rb.id);
    expect(validateProgram(p).join('\n')).toMatch(/must jump to the exit/);
  });

  it('catches an instruction id out of step with Program.instrs', () => {
    const p = fresh();
    p.instrs.reverse();
    expect(validateProgram(p).join('\n')).toMatch(/is not Program.instrs/);
  });

  it('catches a gep with both field and index, and a reference to a missing variable', () => {
    const p = fresh();
    const g = p.instrs.find((i) => i.kind === 'addr')!;
    (g as { dst: number }).dst = 99999;
    expect(validateProgram(p).join('\n')).toMatch(/missing variable 99999/);
  });

  it('catches a branch that is not last in its block', () => {
    const p = fresh();
    const f = p.functions.get('f')!;
    const b = f.blocks.find((x) => x.instrs.some((i) => i.kind === 'branch'))!;
    b.instrs.push({ ...b.instrs[0], kind: 'copy', dst: 0, srcs: [], op: '=', type: 0 } as never);
    expect(validateProgram(p).join('\n')).toMatch(/branch %\d+ is not last/);
  });
});

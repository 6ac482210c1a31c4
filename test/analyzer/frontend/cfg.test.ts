// CFG shape of structured and unstructured control flow (constructs.c): loop back
// edges, break/continue targets, switch dispatch and fallthrough, goto, short-circuit.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadProgram, loadProgramFromSource } from '../../../analyzer/frontend/index.js';
import type { Branch, Program } from '../../../analyzer/ir/types.js';
import { validateProgram } from '../../../analyzer/ir/validate.js';
import { FIXTURES, blockLabeled, blockOf, fn, markerLine, onLine } from './helpers.js';

const FILE = join(FIXTURES, 'constructs.c');
let p: Program;
const line = (m: string): number => markerLine(FILE, m);

beforeAll(() => {
  p = loadProgram([FILE]);
});

describe('front end: control flow', () => {
  it('for: cond -> body | end, continue -> inc, break -> end, inc -> cond (back edge)', () => {
    const f = fn(p, 'loops');
    const cond = blockLabeled(f, 'for.cond');
    const body = blockLabeled(f, 'for.body');
    const inc = blockLabeled(f, 'for.inc');
    const end = blockLabeled(f, 'for.end');
    expect(cond.succs).toEqual([body.id, end.id]);
    expect(inc.succs).toEqual([cond.id]);
    expect(cond.preds).toContain(inc.id);
    expect(onLine(f, line('for')).some((i) => i.kind === 'branch')).toBe(true);
    // `if (i == 2) continue;` — its then-block jumps to for.inc; `if (i == 5) break;` to for.end.
    const thens = f.blocks.filter((b) => b.label === 'if.then');
    expect(thens.map((b) => b.succs)).toEqual([[inc.id], [end.id]]);
  });

  it('while has a back edge from its body; do-while tests after the body and loops back on true', () => {
    const f = fn(p, 'loops');
    const wc = blockLabeled(f, 'while.cond');
    const wb = blockLabeled(f, 'while.body');
    expect(wc.succs).toEqual([wb.id, blockLabeled(f, 'while.end').id]);
    expect(wb.succs).toEqual([wc.id]);
    const db = blockLabeled(f, 'do.body');
    const dc = blockLabeled(f, 'do.cond');
    expect(db.succs).toEqual([dc.id]);
    expect(dc.succs).toEqual([db.id, blockLabeled(f, 'do.end').id]);
    expect(onLine(f, line('do')).map((i) => i.kind)).toEqual(['copy', 'copy', 'copy', 'branch']);
  });

  it('switch: one branch with case labels, targets in order with default last, and fallthrough', () => {
    const f = fn(p, 'sw');
    const br = onLine(f, line('switch')).find((i): i is Branch => i.kind === 'branch')!;
    expect(br.cases).toEqual(['1', '2', 'P_UDP']);
    const bb = blockOf(f, br);
    const c1 = blockLabeled(f, 'case 1');
    const c2 = blockLabeled(f, 'case 2');
    const cu = blockLabeled(f, 'case P_UDP');
    const def = blockLabeled(f, 'default');
    expect(bb.succs).toEqual([c1.id, c2.id, cu.id, def.id]);
    expect(c1.succs).toEqual([c2.id]); // falls through
    const end = blockLabeled(f, 'switch.end');
    expect(c2.succs).toEqual([end.id]); // break
    expect(cu.succs).toEqual([end.id]);
    expect(def.succs).toEqual([end.id]);
  });

  it('a switch without default falls out to the end', () => {
    const q = loadProgramFromSource('int f(int k) { int r = 0; switch (k) { case 1: r = 1; } return r; }');
    const f = fn(q, 'f');
    const br = f.blocks.flatMap((b) => b.instrs).find((i): i is Branch => i.kind === 'branch')!;
    expect(blockOf(f, br).succs).toEqual([blockLabeled(f, 'case 1').id, blockLabeled(f, 'switch.end').id]);
  });

  it('goto jumps to the label block, which holds the labeled statement', () => {
    const f = fn(p, 'gotos');
    const fail = blockLabeled(f, 'fail');
    const gotoBlock = f.blocks.find((b) => b.label === 'if.then')!;
    expect(gotoBlock.succs).toEqual([fail.id]);
    expect(fail.instrs[0]).toMatchObject({ kind: 'ret', value: { kind: 'const', text: '-1' } });
    expect(fail.instrs[0].loc.line).toBe(line('label') + 1);
  });

  it('goto backwards makes a loop', () => {
    const q = loadProgramFromSource('int f(int n) { again: n--; if (n > 0) goto again; return n; }');
    const f = fn(q, 'f');
    const again = blockLabeled(f, 'again');
    const then = blockLabeled(f, 'if.then');
    expect(then.succs).toEqual([again.id]);
    expect(again.preds).toContain(then.id);
  });

  it('&& and || short-circuit: each operand has its own branch block', () => {
    const f = fn(p, 'logic');
    const first = onLine(f, line('and')).filter((i) => i.kind === 'branch');
    expect(first).toHaveLength(2);
    const [b1, b2] = first.map((i) => blockOf(f, i));
    const then = blockLabeled(f, 'if.then');
    const end = blockLabeled(f, 'if.end');
    expect(b1.succs).toEqual([b2.id, end.id]); // a > 0 false skips b > 0
    expect(b2.succs).toEqual([then.id, end.id]);
    // `int v = a && b;` as a value: 1 on the true path, 0 on the false path.
    expect(blockLabeled(f, 'sc.true').instrs[0]).toMatchObject({ kind: 'copy', srcs: [{ kind: 'const', text: '1' }] });
    expect(blockLabeled(f, 'sc.false').instrs[0]).toMatchObject({ kind: 'copy', srcs: [{ kind: 'const', text: '0' }] });
  });

  it('every return block jumps to the unique exit; while(1) leaves the exit unreachable', () => {
    for (const f of p.functions.values()) {
      const exit = f.blocks[f.exit];
      expect(exit.succs).toEqual([]);
      for (const b of f.blocks) if (b.instrs.some((i) => i.kind === 'ret')) expect(b.succs).toEqual([f.exit]);
    }
    const q = loadProgramFromSource('int n; void loop(void) { while (1) { n++; } }');
    const f = fn(q, 'loop');
    expect(f.blocks[f.exit].preds).toEqual([]);
    const body = blockLabeled(f, 'while.body');
    expect(blockLabeled(f, 'while.cond').succs).toEqual([body.id]);
    expect(validateProgram(q)).toEqual([]);
  });

  it('code after return is kept in an unreachable block, not dropped', () => {
    const q = loadProgramFromSource('int g; int f(void) { return 1; g = 2; }');
    const f = fn(q, 'f');
    const dead = f.blocks.find((b) => b.instrs.some((i) => i.kind === 'copy'))!;
    expect(dead.preds).toEqual([]);
    expect(validateProgram(q)).toEqual([]);
  });
});

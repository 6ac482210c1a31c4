// The paper's running example (Figure 3): what later stages need from the front
// end, on the paper's lines (fig3.c maps paper line L to line L+20).
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadProgram } from '../../../analyzer/frontend/index.js';
import { GLOBAL_INIT, type Program } from '../../../analyzer/ir/types.js';
import { validateProgram } from '../../../analyzer/ir/validate.js';
import { FIXTURES, fn, instrs, onLine, theVar } from './helpers.js';

const FILE = join(FIXTURES, 'fig3.c');
const paper = (l: number): number => l + 20;
let p: Program;

beforeAll(() => {
  p = loadProgram([FILE]);
});

describe('front end: Figure 3', () => {
  it('has the figure globals on lines 7-11 and the figure procedures', () => {
    expect(p.diagnostics).toEqual([]);
    expect(validateProgram(p)).toEqual([]);
    const globals = p.vars.filter((v) => v.scope === 'global').map((v) => [v.name, v.loc.line - 20]);
    expect(globals).toEqual([['intPcap', 7], ['extPcap', 7], ['threshold', 8], ['queue', 9], ['head', 10], ['tail', 10], ['hosts', 11]]);
    for (const f of ['main', 'loopProcedure', 'enqueue', 'dequeue', 'processPacket', 'lookup']) expect(p.functions.has(f)).toBe(true);
  });

  it('line 24 receives with pcap_next and line 28 outputs with pcap_inject', () => {
    const lp = fn(p, 'loopProcedure');
    expect(onLine(lp, paper(24)).find((i) => i.kind === 'call')).toMatchObject({ callee: 'pcap_next' });
    expect(onLine(lp, paper(28)).find((i) => i.kind === 'call')).toMatchObject({ callee: 'pcap_inject' });
    expect(onLine(lp, paper(26)).find((i) => i.kind === 'call')).toMatchObject({ callee: 'enqueue' });
  });

  it('lines 37-38 update tail only through index = &tail', () => {
    const dq = fn(p, 'dequeue');
    const tail = theVar(p, 'tail');
    const index = theVar(p, 'index', 'dequeue');
    const l37 = onLine(dq, paper(37));
    expect(l37[0]).toMatchObject({ kind: 'addr', target: { kind: 'var', var: tail.id } });
    expect(l37[1]).toMatchObject({ kind: 'copy', dst: index.id });
    expect(tail.addressTaken).toBe(true);
    const l38 = onLine(dq, paper(38));
    expect(l38[l38.length - 1]).toMatchObject({ kind: 'store', addr: index.id });
    // Outside its initializer (`tail = 0`, in GLOBAL_INIT), tail is never the destination of a direct copy.
    const direct = p.instrs.filter((i) => i.kind === 'copy' && i.dst === tail.id);
    expect(direct.map((i) => p.instrFunc[i.id])).toEqual([GLOBAL_INIT]);
  });

  it('processPacket is started through its address (pthread_create), not called', () => {
    const main = fn(p, 'main');
    const start = instrs(main).find((i) => i.kind === 'addr' && i.target.kind === 'func' && i.target.name === 'processPacket');
    expect(start?.loc.line).toBe(paper(18));
    expect(p.instrs.some((i) => i.kind === 'call' && i.callee === 'processPacket')).toBe(false);
  });

  it('line 49 reads ipHdr->saddr for lookup, line 63 compares curr->ip in the list walk', () => {
    const pp = fn(p, 'processPacket');
    const l49 = onLine(pp, paper(49));
    expect(l49.find((i) => i.kind === 'gep')).toMatchObject({ field: { name: 'saddr' } });
    expect(l49.find((i) => i.kind === 'call')).toMatchObject({ callee: 'lookup' });
    const lk = fn(p, 'lookup');
    const l63 = onLine(lk, paper(63));
    expect(l63.map((i) => i.kind)).toEqual(['gep', 'load', 'copy', 'branch']);
    expect(l63[0]).toMatchObject({ base: theVar(p, 'curr', 'lookup').id, field: { name: 'ip' } });
    // The walk loops: while.cond is reached again from curr = curr->next (line 65).
    const cond = lk.blocks.find((b) => b.label === 'while.cond')!;
    const step = lk.blocks.find((b) => b.instrs.some((i) => i.loc.line === paper(65)))!;
    expect(step.succs).toContain(cond.id);
  });

  it('line 57 entry->count++ is load, add, store through the entry pointer', () => {
    const l57 = onLine(fn(p, 'processPacket'), paper(57));
    expect(l57.map((i) => i.kind)).toEqual(['gep', 'load', 'copy', 'store']);
    expect(l57[0]).toMatchObject({ base: theVar(p, 'entry', 'processPacket').id, field: { name: 'count' } });
  });
});

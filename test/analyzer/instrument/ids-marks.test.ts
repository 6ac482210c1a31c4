// Updated-bit marks on ids: with the default (field-sensitive) points-to sets no mark lands
// in rule compilation or per-packet matching (Aho-Corasick search, rule verification), where
// the field-insensitive sets put one before `pf->seen[slot >> 3] |= ...` (13.7k marks per
// packet); and bits the build declares unmarked (per-process resources) get no mark.
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzePointers } from '../../../analyzer/pointer/index.js';
import { analyzeForBuild, planMarks, WRAPPED_RECEIVES } from '../../../analyzer/instrument/index.js';

const MATCHING = /\/ids\/(acsm|detect|rules)\.c$/;

type Built = ReturnType<typeof analyzeForBuild>;

describe('ids updated-bit marks', () => {
  let program: Built['program'];
  let pts: Built['pts'];
  let vars: number[];
  let recv: number[];
  beforeAll(() => {
    const b = analyzeForBuild('middleboxes/ids', 'sdg');
    ({ program, pts } = b);
    // what the build moves: updateable globals and file statics
    vars = b.cls.variables
      .filter((r) => r.updateable && r.function === null)
      .map((r) => program.vars.find((v) => v.name === r.name && v.loc.line === r.line && v.function === undefined)!.id);
    // the receive calls the build hooks (ids: pcap_dispatch in main)
    recv = program.instrs.filter((i) => i.kind === 'call' && WRAPPED_RECEIVES.includes(i.callee)).map((i) => i.id);
  }, 120_000);
  const fileOf = (id: number) => program.instrs[id].loc.file;

  it('moves the per-flow tables, not the rule set', () => {
    const names = vars.map((v) => program.vars[v].name);
    expect(names).toEqual(expect.arrayContaining(['flow_table', 'scan_table', 'dfilter_table', 'stats']));
    expect(names).not.toContain('ruleset');
  });

  it('puts no mark in rule compilation or matching, and marks the stream, scan and filter updates', () => {
    const plan = planMarks(program, pts, vars, recv);
    expect(plan.candidates.filter((c) => MATCHING.test(fileOf(c.instr))).map((c) => `${fileOf(c.instr)}:${program.instrs[c.instr].loc.line}`)).toEqual([]);
    for (const f of ['stream.c', 'portscan.c', 'dfilter.c']) expect(plan.kept.some((c) => fileOf(c.instr).endsWith(`/ids/${f}`)), f).toBe(true);
    // control: the same variables with field-insensitive points-to sets do mark the matcher
    const fi = planMarks(program, analyzePointers(program, { fieldSensitive: false }), vars, recv);
    expect(fi.candidates.some((c) => fileOf(c.instr).endsWith('/ids/detect.c'))).toBe(true);
  });

  it('leaves out the bits declared unmarked and only those', () => {
    const all = planMarks(program, pts, vars, recv);
    const bit = vars.findIndex((v) => program.vars[v].name === 'stats');
    expect(all.candidates.some((c) => c.bit === bit)).toBe(true);
    const some = planMarks(program, pts, vars, recv, { unmarked: new Set([bit]) });
    expect(some.candidates.some((c) => c.bit === bit)).toBe(false);
    expect(some.candidates).toEqual(all.candidates.filter((c) => c.bit !== bit));
  });
});

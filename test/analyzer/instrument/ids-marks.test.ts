// Updated-bit marks on ids: with the default (field-sensitive) points-to sets no mark lands
// in rule compilation or per-packet matching (Aho-Corasick search, rule verification), where
// the field-insensitive sets put one before `pf->seen[slot >> 3] |= ...` (13.7k marks per
// packet); and bits the build declares unmarked (per-process resources) get no mark.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadProgramFromSource } from '../../../analyzer/frontend/index.js';
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
    const fi = planMarks(program, analyzePointers(program, { fieldSensitive: false }), vars, recv, { anticipate: false });
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

describe('pruning marks a later mark makes redundant before the packet ends', () => {
  // bump() writes t (line 6); whether its own mark may go depends on what every caller does next
  const plan = (callers: string) => {
    const code = `#include <pcap.h>
#include <pthread.h>
struct tab { int n; int v[8]; };
struct tab t;
pcap_t *pc;
static void bump(int i) { t.v[i & 7]++; }
${callers}
int main(void) {
  struct pcap_pkthdr h;
  const u_char *p;
  pc = pcap_open_offline("x.pcap", 0);
  while ((p = pcap_next(pc, &h)) != 0) handle(p[0]);
  return 0;
}
`;
    const program = loadProgramFromSource(code, 'case.c');
    const pts = analyzePointers(program);
    const t = program.vars.find((v) => v.name === 't' && v.scope === 'global')!.id;
    const recv = program.instrs.filter((i) => i.kind === 'call' && i.callee === 'pcap_next').map((i) => i.id);
    const lines = (p: { kept: { instr: number }[] }) => p.kept.map((m) => program.instrs[m.instr].loc.line).sort((a, b) => a - b);
    return { with: lines(planMarks(program, pts, [t], recv)), without: lines(planMarks(program, pts, [t], recv, { anticipate: false })) };
  };
  const BUMP = 6;

  it('drops the callee mark when every caller marks the bit afterwards', () => {
    const r = plan('static void handle(int i) { bump(i); t.n++; }');
    expect(r.without).toEqual([BUMP, 7]);
    expect(r.with).toEqual([7]);
  });

  it('keeps it when one caller does not, or a packet end comes first', () => {
    expect(plan('static void other(int i) { bump(i); }\nstatic void handle(int i) { bump(i); t.n++; other(i); }').with).toContain(BUMP);
    expect(plan('static void handle(int i) { bump(i); pcap_next(pc, 0); t.n++; }').with).toContain(BUMP);
    // a function the library calls back (a thread) may be followed by a packet end at its exit
    expect(plan('static void *worker(void *a) { (void)a; bump(1); return 0; }\nstatic void handle(int i) { pthread_t th; pthread_create(&th, 0, worker, 0); t.n = i; }').with).toContain(BUMP);
  });

  it('keeps the marks of an endless loop with no packet end', () => {
    // each branch's write is followed by the other's mark only along paths that never end:
    // that proves nothing (another thread ends the packets), so neither mark may go
    const r = plan('static void *worker(void *a) { (void)a; for (;;) { if (t.n & 1) t.n++; else t.v[t.n & 7] = 1; } return 0; }\n'
      + 'static void handle(int i) { pthread_t th; pthread_create(&th, 0, worker, 0); (void)i; }');
    expect(r.without.filter((l) => l === 7).length).toBe(2);
    expect(r.with.filter((l) => l === 7).length).toBe(2);
  });
});

// Random pointer programs for the property test: C text with calls that record, at run time,
// which object every pointer really holds, plus the line of each allocation site.
import fc from 'fast-check';

const NP = 4; // int *p0..p3
const NQ = 3; // int **q0..q2
const NO = 4; // int o0..o3
const NS = 2; // struct S s0, s1
const NH = 3; // allocation sites per program

export type Stmt =
  | { k: 'addr'; p: number; o: number }
  | { k: 'copy'; p: number; r: number }
  | { k: 'load'; p: number; q: number }
  | { k: 'store'; q: number; p: number }
  | { k: 'qaddr'; q: number; p: number }
  | { k: 'qcopy'; q: number; r: number }
  | { k: 'alloc'; p: number; h: number }
  | { k: 'fstore'; s: number; f: 'f' | 'g'; p: number }
  | { k: 'fload'; p: number; s: number; f: 'f' | 'g' }
  | { k: 'spaddr'; s: number }
  | { k: 'spstore'; f: 'f' | 'g'; p: number }
  | { k: 'spload'; p: number; f: 'f' | 'g' }
  | { k: 'id'; p: number; r: number }
  | { k: 'setp'; q: number; p: number }
  | { k: 'intcast'; p: number; r: number }
  | { k: 'arith'; p: number; r: number }
  | { k: 'scopy'; s: number; t: number }
  | { k: 'fptr'; p: number; r: number; which: number }
  | { k: 'smemcpy'; s: number; t: number }
  | { k: 'castput'; s: number; p: number }
  | { k: 'castget'; p: number; s: number }
  | { k: 'uput'; p: number }
  | { k: 'uget'; p: number }
  | { k: 'if'; body: Stmt[] }
  | { k: 'loop'; body: Stmt[] };

const ip = fc.integer({ min: 0, max: NP - 1 });
const iq = fc.integer({ min: 0, max: NQ - 1 });
const io = fc.integer({ min: 0, max: NO - 1 });
const is = fc.integer({ min: 0, max: NS - 1 });
const ih = fc.integer({ min: 0, max: NH - 1 });
const ff = fc.constantFrom<'f' | 'g'>('f', 'g');

const simple: fc.Arbitrary<Stmt> = fc.oneof(
  fc.record({ k: fc.constant('addr' as const), p: ip, o: io }),
  fc.record({ k: fc.constant('copy' as const), p: ip, r: ip }),
  fc.record({ k: fc.constant('load' as const), p: ip, q: iq }),
  fc.record({ k: fc.constant('store' as const), q: iq, p: ip }),
  fc.record({ k: fc.constant('qaddr' as const), q: iq, p: ip }),
  fc.record({ k: fc.constant('qcopy' as const), q: iq, r: iq }),
  fc.record({ k: fc.constant('alloc' as const), p: ip, h: ih }),
  fc.record({ k: fc.constant('fstore' as const), s: is, f: ff, p: ip }),
  fc.record({ k: fc.constant('fload' as const), p: ip, s: is, f: ff }),
  fc.record({ k: fc.constant('spaddr' as const), s: is }),
  fc.record({ k: fc.constant('spstore' as const), f: ff, p: ip }),
  fc.record({ k: fc.constant('spload' as const), p: ip, f: ff }),
  fc.record({ k: fc.constant('id' as const), p: ip, r: ip }),
  fc.record({ k: fc.constant('setp' as const), q: iq, p: ip }),
  fc.record({ k: fc.constant('intcast' as const), p: ip, r: ip }),
  fc.record({ k: fc.constant('arith' as const), p: ip, r: ip }),
  fc.record({ k: fc.constant('scopy' as const), s: is, t: is }),
  fc.record({ k: fc.constant('fptr' as const), p: ip, r: ip, which: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ k: fc.constant('smemcpy' as const), s: is, t: is }),
  fc.record({ k: fc.constant('castput' as const), s: is, p: ip }),
  fc.record({ k: fc.constant('castget' as const), p: ip, s: is }),
  fc.record({ k: fc.constant('uput' as const), p: ip }),
  fc.record({ k: fc.constant('uget' as const), p: ip }),
);

export const stmtArb: fc.Arbitrary<Stmt> = fc.oneof(
  { weight: 8, arbitrary: simple },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('if' as const), body: fc.array(simple, { minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('loop' as const), body: fc.array(simple, { minLength: 1, maxLength: 4 }) }) },
);

export const programArb = fc.array(stmtArb, { minLength: 3, maxLength: 14 });

/** Runtime prelude: an object registry and `note(var, ptr)` printing `var object`. */
export const PRELUDE = `#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
struct S { int *f; int *g; };
/* the same storage seen through another struct type: its first member overlays S.g's slot */
struct T { long pad; int *h; };
union U { int *ptr; uintptr_t bits; };
struct reg { const char *name; uintptr_t lo, hi; };
static struct reg regs[8192];
static int nregs;
static void reg(const char *name, const void *p, size_t n) {
  if (nregs < 8192) { regs[nregs].name = name; regs[nregs].lo = (uintptr_t)p; regs[nregs].hi = (uintptr_t)p + n; nregs++; }
}
static void note(const char *var, const void *p) {
  if (!p) return;
  uintptr_t a = (uintptr_t)p;
  for (int i = nregs - 1; i >= 0; i--) if (a >= regs[i].lo && a < regs[i].hi) { printf("%s %s\\n", var, regs[i].name); return; }
  printf("%s ?\\n", var);
}
static int ctr;
`;

export interface Rendered {
  /** C text of program k (globals, helpers, run function), starting at line `firstLine`. */
  lines: string[];
  /** line (1-based, in the whole file) → heap alias */
  heapLines: Map<number, string>;
}

/** Render program `k`; `firstLine` is the file line its first line will have. */
export function renderProgram(stmts: Stmt[], k: number, firstLine: number): Rendered {
  const P = `P${k}_`;
  const out: string[] = [];
  const heapLines = new Map<number, string>();
  const emit = (s: string): void => { out.push(s); };
  const p = (i: number): string => `${P}p${i}`;
  const q = (i: number): string => `${P}q${i}`;
  const s = (i: number): string => `${P}s${i}`;
  emit(`int ${Array.from({ length: NO }, (_, i) => `${P}o${i}`).join(', ')};`);
  emit(`int ${Array.from({ length: NP }, (_, i) => `*${p(i)}`).join(', ')};`);
  emit(`int ${Array.from({ length: NQ }, (_, i) => `**${q(i)}`).join(', ')};`);
  emit(`struct S ${Array.from({ length: NS }, (_, i) => s(i)).join(', ')};`);
  emit(`struct S *${P}sp;`);
  emit(`union U ${P}u;`);
  emit(`static int *${P}id(int *x) { return x; }`);
  emit(`static void ${P}setp(int **d, int *v) { if (d) *d = v; }`);
  emit(`static int *${P}first(int *x, int *y) { (void)y; return x; }`);
  emit(`static int *${P}second(int *x, int *y) { (void)x; return y; }`);
  emit(`static int *(*${P}pick[2])(int *, int *) = { ${P}first, ${P}second };`);
  emit(`static void ${P}obs(void) {`);
  for (let i = 0; i < NP; i++) emit(`  note("${p(i)}", ${p(i)});`);
  for (let i = 0; i < NQ; i++) emit(`  note("${q(i)}", ${q(i)});`);
  for (let i = 0; i < NS; i++) emit(`  note("${s(i)}.f", ${s(i)}.f); note("${s(i)}.g", ${s(i)}.g);`);
  emit(`  note("${P}sp", ${P}sp);`);
  emit(`  note("${P}u", ${P}u.ptr);`);
  emit('}');
  emit(`static void ${P}run(void) {`);
  for (let i = 0; i < NO; i++) emit(`  reg("${P}o${i}", &${P}o${i}, sizeof(int));`);
  for (let i = 0; i < NP; i++) emit(`  reg("${p(i)}", &${p(i)}, sizeof(int *));`);
  for (let i = 0; i < NS; i++) emit(`  reg("${s(i)}", &${s(i)}, sizeof(struct S));`);
  const stmt = (st: Stmt, ind: string): void => {
    switch (st.k) {
      case 'addr': emit(`${ind}${p(st.p)} = &${P}o${st.o};`); break;
      case 'copy': emit(`${ind}${p(st.p)} = ${p(st.r)};`); break;
      case 'load': emit(`${ind}if (${q(st.q)}) ${p(st.p)} = *${q(st.q)};`); break;
      case 'store': emit(`${ind}if (${q(st.q)}) *${q(st.q)} = ${p(st.p)};`); break;
      case 'qaddr': emit(`${ind}${q(st.q)} = &${p(st.p)};`); break;
      case 'qcopy': emit(`${ind}${q(st.q)} = ${q(st.r)};`); break;
      case 'alloc': {
        const alias = `${P}h${st.h}_${out.length}`;
        heapLines.set(firstLine + out.length, alias);
        emit(`${ind}${p(st.p)} = malloc(sizeof(int)); reg("${alias}", ${p(st.p)}, sizeof(int));`);
        break;
      }
      case 'fstore': emit(`${ind}${s(st.s)}.${st.f} = ${p(st.p)};`); break;
      case 'fload': emit(`${ind}${p(st.p)} = ${s(st.s)}.${st.f};`); break;
      case 'spaddr': emit(`${ind}${P}sp = &${s(st.s)};`); break;
      case 'spstore': emit(`${ind}if (${P}sp) ${P}sp->${st.f} = ${p(st.p)};`); break;
      case 'spload': emit(`${ind}if (${P}sp) ${p(st.p)} = ${P}sp->${st.f};`); break;
      case 'id': emit(`${ind}${p(st.p)} = ${P}id(${p(st.r)});`); break;
      case 'setp': emit(`${ind}${P}setp(${q(st.q)}, ${p(st.p)});`); break;
      case 'intcast': emit(`${ind}{ uintptr_t t = (uintptr_t)${p(st.r)}; ${p(st.p)} = (int *)t; }`); break;
      case 'arith': emit(`${ind}if (${p(st.r)}) ${p(st.p)} = ${p(st.r)} + 0;`); break;
      case 'scopy': emit(`${ind}${s(st.s)} = ${s(st.t)};`); break;
      case 'fptr': emit(`${ind}${p(st.p)} = ${P}pick[(ctr++ + ${st.which}) % 2](${p(st.p)}, ${p(st.r)});`); break;
      case 'smemcpy': emit(`${ind}memcpy(&${s(st.s)}, &${s(st.t)}, sizeof(struct S));`); break;
      case 'castput': emit(`${ind}((struct T *)&${s(st.s)})->h = ${p(st.p)};`); break;
      case 'castget': emit(`${ind}${p(st.p)} = ((struct T *)&${s(st.s)})->h;`); break;
      case 'uput': emit(`${ind}${P}u.ptr = ${p(st.p)};`); break;
      case 'uget': emit(`${ind}{ uintptr_t b = ${P}u.bits; ${p(st.p)} = (int *)b; }`); break;
      case 'if':
        emit(`${ind}if (ctr++ % 3 != 1) {`);
        for (const b of st.body) stmt(b, `${ind}  `);
        emit(`${ind}}`);
        return;
      case 'loop':
        emit(`${ind}for (int i = 0; i < 3; i++) {`);
        for (const b of st.body) stmt(b, `${ind}  `);
        emit(`${ind}}`);
        return;
    }
    emit(`${ind}${P}obs();`);
  };
  for (const st of stmts) stmt(st, '  ');
  emit('}');
  return { lines: out, heapLines };
}

/** A whole C file of several programs run one after another from main. */
export function renderBatch(progs: Stmt[][]): { code: string; heapLines: Map<number, string> } {
  const lines = PRELUDE.split('\n');
  const heapLines = new Map<number, string>();
  progs.forEach((stmts, k) => {
    const r = renderProgram(stmts, k, lines.length + 1);
    lines.push(...r.lines);
    for (const [l, a] of r.heapLines) heapLines.set(l, a);
  });
  lines.push('int main(void) {', ...progs.map((_, k) => `  P${k}_run();`), '  return 0;', '}');
  return { code: lines.join('\n') + '\n', heapLines };
}

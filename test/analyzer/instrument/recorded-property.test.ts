// Property test of slot-recording pruning against real runs: random functions subscript two
// tables through indices that branches, loops, pointer writes, retargeted pointers, container
// swaps and calls change; gcc runs them with every subscript logging its address. Whenever a
// subscript the pruning left out runs, a kept subscript must have logged the same address in
// the same activation with no call in between (a call may end the packet).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadProgramFromSource } from '../../../analyzer/frontend/index.js';
import { redundantRecordings } from '../../../analyzer/instrument/recorded.js';
import { analyzePointers } from '../../../analyzer/pointer/index.js';

type S =
  | { k: 'rd' | 'wr' | 'prd' | 'pwr'; ix: number }
  | { k: 'seta' | 'setg' | 'setp' | 'retarget' | 'rebase' | 'call' | 'tabix' | 'tabcall' }
  | { k: 'wcall' | 'rcall'; ix: number }
  | { k: 'if' | 'loop'; body: S[] };

type Site = (base: string, ix: string) => string;
// index expressions: parameters, globals, through a pointer, and a table cell (itself a subscript)
const IDX: ((site: Site) => string)[] = [
  () => 'a & 15', () => 'b & 15', () => 'g0 & 15', () => '*p & 15', () => '(a + b) & 15', (site) => `${site('tab', '1')} & 15`,
];
const leaf: fc.Arbitrary<S> = fc.oneof(
  fc.record({ k: fc.constantFrom('rd' as const, 'wr' as const, 'prd' as const, 'pwr' as const), ix: fc.integer({ min: 0, max: IDX.length - 1 }) }),
  fc.record({ k: fc.constantFrom('wcall' as const, 'rcall' as const), ix: fc.integer({ min: 0, max: IDX.length - 1 }) }),
  fc.record({ k: fc.constantFrom('seta' as const, 'setg' as const, 'setp' as const, 'retarget' as const, 'rebase' as const, 'call' as const, 'tabix' as const, 'tabcall' as const) }),
);
const { stmts } = fc.letrec<{ stmts: S[]; stmt: S }>((tie) => ({
  stmt: fc.oneof({ weight: 6, arbitrary: leaf }, { weight: 1, arbitrary: fc.record({ k: fc.constantFrom('if' as const, 'loop' as const), body: tie('stmts') }) }),
  stmts: fc.array(tie('stmt'), { minLength: 1, maxLength: 5 }) as fc.Arbitrary<S[]>,
}));
const program = fc.array(stmts, { minLength: 2, maxLength: 4 }).map((parts) => parts.flat());

/** C lines of the function body; `site(base, ix)` renders one subscript. */
function body(ss: S[], site: Site, depth = 1): string[] {
  const pad = '  '.repeat(depth);
  return ss.flatMap((s) => {
    switch (s.k) {
      case 'rd': return [`${pad}x += ${site('tab', IDX[s.ix](site))};`];
      case 'wr': return [`${pad}${site('tab', IDX[s.ix](site))} = x;`];
      case 'prd': return [`${pad}x += ${site('ptab', IDX[s.ix](site))};`];
      case 'pwr': return [`${pad}${site('ptab', IDX[s.ix](site))} = x;`];
      case 'seta': return [`${pad}a = a * 3 + 1;`];
      case 'setg': return [`${pad}g0 = g0 + 5;`];
      case 'setp': return [`${pad}*p = *p + 1;`];
      case 'retarget': return [`${pad}p = (p == &g0) ? &g1 : &g0;`];
      case 'rebase': return [`${pad}ptab = (ptab == tab) ? tab2 : tab;`];
      case 'call': return [`${pad}h();`];
      // a call inside the subscript's own statement: C leaves their order unspecified
      case 'wcall': return [`${pad}${site('tab', IDX[s.ix](site))} = h2();`];
      case 'rcall': return [`${pad}x += ${site('ptab', IDX[s.ix](site))} + h2();`];
      case 'tabcall': return [`${pad}${site('tab', '1')} = ${site('tab', '1')} + h2();`];
      case 'tabix': return [`${pad}${site('tab', '1')} = ${site('tab', '1')} + 3;`];
      case 'if': return [`${pad}if (x & 1) {`, ...body(s.body, site, depth + 1), `${pad}}`];
      case 'loop': return [`${pad}for (int i = 0; i < 2; i++) {`, ...body(s.body, site, depth + 1), `${pad}}`];
    }
  });
}

function source(bodyLines: string[], prelude: string): string {
  return [
    prelude,
    'int tab[16], tab2[16];',
    'int *ptab = tab;',
    'int g0, g1;',
    'void h(void) { CALLED(); g0 = g0 + 7; }',
    'int h2(void) { CALLED(); g0 = g0 + 1; return g0; }',
    'void f(int a, int b, int *p) {',
    '  ENTERED();',
    '  int x = a;',
    ...bodyLines,
    '}',
    'int main(void) {',
    '  for (int k = 0; k < 6; k++) { g0 = k; g1 = 3 * k; tab[1] = k; f(k, 5 - k, k & 1 ? &g0 : &g1); }',
    '  return 0;',
    '}',
    '',
  ].join('\n');
}

// the two preludes have the same number of lines, so subscripts sit on the same lines in both
const ANALYZED = '#define CALLED()\n#define ENTERED()\n\n';
const RUN = [
  '#include <stdio.h>',
  'static const void *rec(int site, const void *q) { printf("R %d %p\\n", site, q); return q; }',
  '#define CALLED() puts("C")',
  '#define ENTERED() puts("E")',
].join('\n');
const FIRST_BODY_LINE = 13;

/**
 * Both versions of a program: the analyzed one (plain subscripts) with the place
 * (line:column) of each subscript, and the run one where subscript k logs `R k address`.
 */
function versions(ss: S[]): { analyzed: string; run: string; placeOf: string[] } {
  const placeOf: string[] = [];
  // placeholders first (numbered in the order the run version numbers its subscripts),
  // so each subscript's column in the plain text can be computed
  let m = 0;
  const marked = body(ss, (b, ix) => `\u0001${m++}\u0004${b}\u0002${ix}\u0003`);
  const plain = marked.map((line, r) => {
    let out = '';
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (ch === '\u0001') {
        const end = line.indexOf('\u0004', i);
        placeOf[Number(line.slice(i + 1, end))] = `${FIRST_BODY_LINE + r}:${out.length + 1}`;
        i = end;
      } else if (ch === '\u0002') out += '[';
      else if (ch === '\u0003') out += ']';
      else out += ch;
    }
    return out;
  });
  let k = 0;
  const run = body(ss, (b, ix) => `(*(int *)rec(${k++}, &${b}[${ix}]))`);
  return { analyzed: source(plain, ANALYZED), run: source(run, RUN), placeOf };
}

const work = mkdtempSync(join(tmpdir(), 'sa-recorded-'));

function sitesOf(code: string) {
  const prog = loadProgramFromSource(code, 'rand.c');
  const pts = analyzePointers(prog);
  const sites = prog.instrs.filter((i) => i.kind === 'gep' && i.index !== undefined && prog.instrFunc[i.id] === 'f');
  return { prog, pts, sites };
}

/** Executes the run version; returns its log lines. */
function runLog(run: string, n: string): string[] {
  const c = join(work, `${n}.c`);
  writeFileSync(c, run);
  execFileSync('gcc', ['-std=gnu11', '-O0', '-w', '-o', `${c}.bin`, c]);
  return execFileSync(`${c}.bin`, { encoding: 'utf8' }).split('\n');
}

/**
 * Executed subscripts counted as pruned whose address no kept subscript logged in the same
 * packet window: the stretch of the log between calls (any call may end the packet) and
 * activations. Order inside a window does not matter: the recordings are one set per packet.
 */
function unrecorded(log: string[], pruned: Set<number>): string[] {
  const bad: string[] = [];
  let kept = new Set<string>();
  let lost: string[] = [];
  const close = () => bad.push(...lost.filter((x) => !kept.has(x.split(' at ')[1])));
  for (const l of log) {
    if (l === 'E' || l === 'C' || l === '') {
      close();
      kept = new Set();
      lost = [];
    }
    const m = /^R (\d+) (\S+)$/.exec(l);
    if (!m) continue;
    if (!pruned.has(Number(m[1]))) kept.add(m[2]);
    else lost.push(`subscript ${m[1]} at ${m[2]}`);
  }
  close();
  return bad;
}

/** Pruned subscripts (by generation index) of a program, and the program's violations when run. */
function check(ss: S[], n: number): { pruned: number; violations: string[] } {
  const v = versions(ss);
  const { prog, pts, sites } = sitesOf(v.analyzed);
  const idx = (id: number) => v.placeOf.indexOf(`${prog.instrs[id].loc.line}:${prog.instrs[id].loc.column}`);
  expect(sites.map((g) => idx(g.id)).filter((k) => k < 0)).toEqual([]); // every subscript is a logged one
  const pruned = new Set([...redundantRecordings(prog, pts, sites.map((g) => g.id))].map(idx));
  return { pruned: pruned.size, violations: unrecorded(runLog(v.run, `r${n}`), pruned) };
}

describe('slot-recording pruning on random programs, checked by running them', () => {
  it('every pruned subscript that runs finds its address recorded since the last call', () => {
    let n = 0;
    let prunedSomewhere = 0;
    fc.assert(
      fc.property(program, (ss) => {
        const r = check(ss, n++);
        prunedSomewhere += r.pruned;
        if (r.violations.length) throw new Error(`${r.violations.join('; ')}\n${versions(ss).analyzed}`);
        return true;
      }),
      { numRuns: 60, seed: 7 },
    );
    // the generator does reach pruning (otherwise the property would hold vacuously)
    expect(prunedSomewhere).toBeGreaterThan(10);
  }, 120_000);

  it('the check catches a pruning that ignores a write to the index', () => {
    // `a` changes between two identical subscripts: the pruning keeps both, and pretending the
    // second was pruned shows up in the log
    const ss: S[] = [{ k: 'wr', ix: 0 }, { k: 'seta' }, { k: 'rd', ix: 0 }];
    const v = versions(ss);
    const { prog, pts, sites } = sitesOf(v.analyzed);
    expect(redundantRecordings(prog, pts, sites.map((g) => g.id)).size).toBe(0);
    expect(unrecorded(runLog(v.run, 'broken'), new Set([1])).length).toBeGreaterThan(0);
    // while the same pair without the write in between is pruned, and passes
    const ok: S[] = [{ k: 'wr', ix: 0 }, { k: 'setg' }, { k: 'rd', ix: 0 }];
    expect(check(ok, 1000)).toEqual({ pruned: 1, violations: [] });
  });

  it('a subscript sharing its statement with a call is neither pruned nor a reason to prune', () => {
    // `tab[1] = tab[1] + h2()`: the IR computes the store's address first, gcc reads the right
    // side, calls h2, and only then computes the store's address. Taking the IR's order for
    // the run's would prune the read, which then runs before a call that may end the packet.
    const ss: S[] = [{ k: 'tabcall' }];
    expect(check(ss, 1001)).toEqual({ pruned: 0, violations: [] });
    // pretending the read (subscript 1) had been pruned is caught by the run
    expect(unrecorded(runLog(versions(ss).run, 'callstmt'), new Set([1])).length).toBeGreaterThan(0);
  });
});

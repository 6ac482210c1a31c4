// Untrusted C never crashes the front end: deep nesting, random token soup
// (bounded property test), odd but legal constructs. Uses loadPreprocessed (no cc).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadPreprocessed } from '../../../analyzer/frontend/index.js';
import { validateProgram } from '../../../analyzer/ir/validate.js';

const load = (text: string) => loadPreprocessed([{ file: 'soup.c', text }]);

describe('front end: robustness', () => {
  it('survives a 3000-deep else-if chain and a 20000-term expression', () => {
    const chain = ['int f(int x) {', '  if (x == 0) return 0;', ...Array.from({ length: 3000 }, (_, i) => `  else if (x == ${i + 1}) return ${i};`), '  return -1;', '}'].join('\n');
    const sum = `int g(int a) { return ${Array.from({ length: 20000 }, () => 'a').join(' + ')}; }`;
    const p = load(`${chain}\n${sum}\nint after(void) { return 7; }\n`);
    // Else-if chains, left-deep operator chains and the AST walk are iterative: all lowered, nothing partial.
    expect(p.diagnostics).toEqual([]);
    expect(validateProgram(p)).toEqual([]);
    expect([...p.functions.keys()]).toEqual(['f', 'g', 'after']);
    const f = p.functions.get('f')!;
    expect(f.partial).toBeUndefined();
    expect(f.blocks.flatMap((b) => b.instrs).filter((i) => i.kind === 'branch')).toHaveLength(3001);
    expect(p.functions.get('g')!.blocks.flatMap((b) => b.instrs).filter((i) => i.kind === 'copy' && i.op === '+')).toHaveLength(19999);
  });

  it('survives random token soup (bounded property test)', () => {
    const tokens = [
      'int', 'char', 'struct', 's', '{', '}', '(', ')', '[', ']', ';', ',', '*', '&', '=', '+', '-', '->', '.', '?', ':',
      'if', 'else', 'while', 'for', 'do', 'switch', 'case', 'default', 'break', 'continue', 'return', 'goto', 'L', 'x', 'y',
      'f', '0', '1', '"s"', "'c'", 'typedef', 'static', 'extern', 'sizeof', '...', '++', '--', '&&', '||', '!', '\n',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 120 }), (toks) => {
        const p = load(`int x; int f(int y) { ${toks.join(' ')} }\nint tail(void) { return x; }\n`);
        expect(validateProgram(p)).toEqual([]);
        // Recovery may swallow what follows an unbalanced bracket, but never silently.
        if (!p.functions.has('tail') || p.functions.get('f')?.partial) expect(p.diagnostics.length).toBeGreaterThan(0);
      }),
      { numRuns: 150, seed: 20251121 },
    );
  });

  it('lowers odd but legal C: K&R-less oddities, empty statements, nested functions pointers, unions of arrays', () => {
    const p = load(
      [
        'union u { int a[4]; struct { short lo, hi; } w; };',
        'int (*pick(int k))(int) { return 0; }',
        'void (*handlers[3])(void);',
        'int h(void) { ;;; { } if (1) ; else ; for (;;) break; do ; while (0); return 0; }',
        'int i(union u *p) { p->w.hi = p->a[2]; return (*pick(1))(3); }',
        'int j(int n) { int vla[n]; vla[0] = n; return sizeof vla; }',
        'struct fwd; struct fwd *k(struct fwd *p) { return p; }',
      ].join('\n'),
    );
    expect(p.diagnostics).toEqual([]);
    expect(validateProgram(p)).toEqual([]);
    expect([...p.functions.keys()]).toEqual(['pick', 'h', 'i', 'j', 'k']);
    const handlers = p.vars.find((v) => v.name === 'handlers')!;
    const t = p.types[handlers.type];
    expect(t.kind === 'array' && t.length === 3 && p.types[t.of].kind === 'pointer').toBe(true);
  });
});

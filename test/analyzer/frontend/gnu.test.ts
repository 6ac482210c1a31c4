// Real-code spellings: GNU extensions made parseable in place (columns kept) and
// typedef-name casts that tree-sitter-c, which does not track typedefs, misparses.
import { describe, expect, it } from 'vitest';
import { loadProgramFromSource } from '../../../analyzer/frontend/index.js';
import { normalizeGnu } from '../../../analyzer/frontend/normalize.js';
import type { Copy } from '../../../analyzer/ir/types.js';
import { validateProgram } from '../../../analyzer/ir/validate.js';
import { fn, instrs } from './helpers.js';

describe('front end: GNU spellings', () => {
  it('normalization keeps every line and length', () => {
    const src = 'int x __attribute__((aligned(8),\n unused)) = 3;\n__signed__ char c;\nint o = __builtin_offsetof(struct s, a);\nint v = __builtin_va_arg(ap, char *);\n';
    const out = normalizeGnu(src);
    expect(out.length).toBe(src.length);
    expect(out.split('\n').map((l) => l.length)).toEqual(src.split('\n').map((l) => l.length));
    expect(out).toContain('int x ');
    expect(out).not.toContain('__attribute__');
    expect(out).toContain('signed     char c;');
    expect(out).toContain('offsetof          (struct s, a)');
    expect(out).toContain('(char *)__va_arg(ap)');
  });

  it('lowers attributes after declarators, __signed__, offsetof and va_arg of pointer types without warnings', () => {
    const p = loadProgramFromSource(
      [
        '#include <stdarg.h>',
        '#include <stddef.h>',
        'struct s { int a; char *b; };',
        'static int counter __attribute__((unused)) = 3;',
        '__signed__ char sc;',
        'size_t off = offsetof(struct s, b);',
        'char *first(int n, ...) { va_list ap; va_start(ap, n); char *p = va_arg(ap, char *); va_end(ap); return p; }',
      ].join('\n'),
      'gnu.c',
    );
    expect(p.diagnostics).toEqual([]);
    expect(validateProgram(p)).toEqual([]);
    const off = instrs(p.globalInit).find((i) => i.kind === 'copy' && p.vars[i.dst].name === 'off') as Copy;
    expect(off.srcs).toEqual([{ kind: 'const', text: '8' }]);
    const f = fn(p, 'first');
    const call = instrs(f).find((i) => i.kind === 'call' && i.callee === '__builtin_va_arg')!;
    const cast = instrs(f).find((i): i is Copy => i.kind === 'copy' && i.op === 'cast')!;
    expect(cast.srcs).toEqual([{ kind: 'var', var: (call as { dst: number }).dst }]);
    expect(p.types[cast.type].kind).toBe('pointer');
  });

  it('(T)(x), (T) *p and (T) -x with T a typedef are casts, not calls or arithmetic', () => {
    const p = loadProgramFromSource(
      [
        'typedef unsigned char u_char;',
        'u_char hi(int v) { return (u_char)(v >> 8); }',
        'int first(char *p) { return (u_char) *p; }',
        'int neg(int x) { return (u_char) -x; }',
        'int sz(void) { return sizeof(u_char); }',
      ].join('\n'),
      'casts.c',
    );
    expect(p.diagnostics).toEqual([]);
    expect(p.externals.size).toBe(0);
    for (const name of ['hi', 'first', 'neg']) {
      const is = instrs(fn(p, name));
      expect(is.some((i) => i.kind === 'call')).toBe(false);
      expect(is.some((i) => i.kind === 'copy' && i.op === 'cast')).toBe(true);
      expect(is.some((i) => i.kind === 'copy' && i.op === '*')).toBe(false);
    }
    expect(instrs(fn(p, 'first')).some((i) => i.kind === 'load')).toBe(true);
    expect(instrs(fn(p, 'sz'))[0]).toMatchObject({ kind: 'ret', value: { kind: 'const', text: '1' } });
  });

  it('folds integer constant initializers built by macros', () => {
    const p = loadProgramFromSource(
      '#define R(b) (unsigned char)((b) >= \'A\' && (b) <= \'Z\' ? (b) + 32 : (b))\nunsigned char fold[3] = { R(65), R(66), R(49) };\n',
      'fold.c',
    );
    const stores = instrs(p.globalInit).filter((i) => i.kind === 'store');
    expect(stores.map((s) => s.kind === 'store' && s.src)).toEqual([
      { kind: 'const', text: '97' },
      { kind: 'const', text: '98' },
      { kind: 'const', text: '49' },
    ]);
    expect(p.globalInit.blocks.some((b) => b.instrs.some((i) => i.kind === 'branch'))).toBe(false);
  });
});

describe('front end: legal C the parser flags', () => {
  it('unnamed bit-fields (glibc struct timex) are padding, not syntax errors', () => {
    const p = loadProgramFromSource('#include <sys/timex.h>\nstruct pad { int a; int :3; int b : 4; };\nint get(struct pad *p, struct timex *t) { return p->b + (int)t->tai; }\n', 'pad.c');
    expect(p.diagnostics).toEqual([]);
    const pad = p.types.find((t) => t.kind === 'struct' && t.tag === 'pad');
    expect(pad && pad.kind === 'struct' && pad.fields.map((f) => [f.name.replace(/\d+/, ''), f.bits])).toEqual([['a', undefined], ['<pad>', 3], ['b', 4]]);
  });
});

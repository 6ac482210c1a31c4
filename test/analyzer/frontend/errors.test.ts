// Bad input: syntax errors become warnings with file:line and partial functions;
// missing files and preprocessing failures exit 2 through the CLI with the reason.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProgramFromSource } from '../../../analyzer/frontend/index.js';
import { validateProgram } from '../../../analyzer/ir/validate.js';
import { runCli } from '../../cli/helpers.js';
import { fn, instrs } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'statelab-err-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BROKEN = [
  'int total;',
  'int good_before(int x) { return x + 1; }',
  'int broken(int x) {',
  '  int y = x +* ;          // line 4: syntax error',
  '  total = y;',
  '  return y;',
  '}',
  'int good_after(int x) { total += x; return total; }',
  '',
].join('\n');

describe('front end: bad input', () => {
  it('a syntax error is a warning with file:line; the function is partial; the rest is analyzed', () => {
    const p = loadProgramFromSource(BROKEN, 'broken.c');
    const w = p.diagnostics.filter((d) => d.message.startsWith('syntax error'));
    expect(w.length).toBeGreaterThan(0);
    expect(w[0]).toMatchObject({ severity: 'warning', loc: { line: 4 }, function: 'broken' });
    expect(w[0].loc.file.endsWith('broken.c')).toBe(true);
    expect(fn(p, 'broken').partial).toBe(true);
    expect(fn(p, 'good_before').partial).toBeUndefined();
    expect(fn(p, 'good_after').partial).toBeUndefined();
    // The statements the parser recovered are still lowered.
    const total = p.vars.find((v) => v.name === 'total')!;
    // (tree-sitter recovers `x +* ; total = y` as `x + (*total = y)`: total is still accessed there.)
    const mentions = (i: object): boolean => JSON.stringify(i).includes(`"var":${total.id}`) || JSON.stringify(i).includes(`"addr":${total.id}`) || JSON.stringify(i).includes(`"dst":${total.id}`);
    expect(instrs(fn(p, 'broken')).some(mentions)).toBe(true);
    expect(instrs(fn(p, 'broken')).some((i) => i.kind === 'ret' && i.loc.line === 6)).toBe(true);
    expect(instrs(fn(p, 'good_after')).some((i) => i.kind === 'copy' && i.dst === total.id)).toBe(true);
    expect(validateProgram(p)).toEqual([]);
  });

  it('garbage between functions does not stop the functions after it', () => {
    const p = loadProgramFromSource('int a;\n@@@ $$ !!;\nint f(void) { return a; }\n', 'junk.c');
    expect(p.diagnostics.some((d) => d.loc.line === 2)).toBe(true);
    expect(p.functions.has('f')).toBe(true);
  });

  it('CLI: a missing file exits 2 naming the path', async () => {
    const missing = join(dir, 'no-such-file.c');
    const r = await runCli(['analyze', missing]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(missing);
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('CLI: a preprocessing error exits 2 with the compiler message and file:line', async () => {
    const file = join(dir, 'pp.c');
    writeFileSync(file, 'int a;\n#include "does_not_exist.h"\nint b;\n');
    const r = await runCli(['analyze', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('does_not_exist.h');
    expect(r.err).toContain(`${file}:2`);
    expect(r.err).toMatch(/preprocessing failed/);
  });

  it('CLI: #error is reported the same way', async () => {
    const file = join(dir, 'err.c');
    writeFileSync(file, '#ifndef CONFIG\n#error "CONFIG must be set"\n#endif\n');
    const r = await runCli(['analyze', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('CONFIG must be set');
    const ok = await runCli(['analyze', file, '-D', 'CONFIG=1']);
    expect(ok.code).toBe(0);
  });

  it('CLI: summary, --dump ir and --dump cfg', async () => {
    const file = join(dir, 'ok.c');
    writeFileSync(file, 'int n;\nint step(int k) { while (k > 0) { n += k; k--; } return n; }\n');
    const s = await runCli(['analyze', file, '--all']);
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/1 file\(s\), 2 lines, 1 functions/);
    expect(s.out).toMatch(/loop procedure\(s\): \(none found\)/);
    expect(s.out).toMatch(/^n\s+global\s+int\s/m);
    const ir = await runCli(['analyze', file, '--dump', 'ir']);
    expect(ir.out).toMatch(/function step\(int k\)/);
    expect(ir.out).toMatch(/n = %t\d+/);
    const dot = await runCli(['analyze', file, '--dump', 'cfg', '--function', 'step']);
    expect(dot.out.startsWith('digraph "step"')).toBe(true);
    expect(dot.out).toMatch(/-> bb\d+ \[label="T"\]/);
    const bad = await runCli(['analyze', file, '--dump', 'cfg']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--function/);
    const badKind = await runCli(['analyze', file, '--dump', 'nope']);
    expect(badKind.code).toBe(2);
  });
});

describe('front end: statement text', () => {
  it('is the source as written: verbatim without macros, the original line with them', () => {
    const p = loadProgramFromSource(
      ['#define SET(x) ((x) = 1) /* a macro */', 'int g, h;', 'void f(void) {', '  h =  g + 2;   /* spaced */', '  SET(g);', '  if (h > 1) h--;', '}', ''].join('\n'),
      'text.c',
    );
    const texts = instrs(fn(p, 'f')).map((i) => [i.loc.line, i.text]);
    expect(texts).toContainEqual([4, 'h = g + 2;']);
    expect(texts).toContainEqual([5, 'SET(g);']);
    expect(texts).toContainEqual([6, 'if (h > 1)']);
    expect(texts).toContainEqual([6, 'h--;']);
  });
});

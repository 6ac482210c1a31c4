// The IR text printer and the CFG DOT writer on a lowered program.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadProgramFromSource } from '../../../analyzer/frontend/index.js';
import { cfgToDot, printFunction, printProgram, typeToString } from '../../../analyzer/ir/index.js';
import type { Program } from '../../../analyzer/ir/types.js';

const SRC = `struct node { int key; struct node *next; };
struct node *head;
int (*hook)(int);
int find(int k) {
  for (struct node *n = head; n; n = n->next)
    if (n->key == k) return 1;
  return hook ? hook(k) : 0;
}
`;
let p: Program;
beforeAll(() => {
  p = loadProgramFromSource(SRC, 'print.c');
});

describe('IR printer', () => {
  it('prints types in C spelling', () => {
    const hook = p.vars.find((v) => v.name === 'hook')!;
    expect(typeToString(p.types, hook.type)).toBe('int(int)*');
    const head = p.vars.find((v) => v.name === 'head')!;
    expect(typeToString(p.types, head.type)).toBe('struct node*');
  });

  it('prints each function with blocks, edges, instructions and their lines', () => {
    const text = printFunction(p, p.functions.get('find')!);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^function find\(int k\)\s+@ .*print\.c:4$/);
    expect(text).toContain('[for.cond]');
    expect(text).toMatch(/= &n->key {4}; print\.c:6/);
    expect(text).toMatch(/n = %t\d+ {4}; print\.c:5/);
    expect(text).toMatch(/icall \*hook\(k\)/);
    expect(text).toMatch(/\(exit\)/);
    // Every instruction of the function is printed once.
    const count = p.functions.get('find')!.blocks.reduce((a, b) => a + b.instrs.length, 0);
    expect(lines.filter((l) => /^ {4}%\d+: /.test(l))).toHaveLength(count);
  });

  it('prints the program: globals first, then functions', () => {
    const text = printProgram(p);
    expect(text.indexOf('globals:')).toBe(0);
    expect(text).toMatch(/global struct node\* head/);
    expect(text.indexOf('function find')).toBeGreaterThan(text.indexOf('global int(int)* hook'));
  });
});

describe('CFG DOT', () => {
  it('writes one node per block and one edge per successor, with T/F on branches', () => {
    const f = p.functions.get('find')!;
    const dot = cfgToDot(f, p);
    expect(dot.startsWith('digraph "find" {')).toBe(true);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    const nodes = dot.match(/^ {2}bb\d+ \[label=/gm) ?? [];
    expect(nodes).toHaveLength(f.blocks.length);
    const edges = dot.match(/^ {2}bb\d+ -> bb\d+/gm) ?? [];
    expect(edges).toHaveLength(f.blocks.reduce((a, b) => a + b.succs.length, 0));
    expect(dot).toMatch(/\[label="T"\]/);
    expect(dot).toMatch(/\[label="F"\]/);
    // Record labels escape the characters DOT treats specially.
    expect(dot).toContain('n-\\>key');
  });

  it('labels switch edges with their cases and default', () => {
    const q = loadProgramFromSource('int f(int k) { switch (k) { case 1: return 2; default: return 3; } }', 'sw.c');
    const dot = cfgToDot(q.functions.get('f')!, q);
    expect(dot).toMatch(/\[label="1"\]/);
    expect(dot).toMatch(/\[label="default"\]/);
  });
});

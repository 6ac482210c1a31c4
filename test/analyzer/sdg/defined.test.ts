// Locations no statement defines get no formal-in/actual-in vertices (their value carries no
// data dependence), while anything defined anywhere — a caller's local read through a pointer,
// a struct written whole and read by field, a parameter — keeps its dependences.
import { describe, expect, it } from 'vitest';
import { loadProgramFromSource } from '../../../analyzer/frontend/index.js';
import { analyzePointers } from '../../../analyzer/pointer/index.js';
import { buildSdg, type Sdg } from '../../../analyzer/sdg/index.js';
import { backwardSlice, statementsOf } from '../../../analyzer/slice/index.js';

const SRC = `#include <stdio.h>
#include <string.h>
struct pair { int a, b; };
static int peek(const int *p) { return *p; }
static int second(const struct pair *q) { return q->b; }
static void say(const char *what, int v) { printf("%s %d\\n", what, v); }
static int twice(int *p) { return peek(p) * 2; }
int main(int argc, char **argv) {
  int x = argc;
  struct pair s;
  memset(&s, 0, sizeof s);
  int r = peek(&x);
  r += second(&s);
  r += twice(&argc);
  say("first", r);
  say("second", r);
  return argv[0] != 0;
}
`;

function build(): { sdg: Sdg; file: string } {
  const program = loadProgramFromSource(SRC, 'defined.c');
  const sdg = buildSdg(program, analyzePointers(program));
  return { sdg, file: program.units[0]!.file };
}

/** Names of the abstract locations with a formal-in vertex in `func`. */
function locFormalIns(sdg: Sdg, func: string): string[] {
  return sdg
    .formalIns(func)
    .map((v) => sdg.vertices[v]!.slot!)
    .filter((s) => s.kind === 'loc')
    .map((s) => (s.kind === 'loc' ? (sdg.pts.objects[s.obj]?.name ?? '') : ''));
}

describe('formal-ins of locations no statement defines', () => {
  const { sdg } = build();
  const lineOf = (needle: string) => SRC.split('\n').findIndex((l) => l.includes(needle)) + 1;
  const sliceLines = (line: number) => {
    const crit = sdg.program.instrs.filter((i) => i && i.loc.line === line).map((i) => sdg.vertexOfInstr(i.id)!);
    return statementsOf(sdg, backwardSlice(sdg, crit)).map((s) => s.line);
  };

  it('a string literal passed to a helper is read there but is in no ref set and gets no vertex', () => {
    const what = sdg.program.functions.get('say')!.params[0]!;
    const literals = [...sdg.pts.pointsToVar(what)];
    expect(literals.length).toBe(2);
    expect(literals.filter((o) => sdg.ref('say').has(o) || sdg.ref('main').has(o))).toEqual([]);
    expect(sdg.formalIns('say').filter((v) => { const s = sdg.vertices[v]!.slot!; return s.kind === 'loc' && literals.includes(s.obj); })).toEqual([]);
  });

  it("a caller's local read through a pointer keeps its formal-in and its data dependence", () => {
    expect(locFormalIns(sdg, 'peek').some((n) => n.includes('x'))).toBe(true);
    expect(sliceLines(lineOf('int r = peek(&x)'))).toContain(lineOf('int x = argc'));
  });

  it('a struct written whole (memset) and read by field keeps the dependence', () => {
    expect(sliceLines(lineOf('r += second(&s)'))).toContain(lineOf('memset(&s'));
  });

  it('a parameter read through a pointer by a callee keeps its dependence on the entry', () => {
    expect(locFormalIns(sdg, 'twice').some((n) => n.includes('argc'))).toBe(true);
  });
});

// Random small C programs for the slicing property tests: globals, functions
// with parameters, if/else, bounded while loops, early returns and calls, each
// statement on its own line, plus an instrumented twin that logs which
// statement instances run. Def/use sets are known exactly (no pointers), so a
// run's trace yields its dynamic data and control dependences.
import fc from 'fast-check';

export type Expr = { vars: string[]; text: string };

export type Stmt =
  | { kind: 'assign'; id: number; dst: string; e: Expr }
  | { kind: 'call'; id: number; dst: string; callee: number; args: Expr[] }
  | { kind: 'if'; id: number; cond: Expr; then: Stmt[]; else: Stmt[] }
  | { kind: 'while'; id: number; counter: string; bound: number; body: Stmt[] }
  | { kind: 'ret'; id: number; e: Expr }
  | { kind: 'paddr'; id: number; target: string }
  | { kind: 'pstore'; id: number; e: Expr }
  | { kind: 'pload'; id: number; dst: string; e: Expr }
  | { kind: 'print'; id: number; e: Expr };

export interface Fn {
  index: number;
  name: string;
  params: string[];
  locals: string[];
  body: Stmt[];
}

export interface RandProgram {
  globals: string[];
  fns: Fn[]; // fns[last] is main
  /** Statement facts by id. */
  info: Map<number, { fn: number; uses: string[]; defs: string[]; parent: number | undefined; kind: Stmt['kind'] }>;
}

/** A deterministic random source from fast-check's generated numbers. */
class Rand {
  private i = 0;
  constructor(private readonly xs: number[]) {}
  next(n: number): number {
    const x = this.xs[this.i++ % this.xs.length]!;
    return n <= 1 ? 0 : x % n;
  }
}

export function randomProgram(xs: number[]): RandProgram {
  const r = new Rand(xs.length > 0 ? xs : [0]);
  const globals = ['g0', 'g1', 'g2'];
  const nf = 2 + r.next(2); // helpers
  const fns: Fn[] = [];
  let nextId = 1;
  let counter = 0;
  for (let k = 0; k <= nf; k++) {
    const isMain = k === nf;
    const params = isMain ? [] : ['a', 'b'].slice(0, 1 + r.next(2));
    const locals = ['x', 'y', 'z'];
    const scope = () => [...params, ...locals, ...globals];
    const expr = (): Expr => {
      const n = 1 + r.next(2);
      const vars: string[] = [];
      const parts: string[] = [];
      for (let j = 0; j < n; j++) {
        if (r.next(4) === 0) parts.push(String(r.next(7)));
        else {
          const v = scope()[r.next(scope().length)]!;
          vars.push(v);
          parts.push(v);
        }
      }
      const ops = ['+', '*', '^', '-'];
      return { vars, text: parts.map((p, j) => (j === 0 ? p : ` ${ops[r.next(ops.length)]} ${p}`)).join('') };
    };
    const block = (depth: number, len: number): Stmt[] => {
      const out: Stmt[] = [];
      for (let j = 0; j < len; j++) {
        const choice = r.next(10);
        const dstPool = [...locals, ...globals, ...params];
        const ptr = r.next(4);
        if (choice < 4 && ptr === 0) {
          const tp = [...locals.slice(0, 3), ...globals];
          out.push({ kind: 'paddr', id: nextId++, target: tp[r.next(tp.length)]! });
        } else if (choice < 4 && ptr === 1) out.push({ kind: 'pstore', id: nextId++, e: expr() });
        else if (choice < 4 && ptr === 2) out.push({ kind: 'pload', id: nextId++, dst: dstPool[r.next(dstPool.length)]!, e: expr() });
        else if (choice < 4 || depth >= 2) out.push({ kind: 'assign', id: nextId++, dst: dstPool[r.next(dstPool.length)]!, e: expr() });
        else if (choice < 6 && k > 0) {
          const callee = r.next(k);
          const args = fns[callee]!.params.map(() => expr());
          out.push({ kind: 'call', id: nextId++, dst: dstPool[r.next(dstPool.length)]!, callee, args });
        } else if (choice < 8) {
          const id = nextId++;
          const cond: Expr = (() => {
            const e = expr();
            return { vars: e.vars, text: `(${e.text}) % 3u == 1u` };
          })();
          const then = r.next(5) === 0 && !isMain ? [{ kind: 'ret', id: nextId++, e: expr() } as Stmt] : block(depth + 1, 1 + r.next(2));
          out.push({ kind: 'if', id, cond, then, else: r.next(2) ? block(depth + 1, 1 + r.next(2)) : [] });
        } else {
          const id = nextId++;
          out.push({ kind: 'while', id, counter: `k${counter++}`, bound: 1 + r.next(3), body: block(depth + 1, 1 + r.next(2)) });
        }
      }
      return out;
    };
    const body = block(0, 3 + r.next(4));
    for (const c of collectCounters(body)) locals.push(c);
    if (isMain) body.push({ kind: 'print', id: nextId++, e: { vars: ['g0', 'g1', 'g2', 'x'], text: 'g0 ^ g1 ^ g2 ^ x' } });
    else body.push({ kind: 'ret', id: nextId++, e: expr() });
    fns.push({ index: k, name: isMain ? 'main' : `f${k}`, params, locals, body });
  }
  const info: RandProgram['info'] = new Map();
  const walk = (fn: number, ss: Stmt[], parent: number | undefined) => {
    for (const s of ss) {
      switch (s.kind) {
        case 'assign':
          info.set(s.id, { fn, uses: s.e.vars, defs: [s.dst], parent, kind: s.kind });
          break;
        case 'call':
          info.set(s.id, { fn, uses: s.args.flatMap((a) => a.vars), defs: [s.dst], parent, kind: s.kind });
          break;
        case 'if':
          info.set(s.id, { fn, uses: s.cond.vars, defs: [], parent, kind: s.kind });
          walk(fn, s.then, s.id);
          walk(fn, s.else, s.id);
          break;
        case 'while':
          info.set(s.id, { fn, uses: [s.counter], defs: [], parent, kind: s.kind });
          walk(fn, s.body, s.id);
          break;
        case 'ret':
        case 'print':
          info.set(s.id, { fn, uses: s.e.vars, defs: [], parent, kind: s.kind });
          break;
        case 'paddr':
          info.set(s.id, { fn, uses: [], defs: ['p'], parent, kind: s.kind });
          break;
        case 'pstore':
          info.set(s.id, { fn, uses: [...s.e.vars, 'p'], defs: [], parent, kind: s.kind });
          break;
        case 'pload':
          info.set(s.id, { fn, uses: [...s.e.vars, 'p'], defs: [s.dst], parent, kind: s.kind });
          break;
      }
    }
  };
  fns.forEach((f) => walk(f.index, f.body, undefined));
  return { globals, fns, info };
}

function collectCounters(ss: Stmt[]): string[] {
  return ss.flatMap((s) =>
    s.kind === 'while' ? [s.counter, ...collectCounters(s.body)] : s.kind === 'if' ? [...collectCounters(s.then), ...collectCounters(s.else)] : [],
  );
}

export interface Rendered {
  code: string;
  /** Statement id -> line in `code`. */
  lineOf: Map<number, number>;
}

/**
 * C text. With `instrument`, each statement logs `S id` before it runs, loops log
 * `L id` on entry, calls log `E id` once the callee has returned, returns log `R id`.
 * Lines are identical in both versions (instrumentation stays on the statement's line).
 */
export function render(p: RandProgram, instrument: boolean): Rendered {
  const lines: string[] = [];
  const lineOf = new Map<number, number>();
  const T = (tag: string, id: number) => (instrument ? `T('${tag}', ${id}); ` : '');
  lines.push('#include <stdio.h>');
  lines.push(instrument ? 'static void T(char t, int id) { printf("%c %d\\n", t, id); }' : '');
  lines.push(`unsigned ${p.globals.map((g, i) => `${g} = ${i + 1}u`).join(', ')};`);
  for (const f of p.fns.slice(0, -1)) lines.push(`unsigned ${f.name}(${f.params.map((x) => `unsigned ${x}`).join(', ')});`);
  const emit = (ss: Stmt[], ind: string) => {
    for (const s of ss) {
      const at = () => lineOf.set(s.id, lines.length + 1);
      switch (s.kind) {
        case 'assign':
          at();
          lines.push(`${ind}${T('S', s.id)}${s.dst} = ${s.e.text};`);
          break;
        case 'call':
          at();
          lines.push(`${ind}${T('S', s.id)}${s.dst} = ${p.fns[s.callee]!.name}(${s.args.map((a) => a.text).join(', ')}); ${T('E', s.id)}`);
          break;
        case 'print':
          at();
          lines.push(`${ind}${T('S', s.id)}printf("%u\\n", ${s.e.text});`);
          break;
        case 'paddr':
          at();
          lines.push(`${ind}${T('S', s.id)}p = &${s.target};`);
          break;
        case 'pstore':
          at();
          lines.push(`${ind}${T('S', s.id)}*p = ${s.e.text};`);
          break;
        case 'pload':
          at();
          lines.push(`${ind}${T('S', s.id)}${s.dst} = *p + (${s.e.text});`);
          break;
        case 'ret':
          at();
          lines.push(`${ind}{ ${T('R', s.id)}return ${s.e.text}; }`);
          break;
        case 'if':
          at();
          lines.push(`${ind}if (${instrument ? `T('S', ${s.id}), ` : ''}${s.cond.text}) {`);
          emit(s.then, ind + '  ');
          lines.push(`${ind}} else {`);
          emit(s.else, ind + '  ');
          lines.push(`${ind}}`);
          break;
        case 'while':
          lines.push(`${ind}${T('L', s.id)}${s.counter} = 0u;`);
          at();
          lines.push(`${ind}while (${instrument ? `T('S', ${s.id}), ` : ''}${s.counter} < ${s.bound}u) {`);
          emit(s.body, ind + '  ');
          lines.push(`${ind}  ${s.counter} = ${s.counter} + 1u;`);
          lines.push(`${ind}}`);
          break;
      }
    }
  };
  for (const f of p.fns) {
    const isMain = f.name === 'main';
    lines.push(`${isMain ? 'int' : 'unsigned'} ${f.name}(${isMain ? 'void' : f.params.map((x) => `unsigned ${x}`).join(', ')}) {`);
    lines.push(`  unsigned ${f.locals.map((l) => `${l} = 0u`).join(', ')};`);
    lines.push('  unsigned *p = &x;');
    emit(f.body, '  ');
    if (isMain) lines.push('  return 0;');
    lines.push('}');
  }
  return { code: lines.join('\n') + '\n', lineOf };
}

/** fast-check arbitrary: the random numbers a program is drawn from. */
export const programSeeds = fc.array(fc.nat(1 << 20), { minLength: 40, maxLength: 120 });

// Lowering of expressions and declarations (constructs.c): each construct's
// instructions, on the original source line its marker names.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadProgram } from '../../../analyzer/frontend/index.js';
import type { Copy, Gep, Instr, Program } from '../../../analyzer/ir/types.js';
import { validateProgram } from '../../../analyzer/ir/validate.js';
import { FIXTURES, fn, instrs, markerLine, onLine, theVar, varName } from './helpers.js';

const FILE = join(FIXTURES, 'constructs.c');
let p: Program;
const line = (m: string): number => markerLine(FILE, m);
const kinds = (is: Instr[]): string[] => is.map((i) => i.kind);
const geps = (is: Instr[]): Gep[] => is.filter((i): i is Gep => i.kind === 'gep');

beforeAll(() => {
  p = loadProgram([FILE]);
});

describe('front end: constructs.c', () => {
  it('produces a well-formed program with no diagnostics', () => {
    expect(validateProgram(p)).toEqual([]);
    expect(p.diagnostics).toEqual([]);
    for (const i of p.instrs) {
      expect(i.loc.file.endsWith('constructs.c')).toBe(true);
      expect(i.text.length).toBeGreaterThan(0);
    }
  });

  it('s.f is addr + gep, p->f is a gep on the pointer, nested members chain', () => {
    const f = fn(p, 'fields');
    const s = theVar(p, 's', 'fields');
    const dot = onLine(f, line('dot'));
    expect(kinds(dot)).toEqual(['addr', 'gep', 'gep', 'store']);
    expect(dot[0]).toMatchObject({ kind: 'addr', target: { kind: 'var', var: s.id } });
    expect(geps(dot).map((g) => g.field?.name)).toEqual(['in', 'a']);
    expect(s.addressTaken).toBe(true);
    const arrow = onLine(f, line('arrow'));
    const first = geps(arrow)[0];
    expect(varName(p, first.base)).toBe('p');
    expect(first.field).toMatchObject({ name: 'in', index: 2 });
    expect(arrow[arrow.length - 1].kind).toBe('store');
  });

  it('reaches a member of an anonymous union through the anonymous field', () => {
    const anon = geps(onLine(fn(p, 'fields'), line('anon')));
    expect(anon.map((g) => g.field?.name)).toEqual(['<anon0>', 'as_int']);
    const agg = p.types[anon[0].field!.aggregate];
    expect(agg.kind === 'struct' && agg.fields[3].anonymous).toBe(true);
  });

  it('lowers p->next->vals[3] as gep/load/gep/gep-index/load', () => {
    const chain = onLine(fn(p, 'fields'), line('chain'));
    expect(kinds(chain)).toEqual(['gep', 'load', 'gep', 'gep', 'load', 'ret']);
    expect((chain[3] as Gep).index).toEqual({ kind: 'const', text: '3' });
  });

  it('a[i] decays the array (addr) and q[i] indexes the pointer; p + i is a gep with the index', () => {
    const f = fn(p, 'arrays');
    const sub = onLine(f, line('subscript'));
    expect(kinds(sub)).toEqual(['addr', 'gep', 'gep', 'load', 'store']);
    const i = theVar(p, 'i', 'arrays');
    expect(geps(sub).map((g) => g.index)).toEqual([{ kind: 'var', var: i.id }, { kind: 'var', var: i.id }]);
    const arith = onLine(f, line('ptrarith'));
    expect(arith.some((x) => x.kind === 'copy' && x.op === '+')).toBe(false);
    const g = geps(arith)[0];
    expect(varName(p, g.base)).toBe('q');
    expect(g.index).toEqual({ kind: 'var', var: i.id });
    // r = r - 1 negates the index.
    const minus = onLine(f, line('ptrarith') + 1);
    expect(kinds(minus)).toEqual(['copy', 'gep', 'copy']);
    expect((minus[0] as Copy).op).toBe('neg');
  });

  it('&x is addr and marks x address-taken; casts between int and pointer are copies with op cast', () => {
    const f = fn(p, 'addr_cast');
    const x = theVar(p, 'x', 'addr_cast');
    expect(onLine(f, line('addrof'))[0]).toMatchObject({ kind: 'addr', target: { kind: 'var', var: x.id } });
    expect(x.addressTaken).toBe(true);
    expect(theVar(p, 'l', 'addr_cast').addressTaken).toBe(false);
    const cast = onLine(f, line('cast'))[0] as Copy;
    expect(cast).toMatchObject({ kind: 'copy', op: 'cast' });
    expect(p.types[cast.type]).toMatchObject({ kind: 'int', name: 'long' });
    const back = onLine(f, line('cast') + 1)[0] as Copy;
    expect(back.op).toBe('cast');
    expect(p.types[back.type].kind).toBe('pointer');
  });

  it('struct assignment through pointers moves the aggregate type', () => {
    const f = fn(p, 'structs');
    const st = onLine(f, line('structstore'));
    expect(st[0]).toMatchObject({ kind: 'store' });
    const stType = p.types[(st[0] as { type: number }).type];
    expect(stType).toMatchObject({ kind: 'struct', tag: 'inner' });
    const ld = onLine(f, line('structload'));
    expect(kinds(ld)).toEqual(['load', 'copy']);
    expect(p.types[(ld[0] as { type: number }).type]).toMatchObject({ kind: 'struct', tag: 'inner' });
  });

  it('compound assignment and ++ read-modify-write; p++ on a pointer is a gep by 1', () => {
    const f = fn(p, 'compound_ops');
    const x = theVar(p, 'x', 'compound_ops');
    const c = onLine(f, line('compound'));
    expect(c).toMatchObject([{ kind: 'copy', op: '+', srcs: [{ kind: 'var', var: x.id }, { kind: 'const', text: '2' }] }, { kind: 'copy', dst: x.id, op: '=' }]);
    const inc = onLine(f, line('ptrinc'));
    expect(inc[0]).toMatchObject({ kind: 'gep', index: { kind: 'const', text: '1' } });
    expect(inc[1]).toMatchObject({ kind: 'copy', dst: theVar(p, 'p', 'compound_ops').id });
    // (*p)-- loads, subtracts and stores back.
    expect(kinds(onLine(f, line('ptrinc') - 1))).toEqual(['load', 'copy', 'store']);
  });

  it('a side-effect-free ternary is one ?: copy; one with a call becomes a CFG diamond', () => {
    const f = fn(p, 'ternary');
    const plain = onLine(f, line('ternary-plain'))[0] as Copy;
    expect(plain.op).toBe('?:');
    expect(plain.srcs.map((s) => (s.kind === 'var' ? varName(p, s.var) : s.text))).toEqual(['c', 'a', 'b']);
    const eff = onLine(f, line('ternary-cfg'));
    const call = eff.find((i) => i.kind === 'call')!;
    const callBlock = f.blocks.find((b) => b.instrs.includes(call))!;
    expect(callBlock.label).toBe('cond.true');
    const branch = eff.find((i) => i.kind === 'branch')!;
    const bb = f.blocks.find((b) => b.instrs.includes(branch))!;
    expect(bb.succs).toHaveLength(2);
    expect(bb.succs[0]).toBe(callBlock.id);
  });

  it('comma evaluates left then right', () => {
    const c = onLine(fn(p, 'comma'), line('comma'));
    const a = theVar(p, 'a', 'comma').id;
    expect(c.map((i) => (i.kind === 'copy' ? i.dst : -1)).filter((d) => d === a)).toHaveLength(1);
    expect(c[c.length - 1]).toMatchObject({ kind: 'copy', dst: theVar(p, 'b', 'comma').id });
  });

  it('calls through a function-pointer variable and a struct field are icalls', () => {
    const f = fn(p, 'indirect');
    const fv = theVar(p, 'f', 'indirect');
    expect(onLine(f, line('icall-var'))[0]).toMatchObject({ kind: 'icall', target: fv.id });
    const viaField = onLine(f, line('icall-field'));
    expect(kinds(viaField).slice(0, 5)).toEqual(['addr', 'gep', 'gep', 'load', 'icall']);
    expect((viaField[2] as Gep).field?.name).toBe('fn');
    expect(viaField[4]).toMatchObject({ kind: 'icall', target: (viaField[3] as { dst: number }).dst });
    // (*f)(p) is the same call through f.
    expect(onLine(f, line('icall-field') + 1)[0]).toMatchObject({ kind: 'icall', target: fv.id });
    // Taking a function's address for the ternary: addr of on_tcp / on_udp.
    const addrs = instrs(f).filter((i) => i.kind === 'addr' && i.target.kind === 'func');
    expect(addrs.map((i) => (i.kind === 'addr' && i.target.kind === 'func' ? i.target.name : ''))).toEqual(['on_tcp', 'on_udp']);
  });

  it('varargs: the function is variadic and printf is an external call with all arguments', () => {
    expect(fn(p, 'sum').variadic).toBe(true);
    const call = onLine(fn(p, 'sum'), line('varargs')).find((i) => i.kind === 'call');
    expect(call).toMatchObject({ kind: 'call', callee: 'printf' });
    expect(call?.kind === 'call' && call.args).toHaveLength(2);
    expect(p.externals.has('printf')).toBe(true);
    expect(p.externals.has('sum')).toBe(false);
  });

  it('static locals are function statics whose initializers run in GLOBAL_INIT', () => {
    const calls = theVar(p, 'calls', 'statics');
    expect(calls.scope).toBe('static');
    const self = theVar(p, 'self', 'statics');
    const gi = instrs(p.globalInit);
    expect(gi.find((i) => i.kind === 'copy' && i.dst === calls.id)).toMatchObject({ srcs: [{ kind: 'const', text: '5' }] });
    const addr = gi.find((i) => i.kind === 'addr' && i.target.kind === 'var' && i.target.var === calls.id);
    expect(addr).toBeDefined();
    expect(gi.find((i) => i.kind === 'copy' && i.dst === self.id)).toMatchObject({ srcs: [{ kind: 'var', var: (addr as { dst: number }).dst }] });
    expect(onLine(fn(p, 'statics'), line('static-local'))).toEqual([]);
    expect(fn(p, 'statics').locals).toContain(calls.id);
  });

  it('string literals and compound literals are objects of their own', () => {
    const f = fn(p, 'strings');
    const str = onLine(f, line('string'))[0];
    expect(str.kind).toBe('addr');
    const sv = p.vars[(str as { target: { var: number } }).target.var];
    expect(sv).toMatchObject({ scope: 'string', text: 'hello' });
    const cl = onLine(f, line('compound-literal'));
    const obj = cl.find((i) => i.kind === 'addr')!;
    const cv = p.vars[(obj as { target: { var: number } }).target.var];
    expect(cv.scope).toBe('compound');
    expect(geps(cl).map((g) => g.field?.name)).toEqual(['a', 'b']);
    expect(cl.filter((i) => i.kind === 'store')).toHaveLength(2);
  });

  it('block scoping: an inner x shadows the parameter x only inside its block', () => {
    const f = fn(p, 'shadow');
    const xs = p.vars.filter((v) => v.name === 'x' && v.function === 'shadow');
    expect(xs.map((v) => v.scope).sort()).toEqual(['local', 'param']);
    const inner = xs.find((v) => v.scope === 'local')!;
    const param = xs.find((v) => v.scope === 'param')!;
    expect(onLine(f, line('shadow'))[0]).toMatchObject({ kind: 'copy', dst: inner.id });
    expect(onLine(f, line('outer-x'))[0]).toMatchObject({ kind: 'copy', srcs: [{ kind: 'var', var: theVar(p, 'y', 'shadow').id }, { kind: 'var', var: param.id }] });
  });

  it('types: enum and sizeof constant expressions size arrays; bit-fields keep their width', () => {
    const counters = p.types[theVar(p, 'counters').type];
    expect(counters).toMatchObject({ kind: 'array', length: 18 });
    expect(p.types[theVar(p, 'names').type]).toMatchObject({ kind: 'array', length: 16 });
    expect(p.types[theVar(p, 'table').type]).toMatchObject({ kind: 'array', length: 2 });
    const pkt = p.types.find((t) => t.kind === 'struct' && t.tag === 'pkt');
    expect(pkt && pkt.kind === 'struct' && pkt.fields.slice(0, 2)).toEqual([
      expect.objectContaining({ name: 'ver', bits: 4 }),
      expect.objectContaining({ name: 'ihl', bits: 4 }),
    ]);
    expect(theVar(p, 'hits').scope).toBe('static');
    expect(theVar(p, 'glob').scope).toBe('global');
  });

  it('global initializers: &glob into gptr, and the plugin table stores function addresses into the right element and field', () => {
    const gi = instrs(p.globalInit);
    const gptr = theVar(p, 'gptr');
    const glob = theVar(p, 'glob');
    const a = gi.find((i) => i.kind === 'addr' && i.target.kind === 'var' && i.target.var === glob.id)!;
    expect(a.loc.line).toBe(line('ginit-addr'));
    expect(gi.find((i) => i.kind === 'copy' && i.dst === gptr.id)).toMatchObject({ srcs: [{ kind: 'var', var: (a as { dst: number }).dst }] });
    // For each handler: store(&elem[k]->fn, &handler).
    const byDst = new Map(gi.filter((i) => 'dst' in i).map((i) => [(i as { dst: number }).dst, i]));
    const stored = gi
      .filter((i) => i.kind === 'store')
      .map((s) => {
        if (s.kind !== 'store' || s.src.kind !== 'var') return undefined;
        const src = byDst.get(s.src.var);
        const field = byDst.get(s.addr) as Gep;
        const elem = byDst.get(field.base) as Gep;
        return { field: field.field?.name, elem: elem.index, value: src?.kind === 'addr' && src.target.kind === 'func' ? src.target.name : src?.kind === 'addr' && src.target.kind === 'var' ? p.vars[src.target.var].text : undefined };
      });
    expect(stored).toEqual([
      { field: 'name', elem: { kind: 'const', text: '0' }, value: 'tcp' },
      { field: 'fn', elem: { kind: 'const', text: '0' }, value: 'on_tcp' },
      { field: 'fn', elem: { kind: 'const', text: '1' }, value: 'on_udp' },
      { field: 'name', elem: { kind: 'const', text: '1' }, value: 'udp' },
    ]);
  });
});

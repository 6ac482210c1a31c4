// A small builder of IR Programs without the C front end: for solver unit tests and for the
// generated benchmark program (bench.ts). Every function is one block; ids are dense.
import type { Block, CType, Func, Instr, Operand, Program, SourceLoc, TypeId, VarId, VarScope } from '../ir/types.js';
import { GLOBAL_INIT } from '../ir/types.js';

type NoId<T> = T extends Instr ? Omit<T, 'id' | 'loc' | 'text'> : never;

export class FuncBuilder {
  readonly instrs: Instr[] = [];
  readonly params: VarId[] = [];
  readonly locals: VarId[] = [];
  variadic = false;
  constructor(private readonly pb: ProgramBuilder, readonly key: string) {}

  param(name: string, type: TypeId): VarId { const v = this.pb.variable(name, 'param', type, this.key); this.params.push(v); return v; }
  local(name: string, type: TypeId): VarId { const v = this.pb.variable(name, 'local', type, this.key); this.locals.push(v); return v; }

  emit(i: NoId<Instr>): this {
    const full = { ...i, id: this.pb.nextInstr++, loc: this.pb.loc(), text: i.kind } as Instr;
    this.instrs.push(full);
    return this;
  }

  addr(dst: VarId, target: VarId | string): this {
    return this.emit({ kind: 'addr', dst, target: typeof target === 'string' ? { kind: 'func', name: target } : { kind: 'var', var: target } });
  }
  copy(dst: VarId, src: VarId | VarId[], op = '=', type: TypeId = this.pb.voidPtr): this {
    const srcs: Operand[] = (Array.isArray(src) ? src : [src]).map((v) => ({ kind: 'var', var: v }));
    return this.emit({ kind: 'copy', dst, srcs, op, type });
  }
  load(dst: VarId, addr: VarId, type: TypeId = this.pb.voidPtr): this { return this.emit({ kind: 'load', dst, addr, type }); }
  store(addr: VarId, src: VarId, type: TypeId = this.pb.voidPtr): this { return this.emit({ kind: 'store', addr, src: { kind: 'var', var: src }, type }); }
  field(dst: VarId, base: VarId, aggregate: TypeId, index: number): this {
    const agg = this.pb.types[aggregate]!;
    const name = agg.kind === 'struct' || agg.kind === 'union' ? agg.fields[index]!.name : `f${index}`;
    return this.emit({ kind: 'gep', dst, base, field: { name, index, aggregate } });
  }
  index(dst: VarId, base: VarId, idx?: VarId): this {
    return this.emit({ kind: 'gep', dst, base, index: idx === undefined ? { kind: 'const', text: '1' } : { kind: 'var', var: idx } });
  }
  call(callee: string, args: (VarId | null)[], dst?: VarId): this {
    return this.emit({ kind: 'call', callee, args: args.map((a) => (a === null ? { kind: 'const', text: '0' } : { kind: 'var', var: a })), dst });
  }
  icall(target: VarId, args: VarId[], dst?: VarId): this {
    return this.emit({ kind: 'icall', target, args: args.map((a) => ({ kind: 'var', var: a })), dst });
  }
  ret(v?: VarId): this { return this.emit({ kind: 'ret', value: v === undefined ? undefined : { kind: 'var', var: v } }); }
}

export class ProgramBuilder {
  readonly types: CType[] = [];
  readonly vars: Program['vars'] = [];
  nextInstr = 0;
  private readonly funcs: FuncBuilder[] = [];
  readonly init: FuncBuilder;
  readonly int: TypeId;
  readonly voidPtr: TypeId;
  readonly voidT: TypeId;
  private line = 1;

  constructor(readonly file = 'synth.c') {
    this.voidT = this.type({ kind: 'void' });
    this.int = this.type({ kind: 'int', name: 'int', size: 4, signed: true });
    this.voidPtr = this.ptr(this.voidT);
    this.init = new FuncBuilder(this, GLOBAL_INIT);
  }

  loc(): SourceLoc { return { file: this.file, line: this.line++, column: 1 }; }
  type(t: CType): TypeId { this.types.push(t); return this.types.length - 1; }
  ptr(to: TypeId): TypeId { return this.type({ kind: 'pointer', to }); }
  struct(tag: string, fields: [string, TypeId][], kind: 'struct' | 'union' = 'struct'): TypeId {
    return this.type({ kind, tag, complete: true, fields: fields.map(([name, type]) => ({ name, type })) });
  }
  array(of: TypeId, length?: number): TypeId { return this.type({ kind: 'array', of, length }); }

  variable(name: string, scope: VarScope, type: TypeId, fn?: string): VarId {
    const id = this.vars.length;
    this.vars.push({ id, name, scope, type, function: fn, loc: { file: this.file, line: 0, column: 0 }, addressTaken: false });
    return id;
  }
  global(name: string, type: TypeId = this.voidPtr): VarId { return this.variable(name, 'global', type); }

  func(key: string): FuncBuilder { const f = new FuncBuilder(this, key); this.funcs.push(f); return f; }

  build(): Program {
    const instrs: Instr[] = [];
    const instrFunc: string[] = [];
    const externals = new Set<string>();
    const keys = new Set(this.funcs.map((f) => f.key));
    const mk = (fb: FuncBuilder): Func => {
      const body: Block = { id: 0, instrs: fb.instrs, succs: [1], preds: [] };
      const exit: Block = { id: 1, instrs: [], succs: [], preds: [0] };
      for (const i of fb.instrs) {
        instrs[i.id] = i;
        instrFunc[i.id] = fb.key;
        if (i.kind === 'call' && !keys.has(i.callee)) externals.add(i.callee);
        if (i.kind === 'addr' && i.target.kind === 'func' && !keys.has(i.target.name)) externals.add(i.target.name);
        if (i.kind === 'addr' && i.target.kind === 'var') this.vars[i.target.var]!.addressTaken = true;
      }
      return {
        key: fb.key, name: fb.key, isStatic: false, loc: { file: this.file, line: 1, column: 1 }, type: this.voidT,
        params: fb.params, locals: fb.locals, variadic: fb.variadic, blocks: [body, exit], entry: 0, exit: 1,
      };
    };
    const functions = new Map<string, Func>();
    for (const f of this.funcs) functions.set(f.key, mk(f));
    return {
      units: [{ file: this.file, preprocessedLines: 0, sourceLines: 0 }],
      types: this.types, vars: this.vars, functions, globalInit: mk(this.init), externals,
      diagnostics: [], instrs, instrFunc,
    };
  }
}

// Lowering of C expressions to IR instructions: lvalues (a variable or memory
// through a pointer temp), rvalues, calls, short-circuit conditions, initializers.
import type { BlockId, Operand, SourceLoc, TypeId, VarId } from '../ir/types.js';
import { child, children, findAll, namedKids, type Ast } from './ast.js';
import type { CfgBuilder } from './cfg.js';
import { parseCharLiteral } from './consts.js';
import type { DeclReader } from './decls.js';
import type { ProgramBuilder } from './program.js';
import { Scope, type Sym } from './scope.js';
import type { UnitSource } from './source.js';

/** A place in memory: a named variable, or whatever the pointer held in `addr` points to. */
export type LVal = { kind: 'var'; var: VarId; type: TypeId } | { kind: 'mem'; addr: VarId; type: TypeId };

/** The result of an expression: a place, a value, or a function designator. */
export type Val =
  | { k: 'lv'; lv: LVal }
  | { k: 'rv'; op: Operand; type: TypeId }
  | { k: 'fn'; key: string; type: TypeId };

/** What the lowering of one translation unit offers to the lowering of its functions. */
export interface UnitEnv {
  prog: ProgramBuilder;
  src: UnitSource;
  decls: DeclReader;
  /** Records a warning at a node (and marks the current function partial when asked). */
  warn(n: Ast, message: string, func?: string): void;
  /** Declares the names of a block-scope or file-scope declaration (prototypes, externs, typedefs). */
  unitTag: string;
  fileScope: Scope;
}

const SIDE_EFFECTS = new Set(['call_expression', 'assignment_expression', 'update_expression', 'compound_statement', 'gnu_asm_expression']);
const COMPARISONS = new Set(['==', '!=', '<', '>', '<=', '>=', '&&', '||']);

export class ExprLowerer {
  /** Source text of the statement being lowered (InstrBase.text). */
  text = '';
  scope: Scope;
  partial = false;

  constructor(
    readonly env: UnitEnv,
    public b: CfgBuilder,
    readonly funcKey: string,
    scope: Scope,
  ) {
    this.scope = scope;
  }

  get types() {
    return this.env.prog.types;
  }

  loc(n: Ast): SourceLoc {
    return this.env.src.loc(n.start);
  }

  raw(n: Ast): string {
    return this.env.src.raw(n);
  }

  warn(n: Ast, message: string): void {
    this.env.warn(n, message, this.funcKey);
  }

  // ------------------------------------------------------------ emit helpers

  copy(n: Ast, dst: VarId, srcs: Operand[], op: string, type: TypeId): void {
    this.b.emit({ kind: 'copy', dst, srcs, op, type, loc: this.loc(n), text: this.text });
  }

  temp(n: Ast, type: TypeId): VarId {
    return this.b.temp(type, this.loc(n));
  }

  addrOfVar(n: Ast, v: VarId, type: TypeId): VarId {
    this.env.prog.vars[v].addressTaken = true;
    const t = this.temp(n, this.types.pointer(type));
    this.b.emit({ kind: 'addr', dst: t, target: { kind: 'var', var: v }, loc: this.loc(n), text: this.text });
    return t;
  }

  addrOfFunc(n: Ast, key: string, fnType: TypeId): VarId {
    const t = this.temp(n, this.types.pointer(fnType));
    this.b.emit({ kind: 'addr', dst: t, target: { kind: 'func', name: key }, loc: this.loc(n), text: this.text });
    return t;
  }

  load(n: Ast, addr: VarId, type: TypeId): VarId {
    const t = this.temp(n, type);
    this.b.emit({ kind: 'load', dst: t, addr, type, loc: this.loc(n), text: this.text });
    return t;
  }

  store(n: Ast, addr: VarId, src: Operand, type: TypeId): void {
    this.b.emit({ kind: 'store', addr, src, type, loc: this.loc(n), text: this.text });
  }

  gepIndex(n: Ast, base: VarId, index: Operand, elem: TypeId): VarId {
    const t = this.temp(n, this.types.pointer(elem));
    this.b.emit({ kind: 'gep', dst: t, base, index, loc: this.loc(n), text: this.text });
    return t;
  }

  /** `&base->name`, descending through anonymous members; returns the address and the member type. */
  gepField(n: Ast, base: VarId, aggregate: TypeId, name: string): { addr: VarId; type: TypeId } {
    const path = this.types.fieldPath(aggregate, name);
    if (!path) {
      this.warn(n, `no member '${name}' in ${this.types.show(aggregate)}`);
      const t = this.temp(n, this.types.pointer(this.types.int));
      this.b.emit({ kind: 'gep', dst: t, base, field: { name, index: -1, aggregate: this.types.resolve(aggregate) }, loc: this.loc(n), text: this.text });
      return { addr: t, type: this.types.int };
    }
    let cur = base;
    let type = aggregate;
    for (const step of path) {
      const t = this.temp(n, this.types.pointer(step.field.type));
      this.b.emit({ kind: 'gep', dst: t, base: cur, field: { name: step.field.name, index: step.index, aggregate: step.aggregate }, loc: this.loc(n), text: this.text });
      cur = t;
      type = step.field.type;
    }
    return { addr: cur, type };
  }

  /** A variable holding the operand (constants are copied into a temp). */
  asVar(n: Ast, op: Operand, type: TypeId): VarId {
    if (op.kind === 'var') return op.var;
    const t = this.temp(n, type);
    this.copy(n, t, [op], '=', type);
    return t;
  }

  // ------------------------------------------------------------ values

  rvalue(n: Ast): { op: Operand; type: TypeId } {
    return this.toRV(n, this.expr(n));
  }

  toRV(n: Ast, v: Val): { op: Operand; type: TypeId } {
    if (v.k === 'rv') return { op: v.op, type: v.type };
    if (v.k === 'fn') return { op: { kind: 'var', var: this.addrOfFunc(n, v.key, v.type) }, type: this.types.pointer(v.type) };
    const lv = v.lv;
    const rt = this.types.get(this.types.resolve(lv.type));
    if (rt.kind === 'array') {
      // Arrays decay to a pointer to their first element.
      const ptr = this.types.pointer(rt.of);
      if (lv.kind === 'var') return { op: { kind: 'var', var: this.addrOfVar(n, lv.var, lv.type) }, type: ptr };
      return { op: { kind: 'var', var: lv.addr }, type: ptr };
    }
    if (rt.kind === 'function') {
      if (lv.kind === 'mem') return { op: { kind: 'var', var: lv.addr }, type: this.types.pointer(lv.type) };
    }
    if (lv.kind === 'var') return { op: { kind: 'var', var: lv.var }, type: lv.type };
    return { op: { kind: 'var', var: this.load(n, lv.addr, lv.type) }, type: lv.type };
  }

  lvalue(n: Ast): LVal {
    const v = this.expr(n);
    if (v.k === 'lv') return v.lv;
    // Not an lvalue in C (a call's struct result, a cast): give it a temp so member access still works.
    const r = this.toRV(n, v);
    if (r.op.kind === 'var' && this.env.prog.vars[r.op.var].scope === 'temp') return { kind: 'var', var: r.op.var, type: r.type };
    const t = this.temp(n, r.type);
    this.copy(n, t, [r.op], '=', r.type);
    return { kind: 'var', var: t, type: r.type };
  }

  addressOf(n: Ast, lv: LVal): VarId {
    return lv.kind === 'var' ? this.addrOfVar(n, lv.var, lv.type) : lv.addr;
  }

  write(n: Ast, lv: LVal, src: Operand, type: TypeId): void {
    if (lv.kind === 'var') this.copy(n, lv.var, [src], '=', type);
    else this.store(n, lv.addr, src, type);
  }

  // ------------------------------------------------------------ expressions

  expr(n: Ast, discard = false): Val {
    switch (n.type) {
      case 'identifier':
        return this.identifier(n);
      case 'number_literal':
        return { k: 'rv', op: { kind: 'const', text: this.raw(n) }, type: /[.eEpP]/.test(this.raw(n)) && !/^0[xX][0-9a-fA-F]+[uUlL]*$/.test(this.raw(n)) ? this.types.double : this.types.int };
      case 'char_literal':
        return { k: 'rv', op: { kind: 'const', text: String(parseCharLiteral(this.raw(n)) ?? this.raw(n)) }, type: this.types.char };
      case 'true':
        return { k: 'rv', op: { kind: 'const', text: '1' }, type: this.types.int };
      case 'false':
      case 'null':
        return { k: 'rv', op: { kind: 'const', text: '0' }, type: n.type === 'null' ? this.types.voidPtr : this.types.int };
      case 'string_literal':
      case 'concatenated_string':
        return this.stringLiteral(n);
      case 'parenthesized_expression': {
        const inner = namedKids(n)[0];
        if (!inner) return { k: 'rv', op: { kind: 'const', text: '0' }, type: this.types.int };
        if (inner.type === 'compound_statement') return this.statementExpression(inner);
        return this.expr(inner, discard);
      }
      case 'extension_expression':
        return this.expr(namedKids(n)[0] ?? n, discard);
      case 'assignment_expression':
        return this.assignment(n);
      case 'binary_expression':
        return this.binary(n);
      case 'unary_expression':
        return this.unary(n);
      case 'update_expression':
        return this.update(n, discard);
      case 'pointer_expression':
        return this.pointerExpr(n);
      case 'field_expression':
        return this.field(n);
      case 'subscript_expression':
        return this.subscript(n);
      case 'call_expression':
        return this.call(n);
      case 'cast_expression':
        return this.cast(n);
      case 'sizeof_expression':
      case 'alignof_expression':
      case 'offsetof_expression':
        return this.sizeofLike(n);
      case 'conditional_expression':
        return this.conditional(n);
      case 'comma_expression':
        this.expr(child(n, 'left')!, true);
        return this.expr(child(n, 'right')!, discard);
      case 'compound_literal_expression':
        return this.compoundLiteral(n);
      case 'gnu_asm_expression':
        this.warn(n, 'inline assembly is not analyzed (its outputs are treated as unknown)');
        return this.unknown(n);
      default:
        this.warn(n, `unsupported expression '${n.type}' lowered conservatively`);
        return this.unknown(n);
    }
  }

  /** Conservative value of something we can't lower: depends on every variable it mentions. */
  unknown(n: Ast): Val {
    const srcs: Operand[] = [];
    for (const id of findAll(n, (a) => a.type === 'identifier')) {
      const s = this.scope.lookup(this.raw(id));
      if (s?.kind === 'var') srcs.push({ kind: 'var', var: s.var });
    }
    const t = this.temp(n, this.types.int);
    this.copy(n, t, srcs, '?', this.types.int);
    return { k: 'rv', op: { kind: 'var', var: t }, type: this.types.int };
  }

  private identifier(n: Ast): Val {
    const name = this.raw(n);
    const s: Sym | undefined = this.scope.lookup(name);
    if (s?.kind === 'var') return { k: 'lv', lv: { kind: 'var', var: s.var, type: this.env.prog.vars[s.var].type } };
    if (s?.kind === 'func') return { k: 'fn', key: s.key, type: s.type };
    if (s?.kind === 'enumconst') return { k: 'rv', op: { kind: 'const', text: String(s.value) }, type: this.types.int };
    if (name === '__func__' || name === '__FUNCTION__' || name === '__PRETTY_FUNCTION__') {
      const fname = this.funcKey.includes(':') ? this.funcKey.slice(this.funcKey.lastIndexOf(':') + 1) : this.funcKey;
      return this.stringValue(n, fname);
    }
    this.warn(n, `undeclared identifier '${name}'`);
    return { k: 'rv', op: { kind: 'const', text: name }, type: this.types.int };
  }

  private stringLiteral(n: Ast): Val {
    const parts = n.type === 'concatenated_string' ? n.kids.filter((k) => k.type === 'string_literal') : [n];
    const text = parts.map((p) => this.raw(p).replace(/^[LuU8]*"/, '').replace(/"$/, '')).join('');
    return this.stringValue(n, text);
  }

  private stringValue(n: Ast, text: string): Val {
    const len = text.replace(/\\(x[0-9a-fA-F]+|[0-7]{1,3}|.)/g, '.').length + 1;
    const v = this.env.prog.stringVar(text, this.loc(n), this.types.array(this.types.char, len));
    return { k: 'lv', lv: { kind: 'var', var: v, type: this.env.prog.vars[v].type } };
  }

  private statementExpression(body: Ast): Val {
    // GNU `({ ...; e; })`: the value is the last expression statement's.
    const hooks = this.stmtHooks;
    const outer = this.scope;
    this.scope = new Scope(outer);
    let result: Val = { k: 'rv', op: { kind: 'const', text: '0' }, type: this.types.void };
    const kids = body.kids.filter((k) => k.named);
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i];
      if (i === kids.length - 1 && k.type === 'expression_statement' && namedKids(k)[0]) result = this.expr(namedKids(k)[0]);
      else hooks?.stmt(k);
    }
    const r = result.k === 'lv' ? { k: 'rv' as const, ...this.toRV(body, result) } : result;
    this.scope = outer;
    return r;
  }

  /** Set by the statement lowerer so statement expressions can lower statements. */
  stmtHooks?: { stmt(n: Ast): void };

  private assignment(n: Ast): Val {
    const left = child(n, 'left')!;
    const right = child(n, 'right')!;
    const op = this.raw(child(n, 'operator')!);
    const lv = this.lvalue(left);
    if (op === '=') {
      const src = this.rvalue(right);
      this.write(n, lv, src.op, lv.type);
      return { k: 'rv', op: src.op, type: lv.type };
    }
    const cur = this.toRV(n, { k: 'lv', lv });
    const r = this.rvalue(right);
    const bop = op.slice(0, -1);
    const res = this.arith(n, bop, cur, r, lv.type);
    this.write(n, lv, res, lv.type);
    return { k: 'rv', op: res, type: lv.type };
  }

  /** `a op b` given both values; pointer ± integer is a gep so later stages see the index. */
  private arith(n: Ast, op: string, a: { op: Operand; type: TypeId }, b: { op: Operand; type: TypeId }, type?: TypeId): Operand {
    const ap = this.types.isPointer(a.type);
    const bp = this.types.isPointer(b.type);
    if ((op === '+' || op === '-') && ap && !bp) return { kind: 'var', var: this.pointerStep(n, a, b, op) };
    if (op === '+' && bp && !ap) return { kind: 'var', var: this.pointerStep(n, b, a, op) };
    const rt = type ?? (COMPARISONS.has(op) ? this.types.int : ap && bp && op === '-' ? this.types.named('long')! : this.arithType(a.type, b.type));
    const t = this.temp(n, rt);
    this.copy(n, t, [a.op, b.op], op, rt);
    return { kind: 'var', var: t };
  }

  private pointerStep(n: Ast, ptr: { op: Operand; type: TypeId }, idx: { op: Operand; type: TypeId }, op: string): VarId {
    let index = idx.op;
    if (op === '-') {
      const neg = this.temp(n, idx.type);
      this.copy(n, neg, [idx.op], 'neg', idx.type);
      index = { kind: 'var', var: neg };
    }
    const base = this.asVar(n, ptr.op, ptr.type);
    const t = this.temp(n, ptr.type);
    this.b.emit({ kind: 'gep', dst: t, base, index, loc: this.loc(n), text: this.text });
    return t;
  }

  private arithType(a: TypeId, b: TypeId): TypeId {
    const ka = this.types.kindOf(a);
    const kb = this.types.kindOf(b);
    if (ka === 'float') return a;
    if (kb === 'float') return b;
    const sa = this.types.sizeOf(a) ?? 4;
    const sb = this.types.sizeOf(b) ?? 4;
    if (ka === 'int' && sa >= 4 && sa >= sb) return a;
    if (kb === 'int' && sb >= 4) return b;
    return this.types.int;
  }

  /** The typedef a `(name)` names, when a cast was misparsed as `(name) * p`, `(name) - x`, `(name) & x`. */
  private typedefInParens(n: Ast | undefined): TypeId | undefined {
    if (n?.type !== 'parenthesized_expression') return undefined;
    const inner = namedKids(n);
    if (inner.length !== 1 || inner[0].type !== 'identifier') return undefined;
    const s = this.scope.lookup(this.raw(inner[0]));
    return s?.kind === 'typedef' ? s.type : undefined;
  }

  private binary(n: Ast): Val {
    const op = this.raw(child(n, 'operator')!);
    const castType = this.typedefInParens(child(n, 'left'));
    if (castType !== undefined && (op === '*' || op === '-' || op === '+' || op === '&')) {
      const right = child(n, 'right')!;
      const operand = this.expr(right);
      let v: { op: Operand; type: TypeId };
      if (op === '*') v = this.toRV(n, this.pointerExpr({ ...n, type: 'pointer_expression', kids: [] }, operand, '*'));
      else if (op === '&') v = this.toRV(n, this.pointerExpr({ ...n, type: 'pointer_expression', kids: [] }, operand, '&'));
      else if (op === '-') {
        const a = this.toRV(n, operand);
        const t = this.temp(n, a.type);
        this.copy(n, t, [a.op], 'neg', a.type);
        v = { op: { kind: 'var', var: t }, type: a.type };
      } else v = this.toRV(n, operand);
      if (this.types.kindOf(castType) === 'void') return { k: 'rv', op: { kind: 'const', text: '0' }, type: castType };
      const t = this.temp(n, castType);
      this.copy(n, t, [v.op], 'cast', castType);
      return { k: 'rv', op: { kind: 'var', var: t }, type: castType };
    }
    if (op === '&&' || op === '||') return this.shortCircuitValue(n);
    // Walk the left spine iteratively: `a + b + c + ...` may be thousands deep.
    const spine: Ast[] = [n];
    let left = child(n, 'left')!;
    while (left.type === 'binary_expression') {
      const o = this.raw(child(left, 'operator')!);
      if (o === '&&' || o === '||' || this.typedefInParens(child(left, 'left')) !== undefined) break;
      spine.push(left);
      left = child(left, 'left')!;
    }
    let acc = this.rvalue(left);
    for (let i = spine.length - 1; i >= 0; i--) {
      const node = spine[i];
      const b = this.rvalue(child(node, 'right')!);
      const res = this.arith(node, this.raw(child(node, 'operator')!), acc, b);
      acc = { op: res, type: res.kind === 'var' ? this.env.prog.vars[res.var].type : this.types.int };
    }
    return { k: 'rv', ...acc };
  }

  private unary(n: Ast): Val {
    const op = this.raw(child(n, 'operator')!);
    const a = this.rvalue(child(n, 'argument')!);
    if (op === '+') return { k: 'rv', ...a };
    const type = op === '!' ? this.types.int : a.type;
    const t = this.temp(n, type);
    this.copy(n, t, [a.op], op === '-' ? 'neg' : op, type);
    return { k: 'rv', op: { kind: 'var', var: t }, type };
  }

  private update(n: Ast, discard: boolean): Val {
    const arg = child(n, 'argument')!;
    const opNode = child(n, 'operator')!;
    const op = this.raw(opNode) === '++' ? '+' : '-';
    const prefix = opNode.start < arg.start;
    const lv = this.lvalue(arg);
    let cur = this.toRV(n, { k: 'lv', lv });
    let old: Operand = cur.op;
    if (!prefix && !discard && lv.kind === 'var') {
      // The old value must survive the write to the variable.
      const t = this.temp(n, lv.type);
      this.copy(n, t, [cur.op], '=', lv.type);
      old = { kind: 'var', var: t };
      cur = { op: old, type: cur.type };
    }
    const res = this.arith(n, op, cur, { op: { kind: 'const', text: '1' }, type: this.types.int }, this.types.isPointer(lv.type) ? undefined : lv.type);
    this.write(n, lv, res, lv.type);
    return { k: 'rv', op: prefix ? res : old, type: lv.type };
  }

  private pointerExpr(n: Ast, operand?: Val, opText?: string): Val {
    const op = opText ?? this.raw(child(n, 'operator')!);
    const v = operand ?? this.expr(child(n, 'argument')!);
    if (op === '&') {
      if (v.k === 'fn') return { k: 'rv', op: { kind: 'var', var: this.addrOfFunc(n, v.key, v.type) }, type: this.types.pointer(v.type) };
      if (v.k === 'lv') return { k: 'rv', op: { kind: 'var', var: this.addressOf(n, v.lv) }, type: this.types.pointer(v.lv.type) };
      this.warn(n, 'address of a value that is not an lvalue');
      return v;
    }
    if (v.k === 'fn') return v; // `*f` for a function designator is the function again
    const r = this.toRV(n, v);
    const to = this.types.pointee(r.type);
    if (this.types.isFunction(to)) return { k: 'rv', ...r }; // `(*fp)` — still the function pointer
    return { k: 'lv', lv: { kind: 'mem', addr: this.asVar(n, r.op, r.type), type: to } };
  }

  private field(n: Ast): Val {
    const argNode = child(n, 'argument')!;
    const arrow = this.raw(child(n, 'operator')!) === '->';
    const name = this.raw(child(n, 'field')!);
    let base: VarId;
    let agg: TypeId;
    if (arrow) {
      const p = this.rvalue(argNode);
      base = this.asVar(n, p.op, p.type);
      agg = this.types.pointee(p.type);
    } else {
      const lv = this.lvalue(argNode);
      base = this.addressOf(n, lv);
      agg = lv.type;
    }
    const f = this.gepField(n, base, agg, name);
    return { k: 'lv', lv: { kind: 'mem', addr: f.addr, type: f.type } };
  }

  private subscript(n: Ast): Val {
    let arrNode = child(n, 'argument')!;
    let idxNode = child(n, 'index')!;
    let arr = this.rvalue(arrNode);
    if (!this.types.isPointer(arr.type) && !this.types.isArray(arr.type)) {
      const other = this.rvalue(idxNode);
      if (this.types.isPointer(other.type)) {
        // `i[a]` is `a[i]`.
        [arrNode, idxNode] = [idxNode, arrNode];
        const idx = arr;
        arr = other;
        return this.element(n, arr, idx);
      }
      return this.element(n, arr, other);
    }
    return this.element(n, arr, this.rvalue(idxNode));
  }

  private element(n: Ast, ptr: { op: Operand; type: TypeId }, idx: { op: Operand; type: TypeId }): Val {
    const elem = this.types.pointee(ptr.type);
    const base = this.asVar(n, ptr.op, ptr.type);
    const t = this.gepIndex(n, base, idx.op, elem);
    return { k: 'lv', lv: { kind: 'mem', addr: t, type: elem } };
  }

  private call(n: Ast): Val {
    let fnNode = child(n, 'function')!;
    while (fnNode.type === 'parenthesized_expression' && namedKids(fnNode).length === 1) fnNode = namedKids(fnNode)[0];
    const allArgs = namedKids(child(n, 'arguments') ?? ({ kids: [] as Ast[] } as unknown as Ast));
    const argNodes = allArgs.filter((a) => a.type !== 'type_descriptor');
    let direct: { key: string; type: TypeId } | undefined;
    let target: VarId | undefined;
    if (fnNode.type === 'identifier') {
      const name = this.raw(fnNode);
      const s = this.scope.lookup(name);
      if (s?.kind === 'typedef' && allArgs.length === 1) {
        // `(T)(x)` with T a typedef name parses as a call; it is a cast.
        return this.castTo(n, s.type, allArgs[0]);
      }
      if (name === '__va_arg' && allArgs.length === 1) {
        // normalize.ts turned `__builtin_va_arg(ap, T)` into `(T)__va_arg(ap)`.
        return this.finishCall(n, allArgs, '__builtin_va_arg', undefined, this.types.func(this.types.voidPtr, [], true));
      }
      if (name === '__builtin_expect' && argNodes.length >= 1) {
        const v = this.rvalue(argNodes[0]);
        for (const a of argNodes.slice(1)) this.rvalue(a);
        return { k: 'rv', ...v };
      }
      if (name === '__builtin_va_arg' && allArgs.length === 2) {
        // `va_arg(ap, T)`: the type argument is a type name, not a value.
        const tn = allArgs[1];
        const type = tn.type === 'type_descriptor' ? this.env.decls.typeDescriptor(tn, this.scope) : this.typeNamed(this.raw(tn));
        return this.finishCall(n, [allArgs[0]], name, undefined, this.types.func(type, [], true));
      }
      if (s === undefined) {
        // C89 implicit declaration (or a compiler builtin): an external function returning int.
        direct = { key: name, type: this.types.func(this.types.int, [], true) };
        if (!name.startsWith('__builtin_')) this.warn(fnNode, `implicit declaration of function '${name}'`);
      }
    }
    if (!direct) {
      const v = this.expr(fnNode);
      if (v.k === 'fn') direct = { key: v.key, type: v.type };
      else {
        const r = this.toRV(fnNode, v);
        target = this.asVar(fnNode, r.op, r.type);
        direct = undefined;
        const fnType = this.types.isPointer(r.type) ? this.types.pointee(r.type) : r.type;
        return this.finishCall(n, argNodes, undefined, target, fnType);
      }
    }
    return this.finishCall(n, argNodes, direct.key, undefined, direct.type);
  }

  private finishCall(n: Ast, argNodes: Ast[], callee: string | undefined, target: VarId | undefined, fnType: TypeId): Val {
    const args = argNodes.map((a) => this.rvalue(a).op);
    const ret = this.types.returnType(fnType);
    const dst = this.types.kindOf(ret) === 'void' ? undefined : this.temp(n, ret);
    const base = { args, loc: this.loc(n), text: this.text };
    if (callee !== undefined) this.b.emit({ kind: 'call', callee, ...base, ...(dst !== undefined ? { dst } : {}) });
    else this.b.emit({ kind: 'icall', target: target!, ...base, ...(dst !== undefined ? { dst } : {}) });
    return dst !== undefined ? { k: 'rv', op: { kind: 'var', var: dst }, type: ret } : { k: 'rv', op: { kind: 'const', text: '0' }, type: this.types.void };
  }

  /** A type spelled as a bare name (`int`, `size_t`, a typedef); int when unknown. */
  private typeNamed(name: string): TypeId {
    const s = this.scope.lookup(name);
    if (s?.kind === 'typedef') return s.type;
    return this.types.named(name.replace(/\s+/g, ' ').trim()) ?? this.types.int;
  }

  private cast(n: Ast): Val {
    return this.castTo(n, this.env.decls.typeDescriptor(child(n, 'type')!, this.scope), child(n, 'value')!);
  }

  private castTo(n: Ast, type: TypeId, valueNode: Ast): Val {
    const v = this.rvalue(valueNode);
    if (this.types.kindOf(type) === 'void') return { k: 'rv', op: { kind: 'const', text: '0' }, type };
    const t = this.temp(n, type);
    this.copy(n, t, [v.op], 'cast', type);
    return { k: 'rv', op: { kind: 'var', var: t }, type };
  }

  private sizeofLike(n: Ast): Val {
    const v = this.env.decls.evalConst(n, this.scope);
    return { k: 'rv', op: { kind: 'const', text: v !== undefined ? String(v) : this.env.src.of(n) }, type: this.types.ulong };
  }

  /** sizeof of an expression without evaluating it. */
  sizeOfExpr(e: Ast): number | undefined {
    const t = this.staticType(e);
    return t === undefined ? undefined : this.types.sizeOf(t);
  }

  /** The type of an expression from declarations alone (no instructions emitted). */
  staticType(e: Ast, depth = 0): TypeId | undefined {
    if (depth > 20) return undefined;
    switch (e.type) {
      case 'identifier': {
        const s = this.scope.lookup(this.raw(e));
        if (s?.kind === 'typedef') return s.type; // `sizeof(name)` of a typedef the parser took for a value
        return s?.kind === 'var' ? this.env.prog.vars[s.var].type : s?.kind === 'enumconst' ? this.types.int : undefined;
      }
      case 'parenthesized_expression':
        return namedKids(e)[0] ? this.staticType(namedKids(e)[0], depth + 1) : undefined;
      case 'subscript_expression': {
        const a = this.staticType(child(e, 'argument')!, depth + 1);
        return a === undefined ? undefined : this.types.pointee(a);
      }
      case 'pointer_expression': {
        const a = this.staticType(child(e, 'argument')!, depth + 1);
        if (a === undefined) return undefined;
        return this.raw(child(e, 'operator')!) === '*' ? this.types.pointee(a) : this.types.pointer(a);
      }
      case 'field_expression': {
        const a = this.staticType(child(e, 'argument')!, depth + 1);
        if (a === undefined) return undefined;
        const agg = this.raw(child(e, 'operator')!) === '->' ? this.types.pointee(a) : a;
        const path = this.types.fieldPath(agg, this.raw(child(e, 'field')!));
        return path ? path[path.length - 1].field.type : undefined;
      }
      case 'cast_expression':
        return this.env.decls.typeDescriptor(child(e, 'type')!, this.scope);
      case 'string_literal':
        return this.types.array(this.types.char, this.raw(e).length - 1);
      case 'number_literal':
      case 'char_literal':
        return this.types.int;
    }
    return undefined;
  }

  private conditional(n: Ast): Val {
    const condNode = child(n, 'condition')!;
    const cons = child(n, 'consequence');
    const alt = child(n, 'alternative')!;
    const effects = findAll(n, (a) => SIDE_EFFECTS.has(a.type)).length > 0;
    if (!effects) {
      const c = this.rvalue(condNode);
      const a = cons ? this.rvalue(cons) : c;
      const b = this.rvalue(alt);
      const type = this.types.isPointer(a.type) ? a.type : this.types.isPointer(b.type) ? b.type : a.op.kind === 'const' ? b.type : a.type;
      const t = this.temp(n, type);
      this.copy(n, t, [c.op, a.op, b.op], '?:', type);
      return { k: 'rv', op: { kind: 'var', var: t }, type };
    }
    // Side-effecting arms: a CFG diamond so each arm's effects happen only on its path.
    const tBlock = this.b.newBlock('cond.true');
    const fBlock = this.b.newBlock('cond.false');
    const join = this.b.newBlock('cond.end');
    let result: VarId | undefined;
    let rtype = this.types.int;
    if (!cons) {
      const c = this.rvalue(condNode);
      rtype = c.type;
      result = this.temp(n, rtype);
      this.copy(n, result, [c.op], '=', rtype);
      this.branch(condNode, [c.op], tBlock, fBlock);
    } else {
      this.cond(condNode, tBlock, fBlock);
    }
    this.b.cur = tBlock;
    if (cons) {
      const a = this.rvalue(cons);
      rtype = a.type;
      if (this.types.kindOf(rtype) !== 'void') {
        result = this.temp(n, rtype);
        this.copy(n, result, [a.op], '=', rtype);
      }
    }
    this.b.jumpTo(join);
    this.b.cur = fBlock;
    const b = this.rvalue(alt);
    if (result !== undefined) this.copy(n, result, [b.op], '=', rtype);
    this.b.jumpTo(join);
    return result !== undefined ? { k: 'rv', op: { kind: 'var', var: result }, type: rtype } : { k: 'rv', op: { kind: 'const', text: '0' }, type: this.types.void };
  }

  private shortCircuitValue(n: Ast): Val {
    const t = this.temp(n, this.types.int);
    const tBlock = this.b.newBlock('sc.true');
    const fBlock = this.b.newBlock('sc.false');
    const join = this.b.newBlock('sc.end');
    this.cond(n, tBlock, fBlock);
    this.b.cur = tBlock;
    this.copy(n, t, [{ kind: 'const', text: '1' }], '=', this.types.int);
    this.b.jumpTo(join);
    this.b.cur = fBlock;
    this.copy(n, t, [{ kind: 'const', text: '0' }], '=', this.types.int);
    this.b.jumpTo(join);
    return { k: 'rv', op: { kind: 'var', var: t }, type: this.types.int };
  }

  branch(n: Ast, cond: Operand[], t: BlockId, f: BlockId): void {
    this.b.emit({ kind: 'branch', cond, loc: this.loc(n), text: this.text });
    this.b.edge(this.b.cur, t);
    this.b.edge(this.b.cur, f);
  }

  /** Lowers a condition as control flow: `&&`, `||` and `!` short-circuit; constants jump directly. */
  cond(n: Ast, t: BlockId, f: BlockId): void {
    while (n.type === 'parenthesized_expression' && namedKids(n).length === 1 && namedKids(n)[0].type !== 'compound_statement') n = namedKids(n)[0];
    if (n.type === 'binary_expression') {
      const op = this.raw(child(n, 'operator')!);
      if (op === '&&' || op === '||') {
        const mid = this.b.newBlock(op === '&&' ? 'and.rhs' : 'or.rhs');
        if (op === '&&') this.cond(child(n, 'left')!, mid, f);
        else this.cond(child(n, 'left')!, t, mid);
        this.b.cur = mid;
        this.cond(child(n, 'right')!, t, f);
        return;
      }
    }
    if (n.type === 'unary_expression' && this.raw(child(n, 'operator')!) === '!') {
      this.cond(child(n, 'argument')!, f, t);
      return;
    }
    const k = n.type === 'number_literal' || n.type === 'true' || n.type === 'false' ? this.env.decls.evalConst(n, this.scope) : undefined;
    if (k !== undefined) {
      this.b.edge(this.b.cur, k ? t : f);
      return;
    }
    const v = this.rvalue(n);
    this.branch(n, [v.op], t, f);
  }

  private compoundLiteral(n: Ast): Val {
    let type = this.env.decls.typeDescriptor(child(n, 'type')!, this.scope);
    const init = child(n, 'value')!;
    type = this.completeArrayType(type, init);
    const fn = this.funcKey;
    const v = this.env.prog.compoundVar(type, this.loc(n), fn);
    this.b.locals.push(v);
    const lv: LVal = { kind: 'var', var: v, type };
    this.initialize(init, lv, type);
    return { k: 'lv', lv };
  }

  /** `T a[] = {...}` / `= "..."`: the length comes from the initializer. */
  completeArrayType(type: TypeId, init: Ast | undefined): TypeId {
    const ct = this.types.get(this.types.resolve(type));
    if (ct.kind !== 'array' || ct.length !== undefined || !init) return type;
    if (init.type === 'initializer_list') {
      let idx = 0;
      let max = 0;
      for (const k of init.kids) {
        if (!k.named) continue;
        if (k.type === 'initializer_pair') {
          const d = child(k, 'designator');
          if (d?.type === 'subscript_designator') idx = this.env.decls.evalConst(namedKids(d)[0], this.scope) ?? idx;
        }
        idx++;
        max = Math.max(max, idx);
      }
      return this.types.array(ct.of, max);
    }
    if (init.type === 'string_literal' || init.type === 'concatenated_string') {
      const v = this.stringLiteral(init);
      if (v.k === 'lv') return this.env.prog.vars[(v.lv as { var: VarId }).var].type;
    }
    return type;
  }

  /** Initializes the object `lv` of type `type` from an initializer (list, designators, string, expression). */
  initialize(init: Ast, lv: LVal, type: TypeId): void {
    const rt = this.types.get(this.types.resolve(type));
    if (init.type !== 'initializer_list') {
      if (rt.kind === 'array' && (init.type === 'string_literal' || init.type === 'concatenated_string')) {
        // `char buf[] = "abc"` copies the literal's bytes into the array.
        const s = this.expr(init);
        if (s.k === 'lv' && s.lv.kind === 'var') {
          if (lv.kind === 'var') this.copy(init, lv.var, [{ kind: 'var', var: s.lv.var }], '=', type);
          else {
            const t = this.load(init, this.addrOfVar(init, s.lv.var, s.lv.type), s.lv.type);
            this.store(init, lv.addr, { kind: 'var', var: t }, type);
          }
        }
        return;
      }
      if (this.types.isIntegral(type)) {
        // Integer constant initializers (tables built by macros) are folded, not lowered op by op.
        const k = this.env.decls.evalConst(init, this.scope);
        if (k !== undefined) {
          this.write(init, lv, { kind: 'const', text: String(k) }, type);
          return;
        }
      }
      const src = this.rvalue(init);
      this.write(init, lv, src.op, type);
      return;
    }
    const items = init.kids.filter((k) => k.named);
    if (rt.kind === 'array') {
      const base = this.addressOf(init, lv);
      let idx = 0;
      for (const it of items) {
        let valueNode = it;
        let designators: Ast[] = [];
        if (it.type === 'initializer_pair') {
          designators = children(it, 'designator');
          valueNode = child(it, 'value')!;
          const first = designators[0];
          if (first?.type === 'subscript_designator') {
            idx = this.env.decls.evalConst(namedKids(first)[0], this.scope) ?? idx;
            designators = designators.slice(1);
          } else if (first?.type === 'subscript_range_designator') {
            idx = this.env.decls.evalConst(child(first, 'start'), this.scope) ?? idx;
            designators = designators.slice(1);
          }
        }
        const addr = this.gepIndex(it, base, { kind: 'const', text: String(idx) }, rt.of);
        this.initDesignated(valueNode, { kind: 'mem', addr, type: rt.of }, rt.of, designators);
        idx++;
      }
      return;
    }
    if (rt.kind === 'struct' || rt.kind === 'union') {
      const base = this.addressOf(init, lv);
      let fi = 0;
      for (const it of items) {
        let valueNode = it;
        let designators: Ast[] = [];
        if (it.type === 'initializer_pair') {
          designators = children(it, 'designator');
          valueNode = child(it, 'value')!;
          const first = designators[0];
          if (first && (first.type === 'field_designator' || first.type === 'field_identifier')) {
            const name = this.raw(first.type === 'field_designator' ? namedKids(first)[0] ?? first : first).replace(/^\./, '');
            const found = rt.fields.findIndex((f) => f.name === name);
            if (found >= 0) fi = found;
            else {
              // A member of an anonymous struct/union: reach it by name.
              const f = this.gepField(first, base, type, name);
              this.initDesignated(valueNode, { kind: 'mem', addr: f.addr, type: f.type }, f.type, designators.slice(1));
              continue;
            }
            designators = designators.slice(1);
          }
        }
        const field = rt.fields[fi];
        if (!field) {
          this.warn(it, `excess elements in initializer of ${this.types.show(type)}`);
          break;
        }
        const t = this.temp(it, this.types.pointer(field.type));
        this.b.emit({ kind: 'gep', dst: t, base, field: { name: field.name, index: fi, aggregate: this.types.resolve(type) }, loc: this.loc(it), text: this.text });
        this.initDesignated(valueNode, { kind: 'mem', addr: t, type: field.type }, field.type, designators);
        fi++;
      }
      return;
    }
    // A scalar in braces: `int x = {1};`
    if (items[0]) this.initialize(items[0], lv, type);
  }

  /** Applies the remaining designators (`.a.b[2] = v`) then initializes. */
  private initDesignated(value: Ast, lv: LVal, type: TypeId, designators: Ast[]): void {
    if (designators.length === 0) {
      this.initialize(value, lv, type);
      return;
    }
    const d = designators[0];
    const base = this.addressOf(d, lv);
    if (d.type === 'subscript_designator') {
      const elem = this.types.pointee(type);
      const idx = this.env.decls.evalConst(namedKids(d)[0], this.scope);
      const addr = this.gepIndex(d, base, { kind: 'const', text: String(idx ?? 0) }, elem);
      this.initDesignated(value, { kind: 'mem', addr, type: elem }, elem, designators.slice(1));
    } else {
      const name = this.raw(namedKids(d)[0] ?? d).replace(/^\./, '');
      const f = this.gepField(d, base, type, name);
      this.initDesignated(value, { kind: 'mem', addr: f.addr, type: f.type }, f.type, designators.slice(1));
    }
  }
}

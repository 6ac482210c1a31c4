// Declarations to types: declaration specifiers, declarators (inside-out, as C
// reads them), struct/union/enum definitions with their tags, typedef names.
import type { Field, TypeId } from '../ir/types.js';
import { child, children, namedKids, type Ast } from './ast.js';
import { evalConst, type ConstEnv } from './consts.js';
import type { TypeTable } from './ctypes.js';
import type { Scope } from './scope.js';
import type { UnitSource } from './source.js';

export type Storage = 'typedef' | 'static' | 'extern' | 'auto' | 'register' | 'thread_local';

export interface SpecInfo {
  type: TypeId;
  storage?: Storage;
  inline: boolean;
}

export interface ParamInfo {
  name?: string;
  type: TypeId;
  node: Ast;
}

export interface DeclaratorInfo {
  name?: string;
  nameNode?: Ast;
  type: TypeId;
  /** The parameters of the outermost function declarator that names this entity. */
  params?: ParamInfo[];
  variadic?: boolean;
}

export interface DeclHooks {
  warn(n: Ast, message: string): void;
  /** Size of the value of an expression (for `sizeof expr` in constant contexts). */
  sizeOfExpr(e: Ast, scope: Scope): number | undefined;
}

const DECLARATOR_WRAPPERS = new Set(['attributed_declarator', 'parenthesized_declarator', 'abstract_parenthesized_declarator']);

export class DeclReader {
  private anon = 0;

  constructor(
    readonly types: TypeTable,
    readonly src: UnitSource,
    private readonly hooks: DeclHooks,
  ) {}

  constEnv(scope: Scope): ConstEnv {
    return {
      text: (n) => this.src.raw(n),
      enumValue: (name) => {
        const s = scope.lookup(name);
        return s?.kind === 'enumconst' ? s.value : undefined;
      },
      sizeOfType: (td) => this.types.sizeOf(this.typeDescriptor(td, scope)),
      alignOfType: (td) => this.types.alignOf(this.typeDescriptor(td, scope)),
      offsetOf: (td, member) => this.types.offsetOf(this.typeDescriptor(td, scope), member),
      sizeOfExpr: (e) => this.hooks.sizeOfExpr(e, scope),
    };
  }

  evalConst(n: Ast | undefined, scope: Scope): number | undefined {
    return evalConst(n, this.constEnv(scope));
  }

  /** Specifiers of a declaration / parameter / field: storage class and base type. */
  specifiers(n: Ast, scope: Scope): SpecInfo {
    let storage: Storage | undefined;
    let inline = false;
    let type: TypeId | undefined;
    for (const k of n.kids) {
      if (k.type === 'storage_class_specifier') {
        const s = this.src.raw(k).trim();
        if (s === 'inline' || s === '__inline' || s === '__inline__') inline = true;
        else if (s === 'static' || s === 'extern' || s === 'auto' || s === 'register') storage = s;
        else if (s === '_Thread_local' || s === '__thread' || s === 'thread_local') storage = storage ?? 'thread_local';
      } else if (k.type === 'typedef' || (k.type === 'ERROR' && this.src.raw(k).trim() === 'typedef')) {
        storage = 'typedef';
      } else if (k.field === 'type') {
        type = this.typeSpecifier(k, scope, n);
      }
    }
    if (n.type === 'type_definition') storage = 'typedef';
    return { type: type ?? this.types.int, storage, inline };
  }

  typeSpecifier(t: Ast, scope: Scope, decl?: Ast): TypeId {
    switch (t.type) {
      case 'primitive_type': {
        const name = this.src.raw(t);
        return this.types.named(name) ?? this.types.int;
      }
      case 'sized_type_specifier':
        return this.sizedType(t);
      case 'type_identifier': {
        const name = this.src.raw(t);
        const s = scope.lookup(name);
        if (s?.kind === 'typedef') return s.type;
        const builtin = this.types.named(name);
        if (builtin !== undefined) return builtin;
        if (name === '__builtin_va_list' || name === 'va_list') return this.types.voidPtr;
        this.hooks.warn(t, `unknown type name '${name}' (taken as int)`);
        return this.types.int;
      }
      case 'struct_specifier':
      case 'union_specifier':
        return this.aggregate(t, scope, decl);
      case 'enum_specifier':
        return this.enumSpecifier(t, scope);
      case 'macro_type_specifier':
        return this.types.int;
      default:
        return this.types.int;
    }
  }

  private sizedType(t: Ast): TypeId {
    let unsigned = false;
    let longs = 0;
    let short = false;
    let base = 'int';
    for (const k of t.kids) {
      const s = this.src.raw(k);
      if (k.field === 'type') base = s;
      else if (s === 'unsigned') unsigned = true;
      else if (s === 'long') longs++;
      else if (s === 'short') short = true;
    }
    let name: string;
    if (base === 'char') name = unsigned ? 'unsigned char' : 'char';
    else if (base === 'double') name = longs ? 'long double' : 'double';
    else if (base === 'float') name = 'float';
    else if (base === '__int128') name = unsigned ? 'unsigned __int128' : '__int128';
    else {
      name = short ? 'short' : longs >= 2 ? 'long long' : longs === 1 ? 'long' : 'int';
      if (unsigned) name = `unsigned ${name}`;
    }
    return this.types.named(name) ?? this.types.int;
  }

  /** struct/union specifier: a reference, a forward declaration, or a definition. */
  private aggregate(t: Ast, scope: Scope, decl?: Ast): TypeId {
    const kind = t.type === 'union_specifier' ? 'union' : 'struct';
    const nameNode = child(t, 'name');
    const body = child(t, 'body');
    const tag = nameNode ? this.src.raw(nameNode) : undefined;
    let id: TypeId | undefined;
    if (tag !== undefined) {
      // A definition or a lone `struct S;` declares the tag in this scope; a use finds the visible one.
      const declaresHere = body !== undefined || (decl !== undefined && decl.type === 'declaration' && !decl.kids.some((k) => k.field === 'declarator'));
      id = declaresHere ? scope.tags.get(tag) : scope.lookupTag(tag);
      if (id !== undefined && body && this.types.get(id).kind !== kind) id = undefined;
      if (id !== undefined && body) {
        const ct = this.types.get(id);
        if (ct.kind === kind && ct.complete) id = undefined; // a second definition in the same scope: keep them apart
      }
      if (id === undefined) {
        id = this.types.newAggregate(kind, tag);
        // An unknown tag used in a declaration names a new incomplete type at file scope.
        let target = scope;
        if (!declaresHere) while (target.parent && target.parent.parent) target = target.parent;
        target.tags.set(tag, id);
      }
    } else {
      id = this.types.newAggregate(kind, undefined);
    }
    if (body) this.defineFields(id, body, scope);
    return id;
  }

  private defineFields(id: TypeId, body: Ast, scope: Scope): void {
    const fields: Field[] = [];
    for (const fd of body.kids) {
      if (fd.type !== 'field_declaration') continue;
      const spec = this.specifiers(fd, scope);
      const decls = children(fd, 'declarator');
      const bitClause = fd.kids.find((k) => k.type === 'bitfield_clause');
      const bits = bitClause ? this.evalConst(namedKids(bitClause)[0], scope) : undefined;
      if (decls.length === 0) {
        const tnode = child(fd, 'type');
        if (tnode && (tnode.type === 'struct_specifier' || tnode.type === 'union_specifier') && !child(tnode, 'name')) {
          fields.push({ name: `<anon${this.anon++}>`, type: spec.type, anonymous: true });
        } else if (bitClause) {
          fields.push({ name: `<pad${this.anon++}>`, type: spec.type, bits });
        }
        continue;
      }
      for (const d of decls) {
        const di = this.declarator(d, spec.type, scope);
        const f: Field = { name: di.name || `<pad${this.anon++}>`, type: di.type };
        if (bits !== undefined) f.bits = bits;
        fields.push(f);
      }
    }
    const ct = this.types.get(id);
    if (ct.kind === 'struct' || ct.kind === 'union') {
      ct.fields = fields;
      ct.complete = true;
    }
  }

  private enumSpecifier(t: Ast, scope: Scope): TypeId {
    const nameNode = child(t, 'name');
    const body = child(t, 'body');
    const tag = nameNode ? this.src.raw(nameNode) : undefined;
    let id = tag !== undefined ? (body ? scope.tags.get(tag) : scope.lookupTag(tag)) : undefined;
    if (id === undefined) {
      id = this.types.newEnum(tag);
      if (tag !== undefined) scope.tags.set(tag, id);
    }
    if (body) {
      const ct = this.types.get(id);
      let next = 0;
      for (const e of body.kids) {
        if (e.type !== 'enumerator') continue;
        const nm = this.src.raw(child(e, 'name')!);
        const vnode = child(e, 'value');
        const v = vnode ? this.evalConst(vnode, scope) : next;
        const value = v ?? next;
        if (vnode && v === undefined) this.hooks.warn(vnode, `cannot evaluate the value of enumerator '${nm}'`);
        if (ct.kind === 'enum') ct.constants.push({ name: nm, value });
        scope.syms.set(nm, { kind: 'enumconst', value, type: id });
        next = value + 1;
      }
    }
    return id;
  }

  /** Applies a declarator to a base type, outside in (`int *a[3]` is an array of pointers). */
  declarator(d: Ast | undefined, base: TypeId, scope: Scope): DeclaratorInfo {
    const info: DeclaratorInfo = { type: base };
    let cur = d;
    let type = base;
    for (let guard = 0; cur && guard < 200; guard++) {
      switch (cur.type) {
        case 'identifier':
        case 'field_identifier':
        case 'type_identifier':
        case 'primitive_type':
          info.name = this.src.raw(cur);
          info.nameNode = cur;
          cur = undefined;
          break;
        case 'init_declarator':
          cur = child(cur, 'declarator');
          break;
        case 'pointer_declarator':
        case 'abstract_pointer_declarator':
          type = this.types.pointer(type);
          cur = child(cur, 'declarator');
          break;
        case 'array_declarator':
        case 'abstract_array_declarator': {
          const size = child(cur, 'size');
          let len: number | undefined;
          if (size && size.type !== '*') {
            len = this.evalConst(size, scope);
            if (len !== undefined && (len < 0 || !Number.isSafeInteger(len))) len = undefined;
          }
          type = this.types.array(type, len);
          cur = child(cur, 'declarator');
          break;
        }
        case 'function_declarator':
        case 'abstract_function_declarator': {
          const pl = child(cur, 'parameters');
          const { params, variadic } = this.parameters(pl, scope);
          type = this.types.func(type, params.map((p) => p.type), variadic);
          // The parameters that matter are those of the declarator closest to the name.
          info.params = params;
          info.variadic = variadic;
          cur = child(cur, 'declarator');
          break;
        }
        default:
          if (DECLARATOR_WRAPPERS.has(cur.type) || cur.type === 'ERROR') {
            cur = child(cur, 'declarator') ?? cur.kids.find((k) => k.named && k.type !== 'attribute_specifier' && k.type !== 'ms_call_modifier' && k.type !== 'type_qualifier');
          } else {
            cur = undefined;
          }
      }
    }
    info.type = type;
    return info;
  }

  parameters(pl: Ast | undefined, scope: Scope): { params: ParamInfo[]; variadic: boolean } {
    const params: ParamInfo[] = [];
    let variadic = false;
    if (!pl) return { params, variadic };
    for (const p of pl.kids) {
      if (p.type === 'variadic_parameter' || p.type === '...') {
        variadic = true;
      } else if (p.type === 'parameter_declaration') {
        const spec = this.specifiers(p, scope);
        const di = this.declarator(child(p, 'declarator'), spec.type, scope);
        params.push({ name: di.name, type: this.adjustParam(di.type), node: p });
      } else if (p.type === 'identifier') {
        params.push({ name: this.src.raw(p), type: this.types.int, node: p });
      }
    }
    if (params.length === 1 && params[0].name === undefined && this.types.kindOf(params[0].type) === 'void') params.length = 0;
    return { params, variadic };
  }

  /** Parameters of array/function type are pointers (C11 6.7.6.3). */
  adjustParam(t: TypeId): TypeId {
    const ct = this.types.get(this.types.resolve(t));
    if (ct.kind === 'array') return this.types.pointer(ct.of);
    if (ct.kind === 'function') return this.types.pointer(t);
    return t;
  }

  /** `(type)` of casts, sizeof, compound literals. */
  typeDescriptor(td: Ast, scope: Scope): TypeId {
    const spec = this.specifiers(td, scope);
    return this.declarator(child(td, 'declarator'), spec.type, scope).type;
  }
}

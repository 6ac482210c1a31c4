// The program-wide table of C types: interning of primitive, pointer, array and
// function types, struct/union definitions, and queries (resolve, fields, sizes).
import type { CType, Field, TypeId } from '../ir/types.js';

/** LP64 sizes of the integer and floating types tree-sitter-c names as primitive. */
const INT_TYPES: Record<string, { size: number; signed: boolean }> = {
  char: { size: 1, signed: true },
  'signed char': { size: 1, signed: true },
  'unsigned char': { size: 1, signed: false },
  short: { size: 2, signed: true },
  'unsigned short': { size: 2, signed: false },
  int: { size: 4, signed: true },
  'unsigned int': { size: 4, signed: false },
  long: { size: 8, signed: true },
  'unsigned long': { size: 8, signed: false },
  'long long': { size: 8, signed: true },
  'unsigned long long': { size: 8, signed: false },
  bool: { size: 1, signed: false },
  _Bool: { size: 1, signed: false },
  __int128: { size: 16, signed: true },
  'unsigned __int128': { size: 16, signed: false },
  size_t: { size: 8, signed: false },
  ssize_t: { size: 8, signed: true },
  ptrdiff_t: { size: 8, signed: true },
  intptr_t: { size: 8, signed: true },
  uintptr_t: { size: 8, signed: false },
  int8_t: { size: 1, signed: true },
  int16_t: { size: 2, signed: true },
  int32_t: { size: 4, signed: true },
  int64_t: { size: 8, signed: true },
  uint8_t: { size: 1, signed: false },
  uint16_t: { size: 2, signed: false },
  uint32_t: { size: 4, signed: false },
  uint64_t: { size: 8, signed: false },
  char8_t: { size: 1, signed: false },
  char16_t: { size: 2, signed: false },
  char32_t: { size: 4, signed: false },
  wchar_t: { size: 4, signed: true },
};
const FLOAT_TYPES: Record<string, number> = {
  float: 4,
  double: 8,
  'long double': 16,
  _Float32: 4,
  _Float64: 8,
  _Float128: 16,
  _Float32x: 8,
  _Float64x: 16,
  __float128: 16,
};

export class TypeTable {
  readonly types: CType[] = [];
  private readonly interned = new Map<string, TypeId>();

  readonly void: TypeId;
  readonly int: TypeId;
  readonly char: TypeId;
  readonly charPtr: TypeId;
  readonly voidPtr: TypeId;
  readonly ulong: TypeId;
  readonly double: TypeId;

  constructor() {
    this.void = this.intern('void', { kind: 'void' });
    this.int = this.named('int')!;
    this.char = this.named('char')!;
    this.charPtr = this.pointer(this.char);
    this.voidPtr = this.pointer(this.void);
    this.ulong = this.named('unsigned long')!;
    this.double = this.named('double')!;
  }

  private intern(key: string, t: CType): TypeId {
    const known = this.interned.get(key);
    if (known !== undefined) return known;
    const id = this.types.length;
    this.types.push(t);
    this.interned.set(key, id);
    return id;
  }

  /** An arithmetic or void type by its canonical C name ("unsigned long"), or undefined. */
  named(name: string): TypeId | undefined {
    if (name === 'void') return this.void;
    const i = INT_TYPES[name];
    if (i) return this.intern(`i:${name}`, { kind: 'int', name, size: i.size, signed: i.signed });
    const f = FLOAT_TYPES[name];
    if (f) return this.intern(`f:${name}`, { kind: 'float', name, size: f });
    return undefined;
  }

  pointer(to: TypeId): TypeId {
    return this.intern(`p:${to}`, { kind: 'pointer', to });
  }

  array(of: TypeId, length: number | undefined): TypeId {
    return this.intern(`a:${of}:${length ?? ''}`, { kind: 'array', of, length });
  }

  func(ret: TypeId, params: TypeId[], variadic: boolean): TypeId {
    return this.intern(`fn:${ret}(${params.join(',')}${variadic ? ',...' : ''})`, {
      kind: 'function',
      ret,
      params,
      variadic,
    });
  }

  typedef(name: string, to: TypeId): TypeId {
    return this.intern(`td:${name}:${to}`, { kind: 'typedef', name, to });
  }

  /** A new struct/union (every definition or forward declaration is its own type). */
  newAggregate(kind: 'struct' | 'union', tag: string | undefined): TypeId {
    const id = this.types.length;
    this.types.push({ kind, tag, fields: [], complete: false });
    return id;
  }

  newEnum(tag: string | undefined): TypeId {
    const id = this.types.length;
    this.types.push({ kind: 'enum', tag, constants: [] });
    return id;
  }

  get(t: TypeId): CType {
    return this.types[t];
  }

  /** Strips typedefs. */
  resolve(t: TypeId): TypeId {
    let cur = t;
    for (let guard = 0; guard < 64; guard++) {
      const ct = this.types[cur];
      if (ct === undefined || ct.kind !== 'typedef') return cur;
      cur = ct.to;
    }
    return cur;
  }

  kindOf(t: TypeId): CType['kind'] {
    return this.types[this.resolve(t)]?.kind ?? 'void';
  }

  isPointer(t: TypeId): boolean {
    return this.kindOf(t) === 'pointer';
  }
  isArray(t: TypeId): boolean {
    return this.kindOf(t) === 'array';
  }
  isFunction(t: TypeId): boolean {
    return this.kindOf(t) === 'function';
  }
  isAggregate(t: TypeId): boolean {
    const k = this.kindOf(t);
    return k === 'struct' || k === 'union';
  }
  isIntegral(t: TypeId): boolean {
    const k = this.kindOf(t);
    return k === 'int' || k === 'enum';
  }

  /** What a pointer points to, or an array's element; void otherwise. */
  pointee(t: TypeId): TypeId {
    const ct = this.types[this.resolve(t)];
    if (ct?.kind === 'pointer') return ct.to;
    if (ct?.kind === 'array') return ct.of;
    return this.void;
  }

  /** The return type of a function or function-pointer type. */
  returnType(t: TypeId): TypeId {
    let ct = this.types[this.resolve(t)];
    if (ct?.kind === 'pointer') ct = this.types[this.resolve(ct.to)];
    return ct?.kind === 'function' ? ct.ret : this.int;
  }

  fields(t: TypeId): Field[] {
    const ct = this.types[this.resolve(t)];
    return ct && (ct.kind === 'struct' || ct.kind === 'union') ? ct.fields : [];
  }

  /**
   * The path of field indexes that reaches member `name` of aggregate `t`,
   * descending through anonymous struct/union members (C11); undefined if absent.
   */
  fieldPath(t: TypeId, name: string): { aggregate: TypeId; index: number; field: Field }[] | undefined {
    const agg = this.resolve(t);
    const fs = this.fields(agg);
    for (let i = 0; i < fs.length; i++) {
      if (fs[i].name === name) return [{ aggregate: agg, index: i, field: fs[i] }];
    }
    for (let i = 0; i < fs.length; i++) {
      if (fs[i].anonymous) {
        const inner = this.fieldPath(fs[i].type, name);
        if (inner) return [{ aggregate: agg, index: i, field: fs[i] }, ...inner];
      }
    }
    return undefined;
  }

  /** sizeof in bytes (LP64), undefined when unknown (incomplete types, VLAs). */
  sizeOf(t: TypeId, depth = 0): number | undefined {
    if (depth > 32) return undefined;
    const ct = this.types[this.resolve(t)];
    if (!ct) return undefined;
    switch (ct.kind) {
      case 'void':
        return 1;
      case 'int':
      case 'float':
        return ct.size;
      case 'pointer':
        return 8;
      case 'enum':
        return 4;
      case 'function':
        return 1;
      case 'typedef':
        return undefined;
      case 'array': {
        if (ct.length === undefined) return undefined;
        const e = this.sizeOf(ct.of, depth + 1);
        return e === undefined ? undefined : e * ct.length;
      }
      case 'struct':
      case 'union': {
        if (!ct.complete) return undefined;
        let size = 0;
        let align = 1;
        for (const f of ct.fields) {
          const fs = this.sizeOf(f.type, depth + 1);
          const fa = this.alignOf(f.type, depth + 1);
          if (fs === undefined || fa === undefined) {
            if (f === ct.fields[ct.fields.length - 1] && this.isArray(f.type)) continue; // flexible member
            return undefined;
          }
          align = Math.max(align, fa);
          if (ct.kind === 'union') size = Math.max(size, fs);
          else size = Math.ceil(size / fa) * fa + (f.bits !== undefined ? Math.ceil(f.bits / 8) : fs);
        }
        return Math.ceil(size / align) * align;
      }
    }
  }

  /** Byte offset of member `name` (through anonymous members) in LP64 layout; undefined when unknown. */
  offsetOf(t: TypeId, name: string): number | undefined {
    const path = this.fieldPath(t, name);
    if (!path) return undefined;
    let total = 0;
    for (const step of path) {
      const ct = this.types[step.aggregate];
      if (ct.kind === 'union') continue;
      if (ct.kind !== 'struct') return undefined;
      let off = 0;
      for (let i = 0; i <= step.index; i++) {
        const f = ct.fields[i];
        const fa = this.alignOf(f.type);
        const fs = this.sizeOf(f.type);
        if (fa === undefined) return undefined;
        off = Math.ceil(off / fa) * fa;
        if (i === step.index) break;
        if (fs === undefined) return undefined;
        off += f.bits !== undefined ? Math.ceil(f.bits / 8) : fs;
      }
      total += off;
    }
    return total;
  }

  alignOf(t: TypeId, depth = 0): number | undefined {
    if (depth > 32) return undefined;
    const ct = this.types[this.resolve(t)];
    if (!ct) return undefined;
    switch (ct.kind) {
      case 'array':
        return this.alignOf(ct.of, depth + 1);
      case 'struct':
      case 'union': {
        let a = 1;
        for (const f of ct.fields) a = Math.max(a, this.alignOf(f.type, depth + 1) ?? 1);
        return a;
      }
      default:
        return Math.min(this.sizeOf(t, depth + 1) ?? 1, 16);
    }
  }

  /** A short C spelling of a type, for printing. */
  show(t: TypeId, depth = 0): string {
    const ct = this.types[t];
    if (!ct || depth > 8) return '?';
    switch (ct.kind) {
      case 'void':
        return 'void';
      case 'int':
      case 'float':
        return ct.name;
      case 'typedef':
        return ct.name;
      case 'pointer':
        return `${this.show(ct.to, depth + 1)}*`;
      case 'array':
        return `${this.show(ct.of, depth + 1)}[${ct.length ?? ''}]`;
      case 'struct':
      case 'union':
        return `${ct.kind} ${ct.tag ?? `<anon#${t}>`}`;
      case 'enum':
        return `enum ${ct.tag ?? `<anon#${t}>`}`;
      case 'function':
        return `${this.show(ct.ret, depth + 1)}(${ct.params.map((p) => this.show(p, depth + 1)).join(', ')}${ct.variadic ? ', ...' : ''})`;
    }
  }
}

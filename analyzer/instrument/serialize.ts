// Type-directed C serializers and importers over msgpack-c (DESIGN §4): one pair of
// functions per C type reachable from an updateable variable, emitted into that
// variable's translation unit. C type names are never printed: every type gets a
// typedef derived with __typeof__ from the root variable's own expression, so
// anonymous structs, typedefs and qualifiers come out exactly as the compiler sees them.
import type { CType, Field, Program, TypeId } from '../ir/types.js';

/** Why a variable (or part of it) cannot be moved soundly: becomes a build error. */
export class UnmovableError extends Error {
  constructor(readonly typeText: string, readonly reason: string) {
    super(`${typeText}: ${reason}`);
  }
}

/** Library handles that are process resources: each process keeps its own (opened at setup). */
export const RESOURCE_TYPES = new Set([
  'pthread_mutex_t', 'pthread_cond_t', 'pthread_t', 'pthread_rwlock_t', 'pthread_spinlock_t',
  'pthread_attr_t', 'pthread_once_t', 'sem_t', 'FILE', 'pcap_t', 'pcap_dumper_t', 'DIR',
  // a compiled regular expression: built from the configuration by each process
  'regex_t', 're_pattern_buffer',
]);

export interface TypeGenOptions {
  /** Per-unit prefix so generated names never clash across translation units. */
  prefix: string;
}

/** Generates the typedefs and functions of one translation unit. */
export class SerializerGen {
  private readonly typedefs: string[] = [];
  private readonly protos: string[] = [];
  private readonly bodies: string[] = [];
  /** TypeId → generated suffix (typedef sa_<p>t<N>). */
  private readonly named = new Map<TypeId, string>();
  private readonly emitted = new Set<TypeId>();
  /** Types some pointer targets: they also get untyped entry points for the object queue. */
  private readonly pointees = new Set<TypeId>();
  private readonly work: TypeId[] = [];
  /** Resource members kept local, for the build report. */
  readonly keptLocal: string[] = [];

  constructor(private readonly program: Program, private readonly opts: TypeGenOptions) {}

  /** Name of the typedef for `tid`; `expr` is a C type expression for it (in __typeof__). */
  private name(tid: TypeId, typeofExpr: string): string {
    let n = this.named.get(tid);
    if (n === undefined) {
      n = `sa_${this.opts.prefix}t${tid}`;
      this.named.set(tid, n);
      this.typedefs.push(`typedef __typeof__(${typeofExpr}) ${n};`);
      this.work.push(tid);
    }
    return n;
  }

  private resolve(tid: TypeId): { t: CType; names: string[] } {
    const names: string[] = [];
    let t = this.program.types[tid];
    for (let g = 0; t?.kind === 'typedef' && g < 64; g++) {
      names.push(t.name);
      t = this.program.types[t.to];
    }
    if (t?.kind === 'struct' || t?.kind === 'union') if (t.tag) names.push(t.tag);
    return { t: t ?? { kind: 'void' }, names };
  }

  typeText(tid: TypeId, depth = 0): string {
    const t = this.program.types[tid];
    if (!t || depth > 8) return '?';
    switch (t.kind) {
      case 'typedef':
        return t.name;
      case 'pointer':
        return `${this.typeText(t.to, depth + 1)} *`;
      case 'array':
        return `${this.typeText(t.of, depth + 1)}[${t.length ?? ''}]`;
      case 'struct':
      case 'union':
      case 'enum':
        return `${t.kind} ${t.tag ?? '<anonymous>'}`;
      case 'int':
      case 'float':
        return t.name;
      default:
        return t.kind;
    }
  }

  isResource(tid: TypeId): boolean {
    return this.resolve(tid).names.some((n) => RESOURCE_TYPES.has(n) || RESOURCE_TYPES.has(n.replace(/^_+/, '')));
  }

  /** Does a value of this type hold a pointer (so raw bytes would not move it)? */
  private hasPointer(tid: TypeId, seen = new Set<TypeId>()): boolean {
    if (seen.has(tid)) return false;
    seen.add(tid);
    const { t } = this.resolve(tid);
    if (t.kind === 'pointer') return true;
    if (t.kind === 'array') return this.hasPointer(t.of, seen);
    if (t.kind === 'struct' || t.kind === 'union') return t.fields.some((f) => this.hasPointer(f.type, seen));
    return false;
  }

  /** Registers a root variable; returns the ser/imp function names for it. */
  root(varExpr: string, tid: TypeId): { ser: string; imp: string } {
    const n = this.name(tid, varExpr);
    this.drain();
    return { ser: `${n}_ser`, imp: `${n}_imp` };
  }

  /**
   * Registers a container's element type (flowspace slots); returns its untyped
   * ser/imp entry points (`(sa_enc *, const void *)`, `(sa_dec *, const msgpack_object *, void *)`).
   */
  element(typeofExpr: string, tid: TypeId): { ser: string; imp: string } {
    const n = this.name(tid, typeofExpr);
    this.pointees.add(tid);
    this.drain();
    return { ser: `${n}_ser_any`, imp: `${n}_imp_any` };
  }

  private drain(): void {
    while (this.work.length > 0) {
      const tid = this.work.shift()!;
      if (this.emitted.has(tid)) continue;
      this.emitted.add(tid);
      this.emit(tid);
    }
  }

  /** Flattened members: anonymous struct/union members contribute their own fields. */
  private members(fields: Field[]): Field[] {
    const out: Field[] = [];
    for (const f of fields) {
      const { t } = this.resolve(f.type);
      if (f.anonymous && (t.kind === 'struct' || t.kind === 'union')) {
        if (t.kind === 'union' && this.hasPointer(f.type))
          throw new UnmovableError(this.typeText(f.type), 'anonymous union holding pointers: the active member cannot be told');
        if (t.kind === 'union') out.push({ ...f, name: `<union:${f.name}>` });
        else out.push(...this.members(t.fields));
      } else out.push(f);
    }
    return out;
  }

  private emit(tid: TypeId): void {
    const n = this.named.get(tid)!;
    const { t } = this.resolve(tid);
    const text = this.typeText(tid);
    const ser: string[] = [];
    const imp: string[] = [];
    if (this.isResource(tid)) {
      this.keptLocal.push(text);
      ser.push('sa_enc_nil(e); (void)p;');
      imp.push('(void)d; (void)o; (void)p;');
    } else
      switch (t.kind) {
        case 'int':
        case 'enum': {
          const signed = t.kind === 'enum' || t.signed;
          ser.push(signed ? 'sa_enc_int(e, (int64_t)*p);' : 'sa_enc_uint(e, (uint64_t)*p);');
          imp.push(`${n} v = (${n})${signed ? 'sa_dec_int' : 'sa_dec_uint'}(d, o); memcpy((void *)p, &v, sizeof v);`);
          break;
        }
        case 'float':
          ser.push('sa_enc_double(e, (double)*p);');
          imp.push(`${n} v = (${n})sa_dec_double(d, o); memcpy((void *)p, &v, sizeof v);`);
          break;
        case 'pointer': {
          const to = this.resolve(t.to);
          if (to.t.kind === 'function') {
            ser.push('sa_enc_fn(e, (void (*)(void))*p);');
            imp.push(`${n} v = (${n})sa_dec_fn(d, o); memcpy((void *)p, &v, sizeof v);`);
            break;
          }
          if (this.isResource(t.to)) {
            this.keptLocal.push(text);
            ser.push('sa_enc_nil(e); (void)p;');
            imp.push('(void)d; (void)o; (void)p;');
            break;
          }
          if (to.t.kind === 'void')
            throw new UnmovableError(text, 'an untyped void * whose target type the analysis cannot resolve');
          if ((to.t.kind === 'struct' || to.t.kind === 'union') && !to.t.complete)
            throw new UnmovableError(text, 'points to an incomplete (opaque) type whose layout is unknown');
          const tn = this.name(t.to, `*(${n})0`);
          this.pointees.add(t.to);
          const scalar = to.t.kind === 'int' || to.t.kind === 'float' || to.t.kind === 'enum';
          const isChar = (to.t.kind === 'int' && to.t.size === 1 ? 1 : 0) | (scalar && !this.isResource(t.to) ? 2 : 0);
          ser.push(`sa_enc_ptr(e, (const void *)*p, sizeof(${tn}), ${isChar}, ${JSON.stringify(text)}, ${tn}_ser_any);`);
          imp.push(`${tn} *q = sa_dec_ptr(d, o, sizeof(${tn}), ${tn}_imp_any);`, 'memcpy((void *)p, &q, sizeof q);');
          break;
        }
        case 'array': {
          if (t.length === undefined) throw new UnmovableError(text, 'an array of unknown length (flexible member)');
          const of = this.resolve(t.of).t;
          if (of.kind === 'int' || of.kind === 'float' || of.kind === 'enum') { // scalars: the bytes
            ser.push('sa_enc_bin(e, (const void *)*p, sizeof *p);');
            imp.push('sa_dec_bin(d, o, (void *)p, sizeof *p);');
            break;
          }
          const en = this.name(t.of, `(*(${n} *)0)[0]`);
          ser.push(`sa_enc_array(e, ${t.length}u);`, `for (size_t i = 0; i < ${t.length}u; i++) ${en}_ser(e, (const ${en} *)&(*p)[i]);`);
          imp.push(
            `const msgpack_object *el = sa_dec_array(d, o, ${t.length}u);`,
            `for (size_t i = 0; i < ${t.length}u; i++) ${en}_imp(d, &el[i], (${en} *)&(*p)[i]);`,
          );
          break;
        }
        case 'union':
          if (!t.complete) throw new UnmovableError(text, 'an incomplete union');
          if (this.hasPointer(tid))
            throw new UnmovableError(text, 'a union holding pointers: the analysis cannot tell its active member');
          ser.push('sa_enc_bin(e, (const void *)p, sizeof *p);'); // no pointers: the bytes are the value
          imp.push('sa_dec_bin(d, o, (void *)p, sizeof *p);');
          break;
        case 'struct': {
          if (!t.complete) throw new UnmovableError(text, 'an incomplete struct');
          const ms = this.members(t.fields);
          ser.push(`sa_enc_array(e, ${ms.length}u);`);
          imp.push(`const msgpack_object *el = sa_dec_array(d, o, ${ms.length}u);`);
          ms.forEach((f, i) => {
            if (f.name.startsWith('<union:')) {
              // An anonymous pointer-free union inside a struct: its bytes, at its offset.
              throw new UnmovableError(text, 'anonymous union members are not supported by the generator');
            }
            if (f.bits !== undefined) {
              const signed = (() => { const r = this.resolve(f.type).t; return r.kind === 'int' ? r.signed : true; })();
              ser.push(signed ? `sa_enc_int(e, (int64_t)p->${f.name});` : `sa_enc_uint(e, (uint64_t)p->${f.name});`);
              imp.push(`p->${f.name} = ${signed ? 'sa_dec_int' : 'sa_dec_uint'}(d, &el[${i}]);`);
              return;
            }
            const fn = this.name(f.type, `((${n} *)0)->${f.name}`);
            ser.push(`${fn}_ser(e, (const ${fn} *)&p->${f.name});`); // the IR drops qualifiers: cast
            imp.push(`${fn}_imp(d, &el[${i}], (${fn} *)&p->${f.name});`);
          });
          break;
        }
        default:
          throw new UnmovableError(text, `values of kind ${t.kind} cannot be transferred`);
      }
    this.protos.push(
      `static void ${n}_ser(sa_enc *e, const ${n} *p);`,
      `static void ${n}_imp(sa_dec *d, const msgpack_object *o, ${n} *p);`,
    );

    this.bodies.push(
      `static void ${n}_ser(sa_enc *e, const ${n} *p) {\n  ${ser.join('\n  ')}\n}`,
      `static void ${n}_imp(sa_dec *d, const msgpack_object *o, ${n} *p) {\n  ${imp.join('\n  ')}\n}`,
    );
  }

  /** The C text: typedefs, prototypes, bodies. */
  code(): string {
    const any = [...this.pointees].map((t) => this.named.get(t)!);
    return [
      ...this.typedefs,
      ...this.protos,
      ...any.flatMap((n) => [
        `static void ${n}_ser_any(sa_enc *e, const void *p) { ${n}_ser(e, p); }`,
        `static void ${n}_imp_any(sa_dec *d, const msgpack_object *o, void *p) { ${n}_imp(d, o, p); }`,
      ]),
      ...this.bodies,
    ].join('\n');
  }
}

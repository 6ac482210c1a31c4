// The abstract memory of the analysis: one object per variable (its storage, id = VarId),
// per function, per allocation site, per library-owned buffer; field objects under structs.
import type { InstrId, Program, SourceLoc, TypeId } from '../ir/types.js';
import type { AbstractObject, ObjId } from './types.js';
import { isArray, isArrayLike, isStruct, isUnion, sameAggregate, strip } from './ctype.js';

/** Listener the constraint graph installs so that new objects get solver nodes at once. */
export interface ObjectListener {
  objectCreated(o: ObjId): void;
  /** A root object got its field tree (struct layout adopted); `kids` are all new descendants. */
  fieldsCreated(root: ObjId, kids: readonly ObjId[]): void;
}

interface ObjMeta {
  /** Aggregate/scalar type of the storage, arrays stripped; undefined = not yet known (heap). */
  type?: TypeId;
  /** Field children by member index (struct objects only, field-sensitive only). */
  kids?: ObjId[];
  root: ObjId;
  /** The storage is an array (an array member, or a union holding one): indexing stays inside it. */
  array: boolean;
}

const MAX_FIELD_DEPTH = 8;

export class ObjectTable {
  readonly objects: AbstractObject[] = [];
  private readonly meta: ObjMeta[] = [];
  private readonly byKey = new Map<string, ObjId>();
  private readonly collapsedRoots = new Set<ObjId>();
  listener?: ObjectListener;

  constructor(readonly program: Program, readonly fieldSensitive: boolean) {
    for (const v of program.vars) {
      const qual = v.function && (v.scope === 'local' || v.scope === 'param' || v.scope === 'temp' || v.scope === 'static')
        ? `${v.function}::${v.name}` : v.name;
      this.push({ id: v.id, kind: 'var', name: qual, var: v.id },
        { type: strip(program.types, v.type, true), root: v.id, array: isArray(program, v.type) });
    }
  }

  get size(): number { return this.objects.length; }

  private push(o: AbstractObject, m: ObjMeta): ObjId {
    if (o.id !== this.objects.length) throw new Error(`object id ${o.id} out of order`);
    this.objects.push(o);
    this.meta.push(m);
    this.listener?.objectCreated(o.id);
    return o.id;
  }

  private keyed(key: string, make: (id: ObjId) => AbstractObject, type?: TypeId): ObjId {
    const got = this.byKey.get(key);
    if (got !== undefined) return got;
    const id = this.objects.length;
    this.byKey.set(key, id);
    return this.push(make(id), { type, root: id, array: false });
  }

  funcObject(name: string): ObjId {
    return this.keyed(`func:${name}`, (id) => ({ id, kind: 'func', name, func: name }));
  }

  /** A heap or library object named by its (allocation or wrapper) call site. */
  siteObject(kind: 'heap' | 'external', label: string, instr: InstrId, loc: SourceLoc): ObjId {
    const name = `${label}@${shortFile(loc.file)}:${loc.line}`;
    return this.keyed(`site:${label}:${instr}`, (id) => ({ id, kind, name, site: { instr, loc } }));
  }

  /** One library-owned object per name (static buffers of strtok, inet_ntoa, argv ...). */
  namedExternal(name: string): ObjId {
    return this.keyed(`ext:${name}`, (id) => ({ id, kind: 'external', name }));
  }

  rootOf(o: ObjId): ObjId { return this.meta[o]!.root; }
  typeOf(o: ObjId): TypeId | undefined { return this.meta[o]!.type; }
  isCollapsed(o: ObjId): boolean { return this.collapsedRoots.has(this.meta[o]!.root); }
  isArrayStorage(o: ObjId): boolean { return this.meta[o]!.array; }
  kids(o: ObjId): readonly ObjId[] | undefined { return this.meta[o]!.kids; }

  /** o and all its field descendants. */
  subtree(o: ObjId, out: ObjId[] = []): ObjId[] {
    out.push(o);
    const k = this.meta[o]!.kids;
    if (k) for (const c of k) this.subtree(c, out);
    return out;
  }

  /**
   * The field object `o.<member index>` of aggregate type `agg`, creating the root's field
   * tree on first use. Returns undefined when the layout does not match (a cast between
   * struct types): the caller then collapses the whole object.
   */
  field(o: ObjId, index: number, agg: TypeId): ObjId | undefined {
    const m = this.meta[o]!;
    if (this.collapsedRoots.has(m.root)) return o;
    if (isUnion(this.program, m.type)) return o; // every member shares the union's storage
    if (m.type === undefined && o === m.root && !m.kids) this.adopt(o, agg);
    if (!m.kids) {
      if (o === m.root && m.type !== undefined && sameAggregate(this.program, m.type, agg)) this.adopt(o, agg);
      if (!m.kids) return undefined;
    }
    if (!sameAggregate(this.program, m.type, agg)) return undefined;
    return m.kids![index];
  }

  /** Give a root object the field tree of struct `agg` (heap objects take the first struct they are used as). */
  adopt(root: ObjId, agg: TypeId): boolean {
    const m = this.meta[root]!;
    if (!this.fieldSensitive || m.kids || this.collapsedRoots.has(root)) return m.kids !== undefined;
    const t = strip(this.program.types, agg, true);
    if (m.type !== undefined && !sameAggregate(this.program, m.type, t)) return false;
    if (!isStruct(this.program, t)) return false;
    m.type = t;
    const created: ObjId[] = [];
    this.grow(root, root, created, 0);
    this.listener?.fieldsCreated(root, created);
    return true;
  }

  private grow(o: ObjId, root: ObjId, created: ObjId[], depth: number): void {
    const m = this.meta[o]!;
    const ty = m.type === undefined ? undefined : this.program.types[m.type];
    if (!ty || ty.kind !== 'struct' || depth >= MAX_FIELD_DEPTH) return;
    m.kids = [];
    const parentName = this.objects[o]!.name;
    for (const f of ty.fields) {
      const id = this.objects.length;
      this.push({ id, kind: 'field', name: `${parentName}.${f.name}`, parent: o, field: f.name },
        { type: strip(this.program.types, f.type, true), root, array: isArrayLike(this.program, f.type) });
      m.kids.push(id);
      created.push(id);
      this.grow(id, root, created, depth + 1);
    }
  }

  /** Field-sensitivity gives up on this object: all its fields become one location. */
  collapse(o: ObjId): ObjId {
    const root = this.meta[o]!.root;
    this.collapsedRoots.add(root);
    return root;
  }

  /** What clients see: a field of a collapsed object is the whole object. */
  normalize(o: ObjId): ObjId {
    const root = this.meta[o]!.root;
    return this.collapsedRoots.has(root) ? root : o;
  }

  /** Do two objects share storage (same object, one inside the other, or a collapsed whole)? */
  overlap(a: ObjId, b: ObjId): boolean {
    if (a === b) return true;
    const ra = this.meta[a]!.root;
    if (ra !== this.meta[b]!.root) return false;
    if (this.collapsedRoots.has(ra)) return true;
    return this.isWithin(a, b) || this.isWithin(b, a);
  }

  private isWithin(inner: ObjId, outer: ObjId): boolean {
    for (let x: ObjId | undefined = inner; x !== undefined; x = this.objects[x]!.parent) if (x === outer) return true;
    return false;
  }
}

export function shortFile(file: string): string {
  const i = file.lastIndexOf('/');
  return i < 0 ? file : file.slice(i + 1);
}

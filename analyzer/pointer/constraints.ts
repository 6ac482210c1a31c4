// Constraint generation from the IR (address-of, copy, load, store, gep, calls) and the call
// linker that connects call sites to callees and library models while the solver runs.
import type { Func, Instr, InstrId, Operand, Program, TypeId, VarId } from '../ir/types.js';
import type { Andersen, CallLinker } from './andersen.js';
import { isStruct, opMayCarryPointer } from './ctype.js';
import type { CallSite, NodeId } from './graph.js';
import { type LibModel, lookupModel } from './models.js';
import type { ObjectTable } from './objects.js';
import type { ObjId } from './types.js';
import { findAllocationWrappers } from './wrappers.js';

/** A library call applied at a site: what memEffects needs after solving. */
export interface LibraryCall {
  name: string;
  /** undefined = unknown external (reads and writes everything reachable from `args`). */
  model?: LibModel;
  args: (NodeId | undefined)[];
  /** Called back by an unknown external with one node standing for every argument. */
  spread: boolean;
}

const VA_START = new Set(['__builtin_va_start', 'va_start', '__builtin_va_copy', 'va_copy']);
const VA_ARG = new Set(['__builtin_va_arg', 'va_arg']);
const VA_END = new Set(['__builtin_va_end', 'va_end']);

export class ConstraintBuilder implements CallLinker {
  private readonly retNodes = new Map<string, NodeId>();
  private readonly varargNodes = new Map<string, NodeId>();
  private readonly slots = new Map<string, NodeId>();
  private readonly linked = new Set<string>();
  readonly callees = new Map<InstrId, Set<string>>();
  readonly callbacks = new Map<InstrId, Set<string>>();
  readonly libraryCalls = new Map<InstrId, LibraryCall[]>();
  readonly unknown = new Set<string>();
  readonly wrappers: Set<string>;

  constructor(
    readonly program: Program,
    readonly objects: ObjectTable,
    readonly solver: Andersen,
    readonly extraModels?: Readonly<Record<string, LibModel>>,
  ) {
    solver.linker = this;
    this.wrappers = findAllocationWrappers(program, extraModels);
  }

  private get fs(): boolean { return this.objects.fieldSensitive; }
  private node(v: VarId): NodeId { return this.solver.objNode(v); }

  build(): void {
    this.programEntry();
    for (const f of [this.program.globalInit, ...this.program.functions.values()]) {
      for (const b of f.blocks) for (const i of b.instrs) this.instr(i, f);
    }
  }

  /** main's argv/envp point to arrays of strings the system provides. */
  private programEntry(): void {
    const main = this.program.functions.get('main');
    if (!main) return;
    main.params.slice(1, 3).forEach((p, k) => {
      const arr = this.objects.namedExternal(k === 0 ? 'argv' : 'envp');
      const strs = this.objects.namedExternal(k === 0 ? 'argv-strings' : 'envp-strings');
      this.solver.processAddr(arr, this.node(p));
      this.solver.processAddr(strs, this.solver.objNode(arr));
    });
  }

  // ------------------------------------------------------------ instructions

  private instr(i: Instr, f: Func): void {
    const s = this.solver;
    switch (i.kind) {
      case 'addr':
        s.processAddr(i.target.kind === 'var' ? i.target.var : this.objects.funcObject(i.target.name), this.node(i.dst));
        return;
      case 'copy':
        if (!opMayCarryPointer(i.op)) return;
        for (const src of i.srcs) if (src.kind === 'var') this.copyVar(src.var, i.dst, i.type);
        return;
      case 'gep':
        if (this.fs) s.addComplex(this.node(i.base), { k: 'gep', dst: this.node(i.dst), field: i.field && { index: i.field.index, aggregate: i.field.aggregate } });
        else s.processCopy(this.node(i.base), this.node(i.dst));
        // an integer offset computed from a pointer (p + (q - p)) still carries q
        if (i.index?.kind === 'var') s.processCopy(this.node(i.index.var), this.node(i.dst));
        return;
      case 'load': {
        const agg = this.fs && isStruct(this.program, i.type) ? i.type : undefined;
        s.addComplex(this.node(i.addr), { k: 'load', dst: this.node(i.dst), agg, dstObj: i.dst });
        return;
      }
      case 'store': {
        if (i.src.kind !== 'var') return;
        const agg = this.fs && isStruct(this.program, i.type) ? i.type : undefined;
        s.addComplex(this.node(i.addr), { k: 'store', src: this.valueNode(i.src.var), agg, srcObj: i.src.var });
        return;
      }
      case 'call':
        this.call(i.id, i.callee, i.args, i.dst, f);
        return;
      case 'icall':
        s.addComplex(this.node(i.target), { k: 'call', site: { instr: i.id, args: i.args.map((a) => this.argNode(a)), dst: i.dst === undefined ? undefined : this.node(i.dst), kind: 'icall' } });
        return;
      case 'ret':
        if (i.value?.kind === 'var') s.processCopy(this.valueNode(i.value.var), this.retNode(f.key));
        return;
      case 'branch':
        return;
    }
  }

  /** Direct assignment between variables (also casts and arithmetic). */
  private copyVar(src: VarId, dst: VarId, type: TypeId): void {
    if (this.fs && (isStruct(this.program, type) || isStruct(this.program, this.program.vars[src]?.type))) {
      this.solver.copyObjects(src, dst, isStruct(this.program, type) ? type : undefined);
    } else {
      this.solver.processCopy(this.node(src), this.node(dst));
    }
  }

  /** The node carrying a variable's value; a struct's value is everything in its fields. */
  private valueNode(v: VarId): NodeId {
    if (!this.fs || !isStruct(this.program, this.program.vars[v]?.type)) return this.node(v);
    const w = this.solver.newNode();
    this.solver.readWhole(v, w);
    return w;
  }

  private argNode(a: Operand): NodeId | undefined {
    return a.kind === 'var' ? this.valueNode(a.var) : undefined;
  }

  private retNode(key: string): NodeId {
    let n = this.retNodes.get(key);
    if (n === undefined) { n = this.solver.newNode(); this.retNodes.set(key, n); }
    return n;
  }

  private varargNode(key: string): NodeId {
    let n = this.varargNodes.get(key);
    if (n === undefined) { n = this.solver.newNode(); this.varargNodes.set(key, n); }
    return n;
  }

  private slot(name: string): NodeId {
    let n = this.slots.get(name);
    if (n === undefined) { n = this.solver.newNode(); this.slots.set(name, n); }
    return n;
  }

  private record(map: Map<InstrId, Set<string>>, instr: InstrId, name: string): void {
    let s = map.get(instr);
    if (!s) { s = new Set(); map.set(instr, s); }
    s.add(name);
  }

  // ------------------------------------------------------------ calls

  private call(instr: InstrId, callee: string, args: Operand[], dst: VarId | undefined, f: Func): void {
    this.record(this.callees, instr, callee);
    const site: CallSite = { instr, args: args.map((a) => this.argNode(a)), dst: dst === undefined ? undefined : this.node(dst), kind: 'icall' };
    const def = this.program.functions.get(callee);
    if (def) {
      if (this.wrappers.has(callee) && site.dst !== undefined) {
        // allocation wrapper: the fresh object is named by this call site
        const o = this.objects.siteObject('heap', 'heap', instr, this.program.instrs[instr]?.loc ?? def.loc);
        this.solver.processAddr(o, site.dst);
        this.linkDefined(site, def, false);
      } else {
        this.linkDefined(site, def, true);
      }
      return;
    }
    if (VA_START.has(callee) || VA_END.has(callee)) {
      // va_list ap points to the extra arguments of the enclosing function
      const ap = args[0];
      if (VA_START.has(callee) && ap?.kind === 'var') {
        this.solver.processCopy(this.varargNode(f.key), this.node(ap.var));
        if (args[1]?.kind === 'var' && callee.includes('copy')) this.solver.processCopy(this.node(args[1].var), this.node(ap.var));
      }
      return;
    }
    if (VA_ARG.has(callee)) {
      if (dst !== undefined) this.solver.processCopy(this.varargNode(f.key), this.node(dst));
      return;
    }
    this.external(callee, site);
  }

  /** CallLinker: a function object reached a call site's target set. */
  link(site: CallSite, func: ObjId): void {
    const name = this.objects.objects[func]!.func!;
    const key = `${site.instr}:${site.kind}:${site.spread ?? ''}:${name}`;
    if (this.linked.has(key)) return;
    this.linked.add(key);
    this.record(site.kind === 'callback' ? this.callbacks : this.callees, site.instr, name);
    const def = this.program.functions.get(name);
    if (def) this.linkDefined(site, def, true);
    else this.external(name, site);
  }

  private linkDefined(site: CallSite, f: Func, withReturn: boolean): void {
    const s = this.solver;
    const n = site.spread !== undefined ? f.params.length : Math.max(site.args.length, f.params.length);
    for (let k = 0; k < n; k++) {
      const a = site.spread ?? site.args[k];
      if (a === undefined) continue;
      const p = f.params[k];
      s.processCopy(a, p !== undefined ? this.node(p) : this.varargNode(f.key));
    }
    if (site.spread !== undefined && f.variadic) s.processCopy(site.spread, this.varargNode(f.key));
    if (withReturn && site.dst !== undefined) s.processCopy(this.retNode(f.key), site.dst);
  }

  private argOf(site: CallSite, k: number): NodeId | undefined {
    return site.spread ?? site.args[k];
  }

  private argsFrom(site: CallSite, k: number): NodeId[] {
    if (site.spread !== undefined) return [site.spread];
    return site.args.slice(k).filter((a): a is NodeId => a !== undefined);
  }

  private external(name: string, site: CallSite): void {
    const model = lookupModel(name, this.extraModels);
    const calls = this.libraryCalls.get(site.instr) ?? [];
    calls.push({ name, model, args: site.spread !== undefined ? [site.spread] : site.args, spread: site.spread !== undefined });
    this.libraryCalls.set(site.instr, calls);
    if (model) this.applyModel(model, site);
    else this.unknownExternal(name, site);
  }

  private siteObj(label: string, site: CallSite, kind: 'heap' | 'external'): ObjId {
    const ins = this.program.instrs[site.instr];
    const loc = ins?.loc ?? { file: '?', line: 0, column: 0 };
    return this.objects.siteObject(kind, label, site.instr, loc);
  }

  private applyModel(m: LibModel, site: CallSite): void {
    const s = this.solver;
    let fresh: ObjId | undefined;
    if (site.dst !== undefined) {
      for (const r of m.ret ?? []) {
        if (r === 'alloc') { fresh = this.siteObj('heap', site, 'heap'); s.processAddr(fresh, site.dst); }
        else if ('arg' in r) { const a = this.argOf(site, r.arg); if (a !== undefined) s.processCopy(a, site.dst); }
        else if ('obj' in r) s.processAddr(this.siteObj(r.obj, site, 'external'), site.dst);
        else if ('named' in r) s.processAddr(this.objects.namedExternal(r.named), site.dst);
        else if ('slot' in r) s.processCopy(this.slot(r.slot), site.dst);
        else { const a = this.argOf(site, r.deref); if (a !== undefined) s.addComplex(a, { k: 'load', dst: site.dst }); }
      }
    }
    for (const [d, src] of m.copies ?? []) {
      const from = this.argOf(site, src);
      if (from === undefined) continue;
      if (d !== 'ret' && this.fs) {
        // field-sensitive: copy member to member between each pair of same-layout objects
        const to = this.argOf(site, d);
        if (to !== undefined) s.contentCopy(to, from);
        continue;
      }
      const t = s.newNode();
      s.addComplex(from, { k: 'load', dst: t });
      if (d === 'ret') { if (fresh !== undefined) s.processCopy(t, s.objNode(fresh)); }
      else { const to = this.argOf(site, d); if (to !== undefined) s.addComplex(to, { k: 'store', src: t }); }
    }
    for (const o of m.outObj ?? []) {
      const a = this.argOf(site, o.arg);
      if (a === undefined) continue;
      const obj = o.obj === 'alloc' ? this.siteObj('heap', site, 'heap') : this.siteObj(o.obj, site, 'external');
      const t = s.newNode();
      s.processAddr(obj, t);
      s.addComplex(a, { k: 'store', src: t });
    }
    for (const st of m.stores ?? []) {
      const a = this.argOf(site, st.arg);
      const v = this.argOf(site, st.value);
      if (a !== undefined && v !== undefined) s.addComplex(a, { k: 'store', src: v });
    }
    for (const sv of m.saves ?? []) {
      const a = this.argOf(site, sv.arg);
      if (a !== undefined) s.processCopy(a, this.slot(sv.slot));
    }
    for (const cb of m.callbacks ?? []) {
      let fn = this.argOf(site, cb.fn);
      if (fn === undefined) continue;
      if (cb.deref) { const t = s.newNode(); s.addComplex(fn, { k: 'load', dst: t }); fn = t; }
      const args = cb.args.map((a) => {
        if (a === 'none') return undefined;
        if ('arg' in a) return this.argOf(site, a.arg);
        const t = s.newNode();
        s.processAddr(this.siteObj(a.obj, site, 'external'), t);
        return t;
      });
      s.addComplex(fn, { k: 'call', site: { instr: site.instr, args, kind: 'callback' } });
    }
  }

  /**
   * No model: the library may read and write everything its pointer arguments reach,
   * store any reachable pointer anywhere reachable, return any of them (or memory of its
   * own), and call any reachable function pointer with any of them.
   */
  private unknownExternal(name: string, site: CallSite): void {
    this.unknown.add(name);
    const s = this.solver;
    const r = s.newNode();
    for (const a of this.argsFrom(site, 0)) s.processCopy(a, r);
    s.processAddr(this.siteObj(name, site, 'external'), r);
    s.addComplex(r, { k: 'load', dst: r });
    s.addComplex(r, { k: 'store', src: r });
    if (site.dst !== undefined) s.processCopy(r, site.dst);
    s.addComplex(r, { k: 'call', site: { instr: site.instr, args: [], spread: r, dst: r, kind: 'callback' } });
  }
}

// The linker: program-wide variables, external-linkage globals merged by name,
// file statics kept per unit, functions by key, GLOBAL_INIT, and the final Program.
import {
  GLOBAL_INIT,
  type Diagnostic,
  type Func,
  type Instr,
  type Program,
  type SourceLoc,
  type TranslationUnitInfo,
  type TypeId,
  type VarId,
  type VarScope,
  type Variable,
} from '../ir/types.js';
import { CfgBuilder, numberInstrs } from './cfg.js';
import { TypeTable } from './ctypes.js';
import { Scope } from './scope.js';
import type { OriginalFiles } from './source.js';

export class ProgramBuilder {
  readonly types = new TypeTable();
  readonly vars: Variable[] = [];
  /** External-linkage variables by name: every `extern` and the definition share one Variable. */
  private readonly globals = new Map<string, VarId>();
  private readonly globalDefined = new Set<VarId>();
  /** Defined functions by provisional key (statics: `unit:name`). */
  readonly functions = new Map<string, Func>();
  private readonly staticKeys = new Map<string, string>(); // provisional key → name
  readonly diagnostics: Diagnostic[] = [];
  readonly units: TranslationUnitInfo[] = [];
  /** Declarations from headers, lowered once per program and visible to every unit. */
  readonly headerScope = new Scope();
  readonly seenHeaderDecls = new Set<string>();
  readonly globalInitLocals: VarId[] = [];
  readonly globalInit: CfgBuilder;
  /** Original sources read for statement texts, once per load. */
  readonly originalFiles: OriginalFiles = new Map();
  private stringCount = 0;
  private compoundCount = 0;
  /** Function names called or address-taken (provisional keys). */
  readonly referencedFuncs = new Set<string>();

  constructor() {
    this.globalInit = new CfgBuilder(GLOBAL_INIT, (n, t, f, l) => this.newVar(n, 'temp', t, l, f), this.globalInitLocals);
  }

  newVar(name: string, scope: VarScope, type: TypeId, loc: SourceLoc, func?: string): VarId {
    const id = this.vars.length;
    const v: Variable = { id, name, scope, type, loc, addressTaken: false };
    if (func !== undefined) v.function = func;
    this.vars.push(v);
    return id;
  }

  stringVar(text: string, loc: SourceLoc, type: TypeId): VarId {
    const id = this.newVar(`.str${this.stringCount++}`, 'string', type, loc);
    this.vars[id].text = text;
    return id;
  }

  compoundVar(type: TypeId, loc: SourceLoc, func?: string): VarId {
    return this.newVar(`.compound${this.compoundCount++}`, 'compound', type, loc, func);
  }

  /** The one Variable of an external-linkage global; a definition fixes its loc and completes its type. */
  globalVar(name: string, type: TypeId, loc: SourceLoc, isDefinition: boolean): VarId {
    let id = this.globals.get(name);
    if (id === undefined) {
      id = this.newVar(name, 'global', type, loc);
      this.globals.set(name, id);
    } else {
      const v = this.vars[id];
      const t = this.types.get(this.types.resolve(v.type));
      if (isDefinition && !this.globalDefined.has(id)) {
        v.loc = loc;
        v.type = type;
      } else if (t.kind === 'array' && t.length === undefined) {
        v.type = type; // `extern int a[];` completed by a later declaration
      }
    }
    if (isDefinition) this.globalDefined.add(id);
    return id;
  }

  isGlobalDefined(v: VarId): boolean {
    return this.globalDefined.has(v);
  }

  staticFuncKey(unitTag: string, name: string): string {
    const key = `${unitTag}:${name}`;
    this.staticKeys.set(key, name);
    return key;
  }

  warn(loc: SourceLoc, message: string, func?: string): void {
    const d: Diagnostic = { severity: 'warning', loc, message };
    if (func !== undefined) d.function = func;
    this.diagnostics.push(d);
  }

  /** Renames static functions whose name is unique to plain names, numbers instructions, and builds the Program. */
  finish(): Program {
    const nameCount = new Map<string, number>();
    for (const f of this.functions.values()) nameCount.set(f.name, (nameCount.get(f.name) ?? 0) + 1);
    const rename = new Map<string, string>();
    for (const [key, name] of this.staticKeys) {
      if ((nameCount.get(name) ?? 0) <= 1 && !this.globals.has(name)) rename.set(key, name);
      else if (!this.functions.has(key)) rename.set(key, name); // declared static but never defined
    }
    const final = (k: string): string => rename.get(k) ?? k;

    const functions = new Map<string, Func>();
    for (const f of this.functions.values()) {
      f.key = final(f.key);
      functions.set(f.key, f);
    }
    for (const v of this.vars) if (v.function !== undefined) v.function = final(v.function);
    for (const d of this.diagnostics) if (d.function !== undefined) d.function = final(d.function);

    // GLOBAL_INIT runs straight through (save for ?: and && inside initializers) and ends at its exit.
    const { blocks, exit } = this.globalInit.finish(new Set([this.globalInit.cur]));
    const globalInit: Func = {
      key: GLOBAL_INIT,
      name: GLOBAL_INIT,
      isStatic: false,
      loc: { file: this.units[0]?.file ?? '<none>', line: 1, column: 1 },
      type: this.types.func(this.types.void, [], false),
      params: [],
      locals: this.globalInitLocals,
      variadic: false,
      blocks,
      entry: 0,
      exit,
    };

    const instrs: Instr[] = [];
    const instrFunc: string[] = [];
    numberInstrs(globalInit, instrs, instrFunc);
    for (const f of functions.values()) numberInstrs(f, instrs, instrFunc);
    const externals = new Set<string>();
    for (const i of instrs) {
      if (i.kind === 'call') {
        i.callee = final(i.callee);
        if (!functions.has(i.callee)) externals.add(i.callee);
      } else if (i.kind === 'addr' && i.target.kind === 'func') {
        i.target.name = final(i.target.name);
        if (!functions.has(i.target.name)) externals.add(i.target.name);
      }
    }
    return {
      units: this.units,
      types: this.types.types,
      vars: this.vars,
      functions,
      globalInit,
      externals,
      diagnostics: this.diagnostics,
      instrs,
      instrFunc,
    };
  }
}

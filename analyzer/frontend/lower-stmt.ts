// Lowering of C statements and declarations to CFG blocks: structured control
// flow with saved break/continue targets, switch dispatch, goto/labels, locals.
import type { BlockId, TypeId, VarId } from '../ir/types.js';
import { GLOBAL_INIT } from '../ir/types.js';
import { child, children, namedKids, type Ast } from './ast.js';
import type { CfgBuilder } from './cfg.js';
import { ExprLowerer, type LVal, type UnitEnv } from './lower-expr.js';
import { Scope, type Sym } from './scope.js';

export type DeclPlace = 'file' | 'header' | 'block';

const STMT_TYPES = new Set([
  'compound_statement', 'declaration', 'type_definition', 'expression_statement', 'if_statement', 'while_statement',
  'do_statement', 'for_statement', 'switch_statement', 'case_statement', 'break_statement', 'continue_statement',
  'return_statement', 'goto_statement', 'labeled_statement', 'attributed_statement',
]);

export class StmtLowerer extends ExprLowerer {
  /** Blocks ending in `ret`; they jump to the exit block. */
  readonly retBlocks = new Set<BlockId>();
  private readonly breakTargets: BlockId[] = [];
  private readonly continueTargets: BlockId[] = [];
  /** Case blocks of the switches being lowered, by case node start offset. */
  private readonly caseBlocks = new Map<number, BlockId>();

  constructor(env: UnitEnv, b: CfgBuilder, funcKey: string, scope: Scope) {
    super(env, b, funcKey, scope);
    this.stmtHooks = { stmt: (n) => this.stmt(n) };
  }

  // ------------------------------------------------------------ declarations

  /** Declares a function name; statics get a per-unit key, everything else links by name. */
  declareFunction(name: string, type: TypeId, isStatic: boolean, scope: Scope): Sym {
    const prev = scope.lookup(name);
    if (prev?.kind === 'func') {
      if (scope !== this.env.fileScope && scope.syms.get(name) !== prev) scope.syms.set(name, prev);
      return prev;
    }
    const key = isStatic ? this.env.prog.staticFuncKey(this.env.unitTag, name) : name;
    const sym: Sym = { kind: 'func', name, key, type, isStatic };
    scope.syms.set(name, sym);
    return sym;
  }

  declaration(n: Ast, place: DeclPlace): void {
    const decls = this.env.decls;
    const spec = decls.specifiers(n, this.scope);
    for (const d of children(n, 'declarator')) {
      if (d.type === 'gnu_asm_expression') continue;
      const init = d.type === 'init_declarator' ? child(d, 'value') : undefined;
      const di = decls.declarator(d, spec.type, this.scope);
      if (di.name === undefined) continue;
      const name = di.name;
      const loc = this.loc(di.nameNode ?? d);
      if (spec.storage === 'typedef') {
        this.scope.syms.set(name, { kind: 'typedef', type: this.types.typedef(name, di.type) });
        continue;
      }
      if (this.types.isFunction(di.type)) {
        this.declareFunction(name, di.type, spec.storage === 'static', place === 'block' ? this.scope : this.scope);
        continue;
      }
      const type = this.completeArrayType(di.type, init);
      let v: VarId;
      if (place !== 'block') {
        const prev = this.scope.syms.get(name);
        if (spec.storage === 'static') {
          v = prev?.kind === 'var' ? prev.var : this.env.prog.newVar(name, 'static', type, loc);
        } else if (prev?.kind === 'var' && this.env.prog.vars[prev.var].scope === 'static') {
          v = prev.var; // `extern int x;` after `static int x;` names the static
        } else {
          v = this.env.prog.globalVar(name, type, loc, spec.storage !== 'extern' || init !== undefined);
        }
        if (init === undefined && this.types.isArray(type)) {
          const cur = this.env.prog.vars[v];
          const ct = this.types.get(this.types.resolve(cur.type));
          if (ct.kind === 'array' && ct.length === undefined) cur.type = type;
        }
      } else if (spec.storage === 'extern') {
        const prev = this.scope.lookup(name);
        v = prev?.kind === 'var' && ['global', 'static'].includes(this.env.prog.vars[prev.var].scope) ? prev.var : this.env.prog.globalVar(name, type, loc, false);
      } else if (spec.storage === 'static') {
        v = this.env.prog.newVar(name, 'static', type, loc, this.funcKey);
        this.b.locals.push(v);
      } else {
        v = this.env.prog.newVar(name, 'local', type, loc, this.funcKey);
        this.b.locals.push(v);
      }
      this.scope.syms.set(name, { kind: 'var', var: v });
      if (init !== undefined) {
        const lv: LVal = { kind: 'var', var: v, type: this.env.prog.vars[v].type };
        this.text = this.env.src.stmt(d);
        if (place === 'block' && spec.storage === 'static') this.inGlobalInit(() => this.initialize(init, lv, lv.type));
        else this.initialize(init, lv, lv.type);
      }
    }
  }

  /** `struct S { ... };` or `struct S;` standing alone: defines or forward-declares the tag here. */
  tagDeclaration(n: Ast): void {
    this.env.decls.typeSpecifier(n, this.scope, { type: 'declaration', field: null, start: n.start, end: n.end, named: true, kids: [] });
  }

  /** Runs `f` with instructions going to GLOBAL_INIT (static locals' initializers run once, before main). */
  private inGlobalInit(f: () => void): void {
    const saved = this.b;
    this.b = this.env.prog.globalInit;
    try {
      f();
    } finally {
      this.b = saved;
    }
  }

  // ------------------------------------------------------------ statements

  /** One statement, isolated: a construct we fail on costs that statement (reported), not the function. */
  safeStmt(n: Ast): void {
    try {
      this.stmt(n);
    } catch (err) {
      this.partial = true;
      this.warn(n, `could not lower this ${n.type.replace(/_/g, ' ')} (the function's IR is partial): ${(err as Error).message}`);
    }
  }

  stmt(n: Ast): void {
    switch (n.type) {
      case 'compound_statement': {
        const outer = this.scope;
        this.scope = new Scope(outer);
        for (const k of n.kids) if (k.named) this.safeStmt(k);
        this.scope = outer;
        return;
      }
      case 'declaration':
      case 'type_definition':
        this.text = this.env.src.stmt(n);
        this.declaration(n, 'block');
        return;
      case 'expression_statement': {
        const e = namedKids(n)[0];
        if (!e) return;
        this.text = this.env.src.stmt(n);
        this.expr(e, true);
        return;
      }
      case 'if_statement':
        return this.ifStmt(n);
      case 'while_statement':
        return this.whileStmt(n);
      case 'do_statement':
        return this.doStmt(n);
      case 'for_statement':
        return this.forStmt(n);
      case 'switch_statement':
        return this.switchStmt(n);
      case 'case_statement':
        return this.caseStmt(n);
      case 'break_statement':
      case 'continue_statement': {
        const stack = n.type === 'break_statement' ? this.breakTargets : this.continueTargets;
        const target = stack[stack.length - 1];
        if (target === undefined) {
          this.warn(n, `'${n.type === 'break_statement' ? 'break' : 'continue'}' outside a loop or switch`);
          return;
        }
        this.b.jumpAway(target);
        return;
      }
      case 'return_statement': {
        this.text = this.env.src.stmt(n);
        const e = namedKids(n)[0];
        const value = e ? this.rvalue(e).op : undefined;
        this.b.emit({ kind: 'ret', ...(value ? { value } : {}), loc: this.loc(n), text: this.text });
        this.retBlocks.add(this.b.cur);
        this.b.cur = this.b.newBlock();
        return;
      }
      case 'goto_statement': {
        const label = this.raw(child(n, 'label')!);
        this.b.jumpAway(this.b.labelBlock(label));
        return;
      }
      case 'labeled_statement': {
        const label = this.raw(child(n, 'label')!);
        this.b.jumpTo(this.b.labelBlock(label));
        for (const k of n.kids) if (k.named && k.field !== 'label') this.stmt(k);
        return;
      }
      case 'attributed_statement':
        for (const k of n.kids) if (STMT_TYPES.has(k.type) || k.type.endsWith('_statement')) this.stmt(k);
        return;
      case 'function_definition':
        this.warn(n, 'nested function definitions are not analyzed');
        return;
      case 'ERROR':
        // Already reported as a syntax error; keep whatever statements the parser recovered.
        this.partial = true;
        for (const k of n.kids) {
          if (STMT_TYPES.has(k.type)) this.stmt(k);
          else if (k.named && (k.type.endsWith('_expression') || k.type === 'identifier')) {
            this.text = this.env.src.stmt(k);
            this.expr(k, true);
          }
        }
        return;
      case 'struct_specifier':
      case 'union_specifier':
      case 'enum_specifier':
        this.tagDeclaration(n);
        return;
      case 'preproc_call':
      case 'comment':
      case ';':
        return;
      default:
        if (n.type.endsWith('_expression')) {
          this.text = this.env.src.stmt(n);
          this.expr(n, true);
          return;
        }
        this.warn(n, `unsupported statement '${n.type}' skipped`);
    }
  }

  private headText(prefix: string, n: Ast | undefined): string {
    if (!n) return prefix;
    const t = this.env.src.stmt(n);
    return t.startsWith(prefix) ? t : `${prefix} ${t}`;
  }

  /** if / else if / else; an else-if chain is walked iteratively and shares one join block. */
  private ifStmt(n: Ast): void {
    const join = this.b.newBlock('if.end');
    for (let cur: Ast | undefined = n; cur; ) {
      const condNode = child(cur, 'condition')!;
      const alt = child(cur, 'alternative');
      const thenB = this.b.newBlock('if.then');
      const elseB = alt ? this.b.newBlock('if.else') : undefined;
      this.text = this.headText('if', condNode);
      this.cond(condNode, thenB, elseB ?? join);
      this.b.cur = thenB;
      this.stmt(child(cur, 'consequence')!);
      this.b.jumpTo(join);
      cur = undefined;
      if (alt && elseB !== undefined) {
        this.b.cur = elseB;
        const inner = alt.kids.filter((k) => k.named);
        if (inner.length === 1 && inner[0].type === 'if_statement') cur = inner[0];
        else {
          for (const k of inner) this.stmt(k);
          this.b.jumpTo(join);
        }
      }
    }
    this.b.cur = join;
  }

  private loop(breakTo: BlockId, continueTo: BlockId, body: () => void): void {
    this.breakTargets.push(breakTo);
    this.continueTargets.push(continueTo);
    try {
      body();
    } finally {
      this.breakTargets.pop();
      this.continueTargets.pop();
    }
  }

  private whileStmt(n: Ast): void {
    const condNode = child(n, 'condition')!;
    const head = this.b.newBlock('while.cond');
    const body = this.b.newBlock('while.body');
    const exit = this.b.newBlock('while.end');
    this.b.jumpTo(head);
    this.text = this.headText('while', condNode);
    this.cond(condNode, body, exit);
    this.b.cur = body;
    this.loop(exit, head, () => this.stmt(child(n, 'body')!));
    this.b.edge(this.b.cur, head); // back edge
    this.b.cur = exit;
  }

  private doStmt(n: Ast): void {
    const body = this.b.newBlock('do.body');
    const condB = this.b.newBlock('do.cond');
    const exit = this.b.newBlock('do.end');
    this.b.jumpTo(body);
    this.loop(exit, condB, () => this.stmt(child(n, 'body')!));
    this.b.jumpTo(condB);
    const condNode = child(n, 'condition')!;
    this.text = this.headText('while', condNode);
    this.cond(condNode, body, exit); // back edge on true
    this.b.cur = exit;
  }

  private forStmt(n: Ast): void {
    const outer = this.scope;
    this.scope = new Scope(outer);
    const init = child(n, 'initializer');
    if (init) {
      this.text = this.env.src.stmt(init);
      if (init.type === 'declaration') this.declaration(init, 'block');
      else this.expr(init, true);
    }
    const head = this.b.newBlock('for.cond');
    const body = this.b.newBlock('for.body');
    const step = this.b.newBlock('for.inc');
    const exit = this.b.newBlock('for.end');
    this.b.jumpTo(head);
    const condNode = child(n, 'condition');
    if (condNode) {
      this.text = this.headText('for', condNode);
      this.cond(condNode, body, exit);
    } else {
      this.b.edge(head, body);
    }
    this.b.cur = body;
    this.loop(exit, step, () => this.stmt(child(n, 'body')!));
    this.b.jumpTo(step);
    const update = child(n, 'update');
    if (update) {
      this.text = this.env.src.stmt(update);
      this.expr(update, true);
    }
    this.b.edge(this.b.cur, head); // back edge
    this.b.cur = exit;
    this.scope = outer;
  }

  /** The case labels of a switch body, not descending into nested switches. */
  private collectCases(n: Ast, out: Ast[]): Ast[] {
    for (const k of n.kids) {
      if (k.type === 'case_statement') out.push(k);
      if (k.type !== 'switch_statement' && k.kids.length) this.collectCases(k, out);
    }
    return out;
  }

  private switchStmt(n: Ast): void {
    const condNode = child(n, 'condition')!;
    const bodyNode = child(n, 'body')!;
    this.text = this.headText('switch', condNode);
    const v = this.rvalue(condNode);
    const exit = this.b.newBlock('switch.end');
    const cases = this.collectCases(bodyNode, []);
    const labels: string[] = [];
    const targets: BlockId[] = [];
    let defaultBlock: BlockId | undefined;
    for (const c of cases) {
      const value = child(c, 'value');
      const label = value ? `case ${this.env.src.of(value)}` : 'default';
      const blk = this.b.newBlock(label);
      this.caseBlocks.set(c.start, blk);
      if (value) {
        labels.push(this.env.src.of(value));
        targets.push(blk);
      } else defaultBlock = blk;
    }
    this.b.emit({ kind: 'branch', cond: [v.op], cases: labels, loc: this.loc(condNode), text: this.text });
    for (const t of targets) this.b.edge(this.b.cur, t);
    this.b.edge(this.b.cur, defaultBlock ?? exit);
    this.b.cur = this.b.newBlock(); // code before the first label is unreachable
    this.breakTargets.push(exit);
    try {
      this.stmt(bodyNode);
    } finally {
      this.breakTargets.pop();
    }
    this.b.jumpTo(exit);
  }

  private caseStmt(n: Ast): void {
    const blk = this.caseBlocks.get(n.start);
    if (blk === undefined) {
      this.warn(n, 'case label outside a switch');
    } else {
      this.b.jumpTo(blk); // fallthrough from the previous case
    }
    for (const k of n.kids) if (k.named && k.field !== 'value') this.stmt(k);
  }
}

export { GLOBAL_INIT };

// Lowers one parsed translation unit into the program: walks its top level with
// a TreeCursor, takes each header declaration once per program (prototypes
// lazily), lowers file-scope declarations and every function definition.
import type Parser from 'tree-sitter';
import type { Func, SourceLoc } from '../ir/types.js';
import { GLOBAL_INIT } from '../ir/types.js';
import { buildAst, child, syntaxErrors, type Ast } from './ast.js';
import { CfgBuilder } from './cfg.js';
import { DeclReader } from './decls.js';
import type { UnitEnv } from './lower-expr.js';
import { StmtLowerer } from './lower-stmt.js';
import type { Preprocessed } from './preprocess.js';
import type { ProgramBuilder } from './program.js';
import { Scope, type Sym } from './scope.js';
import { UnitSource } from './source.js';

const DECL_WRAPPERS = new Set(['pointer_declarator', 'attributed_declarator', 'parenthesized_declarator', 'array_declarator', 'function_declarator']);

/** The name under the declarator at the cursor, and whether it declares a function; the cursor returns. */
function declaratorName(c: Parser.TreeCursor, text: string): { name: string; isFunc: boolean } | undefined {
  let depth = 0;
  let isFunc = false;
  let result: { name: string; isFunc: boolean } | undefined;
  for (;;) {
    const t = c.nodeType;
    if (t === 'identifier') {
      result = { name: text.slice(c.startIndex, c.endIndex), isFunc };
      break;
    }
    if (!DECL_WRAPPERS.has(t)) break;
    if (t === 'function_declarator') isFunc = true;
    if (!c.gotoFirstChild()) break;
    depth++;
    let found = false;
    do {
      if (c.currentFieldName === 'declarator' || (t !== 'function_declarator' && t !== 'array_declarator' && t !== 'pointer_declarator' && c.nodeIsNamed && c.nodeType !== 'attribute_specifier')) {
        found = true;
        break;
      }
    } while (c.gotoNextSibling());
    if (!found) break;
  }
  for (; depth > 0; depth--) c.gotoParent();
  return result;
}

/**
 * Names declared by a header declaration that only declares functions or
 * `extern` variables (nothing to lower until used), or undefined. Cursor-only:
 * most of a header is such declarations, and SyntaxNode objects are costly.
 */
function lazyNames(c: Parser.TreeCursor, text: string, isDefinition: boolean): string[] | undefined {
  if (!c.gotoFirstChild()) return undefined;
  const names: string[] = [];
  let isExtern = false;
  let ok = true;
  do {
    const t = c.nodeType;
    if (t === 'storage_class_specifier') {
      const s = text.slice(c.startIndex, c.endIndex);
      if (s === 'static' && !isDefinition) ok = false;
      else if (s === 'extern') isExtern = true;
    } else if (t === 'typedef' || t === 'ERROR') {
      ok = false;
    } else if (c.currentFieldName === 'declarator') {
      const d = declaratorName(c, text);
      if (!d || (!d.isFunc && !isExtern)) ok = false;
      else names.push(d.name);
    }
  } while (ok && c.gotoNextSibling());
  c.gotoParent();
  return ok && names.length ? names : undefined;
}

export class UnitLowerer implements UnitEnv {
  readonly src: UnitSource;
  readonly decls: DeclReader;
  readonly fileScope: Scope;
  readonly unitTag: string;
  private readonly headerLowerer: StmtLowerer;
  private readonly fileLowerer: StmtLowerer;
  private currentPartial: { partial: boolean } | undefined;

  constructor(
    readonly prog: ProgramBuilder,
    pp: Preprocessed,
    private readonly tree: Parser.Tree,
    unitTag: string,
  ) {
    this.src = new UnitSource(pp, prog.originalFiles);
    this.unitTag = unitTag;
    this.fileScope = new Scope(prog.headerScope);
    this.decls = new DeclReader(prog.types, this.src, {
      warn: (n, m) => this.warn(n, m),
      sizeOfExpr: (e) => this.fileLowerer.sizeOfExpr(e),
    });
    this.headerLowerer = new StmtLowerer(this, prog.globalInit, GLOBAL_INIT, prog.headerScope);
    this.fileLowerer = new StmtLowerer(this, prog.globalInit, GLOBAL_INIT, this.fileScope);
  }

  warn(n: Ast, message: string, func?: string): void {
    this.prog.warn(this.src.loc(n.start), message, func === GLOBAL_INIT ? undefined : func);
  }

  lower(): void {
    let c = this.tree.walk();
    const checkErrors = this.tree.rootNode.hasError;
    const pp = this.src.pp;
    if (!c.gotoFirstChild()) return;
    do {
      const at = c.currentDescendantIndex;
      const start = c.startIndex;
      try {
        this.topLevelAt(c, checkErrors, pp);
      } catch (err) {
        // Only a construct nested beyond the stack gets here: report it, restore the cursor, go on.
        this.prog.warn(this.src.loc(start), `could not read this declaration: ${(err as Error).message}`);
        c = this.tree.walk();
        c.gotoDescendant(at);
      }
    } while (c.gotoNextSibling());
  }

  private topLevelAt(c: Parser.TreeCursor, checkErrors: boolean, pp: Preprocessed): void {
    const start = c.startIndex;
    const row = this.src.row(start);
    const fileIdx = pp.lineFile[row];
    if (fileIdx === pp.mainFile) {
      this.topLevel(buildAst(c, checkErrors), 'file');
      return;
    }
    const key = `${pp.files[fileIdx].path}:${pp.lineNo[row]}:${c.endIndex - start}:${c.nodeType}`;
    if (this.prog.seenHeaderDecls.has(key)) return;
    this.prog.seenHeaderDecls.add(key);
    // With syntax errors about, only system headers are taken lazily (their errors are not ours to report).
    if ((!checkErrors || pp.files[fileIdx].system) && this.lazyHeaderDecl(c, pp.files[fileIdx].system)) return;
    this.topLevel(buildAst(c, checkErrors), 'header');
  }

  /**
   * Function prototypes and extern variables from headers (and system-header
   * inline functions, whose bodies are skipped) become symbols resolved on
   * first use: most of a header is never used.
   */
  private lazyHeaderDecl(c: Parser.TreeCursor, system: boolean): boolean {
    const t = c.nodeType;
    if (t !== 'declaration' && !(t === 'function_definition' && system)) return false;
    const names = lazyNames(c, this.src.text, t === 'function_definition');
    if (!names) return false;
    const descendant = c.currentDescendantIndex;
    const scope = this.prog.headerScope;
    for (const name of names) {
      if (scope.syms.has(name)) continue;
      scope.syms.set(name, {
        kind: 'lazy',
        resolve: (): Sym => {
          const at = this.tree.walk();
          at.gotoDescendant(descendant);
          const ast = buildAst(at, false);
          const saved = this.headerLowerer.scope;
          try {
            if (ast.type === 'function_definition') {
              const spec = this.decls.specifiers(ast, scope);
              const di = this.decls.declarator(child(ast, 'declarator'), spec.type, scope);
              return { kind: 'func', name, key: name, type: di.type, isStatic: false };
            }
            scope.syms.delete(name);
            this.headerLowerer.declaration(ast, 'header');
          } finally {
            this.headerLowerer.scope = saved;
          }
          const s = scope.syms.get(name);
          return s && s.kind !== 'lazy' ? s : { kind: 'func', name, key: name, type: this.prog.types.func(this.prog.types.int, [], true), isStatic: false };
        },
      });
    }
    return true;
  }

  private topLevel(n: Ast, place: 'file' | 'header'): void {
    const lowerer = place === 'file' ? this.fileLowerer : this.headerLowerer;
    // tree-sitter-c marks the legal unnamed bit-field `int :32;` with a MISSING name: not an error.
    const errs = syntaxErrors(n).filter((e) => !(e.missing && e.type === 'field_identifier'));
    let funcName: string | undefined;
    if (n.type === 'function_definition') funcName = this.definitionName(n, lowerer.scope);
    for (const e of errs) {
      const what = e.missing ? `missing '${e.type}'` : `cannot parse '${this.src.of(e, 60)}'`;
      this.prog.warn(this.src.loc(e.start), `syntax error: ${what}${funcName ? ` (in function ${funcName}; its lowering is partial)` : ''}`, funcName);
    }
    try {
      switch (n.type) {
        case 'function_definition':
          this.functionDefinition(n, lowerer.scope, errs.length > 0);
          return;
        case 'declaration':
        case 'type_definition':
          lowerer.text = this.src.stmt(n);
          lowerer.declaration(n, place);
          return;
        case 'struct_specifier':
        case 'union_specifier':
        case 'enum_specifier':
          lowerer.tagDeclaration(n);
          return;
        case 'ERROR':
          // Keep whatever the parser recovered inside.
          for (const k of n.kids) if (k.type === 'function_definition' || k.type === 'declaration' || k.type === 'type_definition') this.topLevel(k, place);
          return;
        case 'linkage_specification':
          for (const k of n.kids) if (k.type === 'declaration_list') for (const d of k.kids) this.topLevel(d, place);
          return;
        default:
          return;
      }
    } catch (err) {
      this.prog.warn(this.src.loc(n.start), `could not lower this ${n.type.replace(/_/g, ' ')}: ${(err as Error).message}`, funcName);
    }
  }

  private definitionName(n: Ast, scope: Scope): string | undefined {
    try {
      const spec = this.decls.specifiers(n, scope);
      return this.decls.declarator(child(n, 'declarator'), spec.type, scope).name;
    } catch {
      return undefined;
    }
  }

  private functionDefinition(n: Ast, scope: Scope, hasErrors: boolean): void {
    const spec = this.decls.specifiers(n, scope);
    const di = this.decls.declarator(child(n, 'declarator'), spec.type, scope);
    if (!di.name) return;
    const type = this.prog.types.isFunction(di.type) ? di.type : this.prog.types.func(di.type, [], false);
    const sym = this.fileLowerer.declareFunction(di.name, type, spec.storage === 'static', scope);
    const key = sym.kind === 'func' ? sym.key : di.name;
    if (sym.kind === 'func') sym.type = type;
    if (this.prog.functions.has(key)) {
      this.warn(n, `function '${di.name}' is defined more than once; the first definition is kept`);
      return;
    }
    const loc: SourceLoc = this.src.loc((di.nameNode ?? n).start);
    const locals: number[] = [];
    const b = new CfgBuilder(key, (nm, t, f, l) => this.prog.newVar(nm, 'temp', t, l, f), locals);
    const fscope = new Scope(scope);
    const lowerer = new StmtLowerer(this, b, key, fscope);
    const params = (di.params ?? []).map((p, i) => {
      const v = this.prog.newVar(p.name ?? `arg${i}`, 'param', p.type, this.src.loc(p.node.start), key);
      if (p.name) fscope.syms.set(p.name, { kind: 'var', var: v });
      return v;
    });
    const func: Func = {
      key,
      name: di.name,
      isStatic: sym.kind === 'func' ? sym.isStatic : spec.storage === 'static',
      loc,
      type,
      params,
      locals,
      variadic: di.variadic ?? false,
      blocks: [],
      entry: 0,
      exit: 0,
    };
    this.prog.functions.set(key, func);
    let failed = false;
    const body = child(n, 'body');
    try {
      if (body) for (const k of body.kids) if (k.named) lowerer.safeStmt(k);
    } catch (err) {
      failed = true;
      this.prog.warn(this.src.loc(n.start), `lowering of function ${di.name} stopped early: ${(err as Error).message}`, key);
    }
    // Falling off the end returns.
    const cur = b.cur;
    const reached = cur === 0 || b.blocks.some((blk) => blk.succs.includes(cur));
    if (reached) {
      const end = body ? { ...body, start: Math.max(body.end - 1, body.start) } : n;
      b.emit({ kind: 'ret', loc: this.src.loc(end.start), text: '}' });
      lowerer.retBlocks.add(cur);
    }
    const { blocks, exit } = b.finish(lowerer.retBlocks);
    func.blocks = blocks;
    func.exit = exit;
    if (hasErrors || failed || lowerer.partial) func.partial = true;
  }
}

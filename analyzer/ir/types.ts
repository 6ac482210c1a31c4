// IR and CFG types of the whole linked program: only data, no builders.
// The front end produces a Program; every later stage only reads it (DESIGN §2, §3).

/** Where a thing came from in the original (pre-preprocessing) source. */
export interface SourceLoc {
  /** Path of the original file as the line markers name it. */
  file: string;
  /** 1-based line in `file`. */
  line: number;
  /** 1-based column. */
  column: number;
}

/** Program-wide dense ids, assigned in a deterministic order (file order, then source order). */
export type VarId = number;
export type TypeId = number;
export type InstrId = number;
/** Index of a block inside its function's `blocks` array. */
export type BlockId = number;

// ---------------------------------------------------------------- types

export type CType =
  | { kind: 'void' }
  | { kind: 'int'; name: string; size: number; signed: boolean }
  | { kind: 'float'; name: string; size: number }
  | { kind: 'pointer'; to: TypeId }
  | { kind: 'array'; of: TypeId; /** undefined for `T a[]` / flexible members */ length?: number }
  | { kind: 'struct' | 'union'; tag?: string; fields: Field[]; /** false for a forward declaration never completed */ complete: boolean }
  | { kind: 'enum'; tag?: string; constants: { name: string; value: number }[] }
  | { kind: 'function'; ret: TypeId; params: TypeId[]; variadic: boolean }
  | { kind: 'typedef'; name: string; to: TypeId };

export interface Field {
  name: string;
  type: TypeId;
  /** Bit width for bit-fields. */
  bits?: number;
  /** An anonymous struct/union member (C11); its own fields are reached through it. Named `<anonN>`. */
  anonymous?: boolean;
}

// ---------------------------------------------------------------- variables

/**
 * Scope in the report's words (DESIGN §8): `global` (external linkage),
 * `static` (file static, or function static when `function` is set), `local`,
 * `param`. `temp` is a compiler temporary introduced by lowering; `string` and
 * `compound` are anonymous objects for string literals and compound literals.
 */
export type VarScope = 'global' | 'static' | 'local' | 'param' | 'temp' | 'string' | 'compound';

export interface Variable {
  id: VarId;
  /** Source name; temporaries are `%tN`, string literals `.strN`. */
  name: string;
  scope: VarScope;
  type: TypeId;
  /** Enclosing function key for local, param, temp and function-static variables. */
  function?: string;
  /** Where declared (the definition for linked externs). */
  loc: SourceLoc;
  /** True when `&v` appears anywhere, or v is an array/struct accessed through memory. */
  addressTaken: boolean;
  /** For string literals: the literal's text (without quotes). */
  text?: string;
}

// ---------------------------------------------------------------- instructions

export type Operand =
  | { kind: 'var'; var: VarId }
  | { kind: 'const'; text: string };

export interface InstrBase {
  id: InstrId;
  loc: SourceLoc;
  /**
   * The source text of the statement or expression this instruction was lowered
   * from (shared between the instructions of one statement), for reports and
   * for the instrumenter.
   */
  text: string;
}

/** dst = &target  (target is a variable/object or a function). */
export interface AddrOf extends InstrBase {
  kind: 'addr';
  dst: VarId;
  target: { kind: 'var'; var: VarId } | { kind: 'func'; name: string };
}

/**
 * dst = op(srcs): plain assignment, casts (including integer ↔ pointer),
 * arithmetic, comparisons. A pointer moved by arithmetic is a copy of the
 * pointer operand (it still points into the same object).
 */
export interface Copy extends InstrBase {
  kind: 'copy';
  dst: VarId;
  srcs: Operand[];
  /** '=' for plain assignment, 'cast', or the C operator ('+', '==', '!', '?:' ...). */
  op: string;
  /** Type of the value moved (aggregate copies matter to field-sensitive analysis). */
  type: TypeId;
}

/**
 * dst = &base->field  or  dst = &base[index]  or dst = base + index (pointer arithmetic).
 * `base` holds a pointer. Exactly one of `field` / `index` is set.
 */
export interface Gep extends InstrBase {
  kind: 'gep';
  dst: VarId;
  base: VarId;
  /** Struct/union member name, with the aggregate type it belongs to. */
  field?: { name: string; index: number; aggregate: TypeId };
  /** Array subscript or pointer-arithmetic offset. */
  index?: Operand;
}

/** dst = *addr */
export interface Load extends InstrBase {
  kind: 'load';
  dst: VarId;
  addr: VarId;
  type: TypeId;
}

/** *addr = src */
export interface Store extends InstrBase {
  kind: 'store';
  addr: VarId;
  src: Operand;
  type: TypeId;
}

/** dst = callee(args) for a direct call (defined function or external). */
export interface Call extends InstrBase {
  kind: 'call';
  /** Function key (see Func.key) for defined functions, else the external's name. */
  callee: string;
  args: Operand[];
  dst?: VarId;
}

/** dst = (*target)(args): a call through a function pointer (variable or struct field). */
export interface ICall extends InstrBase {
  kind: 'icall';
  target: VarId;
  args: Operand[];
  dst?: VarId;
}

/** return value; always the last instruction of its block, whose successor is the exit block. */
export interface Ret extends InstrBase {
  kind: 'ret';
  value?: Operand;
}

/**
 * The condition that decides a block's successors (if/while/for/do/?:/&&/||/switch).
 * Always the last instruction of its block. For `if`-like branches succs are
 * [true, false]; for `switch` they are the case targets in order with the
 * default (or the fall-out block) last, and `cases` lists the case labels.
 */
export interface Branch extends InstrBase {
  kind: 'branch';
  cond: Operand[];
  cases?: string[];
}

export type Instr = AddrOf | Copy | Gep | Load | Store | Call | ICall | Ret | Branch;
export type InstrKind = Instr['kind'];

// ---------------------------------------------------------------- CFG

export interface Block {
  id: BlockId;
  instrs: Instr[];
  succs: BlockId[];
  preds: BlockId[];
  /** Source label (`out:`), loop role or other note, for printing and DOT. */
  label?: string;
}

export interface Func {
  /**
   * Unique key: the name for external-linkage functions; `file.c:name` for a
   * static function whose name is also used elsewhere.
   */
  key: string;
  name: string;
  isStatic: boolean;
  loc: SourceLoc;
  type: TypeId;
  params: VarId[];
  /** Locals, function statics and temporaries declared in this function. */
  locals: VarId[];
  variadic: boolean;
  blocks: Block[];
  /** Entry block: always 0. */
  entry: BlockId;
  /**
   * The unique exit block (empty, no successors). Every `ret` block jumps to
   * it. For functions that never return (e.g. `while (1)` packet loops) it is
   * still present but may be unreachable; later stages add the edges they need.
   */
  exit: BlockId;
  /** Functions with unparseable regions: the lowering is incomplete there. */
  partial?: boolean;
}

export type Severity = 'warning' | 'error';

export interface Diagnostic {
  severity: Severity;
  loc: SourceLoc;
  message: string;
  /** Function whose lowering was affected, if any. */
  function?: string;
}

export interface TranslationUnitInfo {
  file: string;
  /** Lines of preprocessed text. */
  preprocessedLines: number;
  /** Lines of the original file. */
  sourceLines: number;
}

export interface Program {
  units: TranslationUnitInfo[];
  types: CType[];
  vars: Variable[];
  /** Defined functions by key, in deterministic order. */
  functions: Map<string, Func>;
  /**
   * Global and static initializers lowered into one synthetic function
   * (key GLOBAL_INIT) that runs before main: `T *tbl[] = {&a, f}` becomes addr/store.
   */
  globalInit: Func;
  /** Names of functions called or address-taken but not defined in the program. */
  externals: Set<string>;
  diagnostics: Diagnostic[];
  /** Every instruction by id, for O(1) lookup by later stages. */
  instrs: Instr[];
  /** The function key each instruction belongs to (indexed by InstrId). */
  instrFunc: string[];
}

export const GLOBAL_INIT = '<global-init>';

// A compact syntax tree built from tree-sitter-c with one TreeCursor walk per
// needed declaration: JS objects only for what lowering reads (DESIGN §3 speed).
import type Parser from 'tree-sitter';

export interface Ast {
  type: string;
  /** The tree-sitter field name under the parent (`declarator`, `value`, ...). */
  field: string | null;
  /** UTF-16 offsets into the unit's preprocessed text. */
  start: number;
  end: number;
  named: boolean;
  /** Set for nodes the parser inserted (MISSING) — only looked for in trees with errors. */
  missing?: boolean;
  kids: Ast[];
}

/** Punctuation that carries no meaning once the tree has fields. */
const PUNCT = new Set([';', ',', '(', ')', '{', '}', '[', ']', ':']);
/** Anonymous tokens without a field that lowering still reads. */
const KEEP_TOKENS = new Set(['typedef', '...']);
/** Nodes read only by their text: their children are never built. */
const LEAVES = new Set(['identifier', 'field_identifier', 'type_identifier', 'statement_identifier', 'primitive_type', 'number_literal', 'char_literal', 'string_literal', 'system_lib_string', 'true', 'false', 'null']);

/**
 * Type and field names by numeric id, filled on first sight: reading ids from
 * the cursor is cheaper than marshalling a string per node (one language only).
 */
const typeNames: string[] = [];
const typeNamed: boolean[] = [];
const fieldNames: string[] = [];

function typeAt(c: Parser.TreeCursor): number {
  const id = c.nodeTypeId;
  if (typeNames[id] === undefined) {
    typeNames[id] = c.nodeType;
    typeNamed[id] = c.nodeIsNamed;
  }
  return id;
}

function nodeAt(c: Parser.TreeCursor, id: number, checkMissing: boolean): Ast {
  const fid = c.currentFieldId;
  let field: string | null = null;
  if (fid) {
    field = fieldNames[fid];
    if (field === undefined) field = fieldNames[fid] = c.currentFieldName;
  }
  const node: Ast = { type: typeNames[id], field, start: c.startIndex, end: c.endIndex, named: typeNamed[id], kids: [] };
  if (checkMissing && c.nodeIsMissing) node.missing = true;
  return node;
}

/**
 * Builds the subtree at the cursor; leaves the cursor where it started.
 * Iterative, so expressions nested thousands deep (`a + a + ...`) cannot overflow the stack.
 */
export function buildAst(c: Parser.TreeCursor, checkMissing: boolean): Ast {
  const root = nodeAt(c, typeAt(c), checkMissing);
  if (LEAVES.has(root.type) || !c.gotoFirstChild()) return root;
  const parents: Ast[] = [root];
  for (;;) {
    const parent = parents[parents.length - 1];
    const id = typeAt(c);
    const kt = typeNames[id];
    // Anonymous tokens matter only as fields (operators) or as the words of `unsigned long`.
    const skip = !typeNamed[id] && (PUNCT.has(kt) || (parent.type !== 'sized_type_specifier' && !c.currentFieldId && !KEEP_TOKENS.has(kt)));
    if (!skip) {
      const node = nodeAt(c, id, checkMissing);
      parent.kids.push(node);
      if (!LEAVES.has(node.type) && c.gotoFirstChild()) {
        parents.push(node);
        continue;
      }
    }
    while (!c.gotoNextSibling()) {
      c.gotoParent();
      parents.pop();
      if (parents.length === 0) return root;
    }
  }
}

export function child(n: Ast, field: string): Ast | undefined {
  for (const k of n.kids) if (k.field === field) return k;
  return undefined;
}

export function children(n: Ast, field: string): Ast[] {
  return n.kids.filter((k) => k.field === field);
}

export function namedKids(n: Ast): Ast[] {
  return n.kids.filter((k) => k.named);
}

export function firstOfType(n: Ast, type: string): Ast | undefined {
  for (const k of n.kids) if (k.type === type) return k;
  return undefined;
}

/** Depth-first search for nodes matching `pred` (not descending into matches); iterative. */
export function findAll(n: Ast, pred: (a: Ast) => boolean, out: Ast[] = []): Ast[] {
  const stack: Ast[] = [n];
  while (stack.length) {
    const x = stack.pop()!;
    if (pred(x)) {
      out.push(x);
      continue;
    }
    for (let i = x.kids.length - 1; i >= 0; i--) stack.push(x.kids[i]);
  }
  return out;
}

/** ERROR and MISSING nodes under n, in source order. */
export function syntaxErrors(n: Ast): Ast[] {
  return findAll(n, (a) => a.type === 'ERROR' || a.missing === true).flatMap((e) => (e.type === 'ERROR' ? [e, ...findAll({ ...e, type: '' }, (a) => a.missing === true)] : [e]));
}

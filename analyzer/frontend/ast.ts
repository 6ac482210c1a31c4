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

/** Builds the subtree at the cursor; leaves the cursor where it started. */
export function buildAst(c: Parser.TreeCursor, checkMissing: boolean): Ast {
  const id = c.nodeTypeId;
  let type = typeNames[id];
  if (type === undefined) {
    type = typeNames[id] = c.nodeType;
    typeNamed[id] = c.nodeIsNamed;
  }
  const fid = c.currentFieldId;
  let field: string | null = null;
  if (fid) {
    field = fieldNames[fid];
    if (field === undefined) field = fieldNames[fid] = c.currentFieldName;
  }
  const node: Ast = { type, field, start: c.startIndex, end: c.endIndex, named: typeNamed[id], kids: [] };
  if (checkMissing && c.nodeIsMissing) node.missing = true;
  if (LEAVES.has(type)) return node;
  const keepKeywords = type === 'sized_type_specifier';
  if (c.gotoFirstChild()) {
    do {
      const k = c.nodeTypeId;
      let kt = typeNames[k];
      if (kt === undefined) {
        kt = typeNames[k] = c.nodeType;
        typeNamed[k] = c.nodeIsNamed;
      }
      // Anonymous tokens matter only as fields (operators) or as the words of `unsigned long`.
      if (!typeNamed[k] && (PUNCT.has(kt) || (!keepKeywords && !c.currentFieldId && !KEEP_TOKENS.has(kt)))) continue;
      node.kids.push(buildAst(c, checkMissing));
    } while (c.gotoNextSibling());
    c.gotoParent();
  }
  return node;
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

/** Depth-first search for nodes of the given types (stopping at matches). */
export function findAll(n: Ast, pred: (a: Ast) => boolean, out: Ast[] = []): Ast[] {
  if (pred(n)) {
    out.push(n);
    return out;
  }
  for (const k of n.kids) findAll(k, pred, out);
  return out;
}

/** ERROR and MISSING nodes under n. */
export function syntaxErrors(n: Ast, out: Ast[] = []): Ast[] {
  if (n.type === 'ERROR' || n.missing) out.push(n);
  for (const k of n.kids) syntaxErrors(k, out);
  return out;
}

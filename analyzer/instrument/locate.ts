// Source positions → text edits for the instrumented copy: where a mark goes
// for a statement at file:line:column, which call to rename for a receive
// site, where `main` is named. Uses tree-sitter-c on the ORIGINAL file, and
// inserts no newlines, so every original line keeps its number.
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';

type Node = Parser.SyntaxNode;

export interface Edit {
  /** Offset in the original text (JS string index). */
  at: number;
  /** Characters to replace (0 = pure insertion). */
  del: number;
  text: string;
  /** Among insertions at one offset, lower goes first. */
  rank: number;
}

let parser: Parser | undefined;

export class SourceFile {
  readonly tree: Parser.Tree;
  private readonly lineStarts: number[] = [0];

  constructor(readonly path: string, readonly text: string) {
    parser ??= new Parser();
    parser.setLanguage(C as unknown as Parser.Language);
    this.tree = parser.parse(text, null, { bufferSize: Math.max(32 * 1024, text.length * 2 + 16) });
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  offset(line: number, column: number): number {
    return (this.lineStarts[line - 1] ?? this.text.length) + column - 1;
  }

  /** The token at a position; a position in blanks (some IR columns count from 0) takes the next token. */
  nodeAt(line: number, column: number): Node {
    for (const c of [column - 1, column]) {
      const n = this.tree.rootNode.descendantForPosition({ row: line - 1, column: c });
      if (n.childCount === 0) return n;
    }
    return this.tree.rootNode.descendantForPosition({ row: line - 1, column: column - 1 });
  }

  /** The definition of function `name`'s declarator identifier. */
  functionName(name: string): Node | undefined {
    for (const d of this.tree.rootNode.descendantsOfType('function_definition')) {
      let decl: Node | null = d.childForFieldName('declarator');
      while (decl && decl.type !== 'identifier') decl = decl.childForFieldName('declarator');
      if (decl?.text === name) return decl;
    }
    return undefined;
  }
}

/** Open/close around a node; nested wraps at one offset close inner-first. */
function wrap(n: Node, open: string, close: string): Edit[] {
  const len = (n.endIndex - n.startIndex) / 1e9;
  return [
    { at: n.startIndex, del: 0, text: open, rank: -len },
    { at: n.endIndex, del: 0, text: close, rank: 10 + len },
  ];
}

const BRACEABLE = new Set(['expression_statement', 'return_statement', 'break_statement', 'continue_statement', 'goto_statement']);
const LOOPS = new Set(['while_statement', 'do_statement', 'if_statement', 'switch_statement']);

/**
 * Where to put code that must run before the statement containing (line, col)
 * executes, each time it executes: returns the edits that wrap it, keyed so marks
 * for one place can merge. `null` when no statement encloses the position.
 */
export interface Placement {
  key: string;
  /** Makes the edits for a C expression (no trailing ';'). */
  edits(code: string): Edit[];
}

export function placeBefore(src: SourceFile, line: number, column: number): Placement | null {
  let n: Node | null = src.nodeAt(line, column);
  while (n) {
    const p: Node | null = n.parent;
    if (BRACEABLE.has(n.type)) {
      const s = n;
      return {
        key: `s${s.startIndex}`,
        edits: (code) => [
          ...wrap(s, `{ ${code}; `, ' }'),
        ],
      };
    }
    if (n.type === 'declaration' && p && p.type !== 'for_statement') {
      const s = n;
      return { key: `d${s.startIndex}`, edits: (code) => [{ at: s.startIndex, del: 0, text: `${code}; `, rank: 0 }] };
    }
    if (p && LOOPS.has(p.type) && p.childForFieldName('condition')?.id === n.id) {
      // The condition runs on every test: prefix it with a comma expression.
      const open = n.startIndex + (n.text.startsWith('(') ? 1 : 0);
      const close = n.endIndex - (n.text.endsWith(')') ? 1 : 0);
      return {
        key: `c${open}`,
        edits: (code) => [
          { at: open, del: 0, text: `(${code}, `, rank: -(close - open) / 1e9 },
          { at: close, del: 0, text: ')', rank: 10 + (close - open) / 1e9 },
        ],
      };
    }
    if (p && p.type === 'for_statement') {
      const cond = p.childForFieldName('condition');
      const upd = p.childForFieldName('update');
      if (cond?.id === n.id || upd?.id === n.id) {
        const e = n;
        return {
          key: `f${e.startIndex}`,
          edits: (code) => [
            ...wrap(e, `(${code}, `, ')'),
          ],
        };
      }
      if (p.childForFieldName('initializer')?.id === n.id || n.type === 'declaration') {
        const f = p; // the initializer runs once, before the loop
        return {
          key: `s${f.startIndex}`,
          edits: (code) => [
            ...wrap(f, `{ ${code}; `, ' }'),
          ],
        };
      }
    }
    if (n.type === 'function_definition' || n.type === 'translation_unit') return null;
    n = p;
  }
  return null;
}

/**
 * Is the object declared at `line` named `name` const itself (`static const T x[]`,
 * not `const T *x`)? Such an object can never change, so it never moves.
 */
export function isReadOnlyDecl(src: SourceFile, line: number, name: string): boolean {
  for (const d of src.tree.rootNode.descendantsOfType('declaration')) {
    if (d.startPosition.row > line - 1 || d.endPosition.row < line - 1) continue;
    const isConst = d.children.some((c) => c.type === 'type_qualifier' && c.text === 'const');
    for (const decl of d.childrenForFieldName('declarator')) {
      let n: Node | null = decl.type === 'init_declarator' ? decl.childForFieldName('declarator') : decl;
      let viaPointer = false;
      while (n && n.type !== 'identifier') {
        if (n.type === 'pointer_declarator') {
          viaPointer = true;
          // `T *const p`: the pointer itself is const
          if (n.children.some((c) => c.type === 'type_qualifier' && c.text === 'const')) return true;
        }
        n = n.childForFieldName('declarator');
      }
      if (n?.text === name) return isConst && !viaPointer;
    }
  }
  return false;
}

/** Calls to `callee` inside the statement holding (line, col). */
export function callsAt(src: SourceFile, line: number, column: number, callee: string): Node[] {
  let n: Node | null = src.nodeAt(line, column);
  while (n && !/(_statement|declaration)$/.test(n.type)) n = n.parent;
  if (!n) return [];
  const stmt = n;
  // The statement's own calls, not those of nested statements (a loop body).
  return stmt.descendantsOfType('call_expression').filter((c) => {
    const f = c.childForFieldName('function');
    if (f?.type !== 'identifier' || f.text !== callee) return false;
    for (let q: Node | null = c.parent; q && q.id !== stmt.id; q = q.parent) if (/_statement$/.test(q.type) && q.type !== 'expression_statement') return false;
    return true;
  });
}

/** Applies edits to a text (insertions at one offset in rank order). */
export function applyEdits(text: string, edits: Edit[]): string {
  const sorted = [...edits].sort((a, b) => a.at - b.at || a.rank - b.rank);
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    if (e.at < pos) continue; // overlapping replacement: first one wins
    out += text.slice(pos, e.at) + e.text;
    pos = e.at + e.del;
  }
  return out + text.slice(pos);
}

// One preprocessed translation unit as lowering sees it: node text and the
// original file:line:col of any offset (through the line markers).
import { readFileSync } from 'node:fs';
import type { SourceLoc } from '../ir/types.js';
import type { Ast } from './ast.js';
import type { Preprocessed } from './preprocess.js';

/** Original files by path (null: unreadable), shared by the units of one load. */
export type OriginalFiles = Map<string, string[] | null>;

const fold = (s: string, max: number): string => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
};

export class UnitSource {
  readonly text: string;
  constructor(
    readonly pp: Preprocessed,
    private readonly originals: OriginalFiles = new Map(),
  ) {
    this.text = pp.text;
  }

  private original(file: string): string[] | null {
    let lines = this.originals.get(file);
    if (lines === undefined) {
      try {
        lines = readFileSync(file, 'utf8').split('\n');
      } catch {
        lines = null;
      }
      this.originals.set(file, lines);
    }
    return lines;
  }

  /**
   * A statement's text as the programmer wrote it: the preprocessed text when it
   * is the original verbatim, else (macros, comments) the original lines it spans.
   */
  stmt(n: Ast, max = 400): string {
    const a = this.loc(n.start);
    const b = this.loc(Math.max(n.start, n.end - 1));
    const lines = a.file === b.file && b.line >= a.line && b.line - a.line < 50 ? this.original(a.file) : null;
    if (!lines || b.line > lines.length) return this.of(n, max);
    const pre = this.raw(n);
    const exact =
      a.line === b.line
        ? lines[a.line - 1].slice(a.column - 1, b.column)
        : [lines[a.line - 1].slice(a.column - 1), ...lines.slice(a.line, b.line - 1), lines[b.line - 1].slice(0, b.column)].join('\n');
    if (exact === pre) return fold(pre, max);
    const span = lines.slice(a.line - 1, b.line).join('\n').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, ' ');
    return fold(span, max);
  }

  /** Index of the preprocessed line holding `offset`. */
  row(offset: number): number {
    const ls = this.pp.lineStart;
    let lo = 0;
    let hi = ls.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ls[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  loc(offset: number): SourceLoc {
    const r = this.row(offset);
    return {
      file: this.pp.files[this.pp.lineFile[r]]?.path ?? this.pp.unit.file,
      line: this.pp.lineNo[r],
      column: offset - this.pp.lineStart[r] + 1,
    };
  }

  /** Index in pp.files of the original file holding `offset`. */
  fileAt(offset: number): number {
    return this.pp.lineFile[this.row(offset)];
  }

  /** Node text with runs of whitespace folded, as reports and the instrumenter quote it. */
  of(n: Ast, max = 400): string {
    const s = this.text.slice(n.start, Math.min(n.end, n.start + max * 2)).replace(/\s+/g, ' ').trim();
    return s.length > max ? `${s.slice(0, max)}…` : s;
  }

  raw(n: Ast): string {
    return this.text.slice(n.start, n.end);
  }
}

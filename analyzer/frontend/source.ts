// One preprocessed translation unit as lowering sees it: node text and the
// original file:line:col of any offset (through the line markers).
import type { SourceLoc } from '../ir/types.js';
import type { Ast } from './ast.js';
import type { Preprocessed } from './preprocess.js';

export class UnitSource {
  readonly text: string;
  constructor(readonly pp: Preprocessed) {
    this.text = pp.text;
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

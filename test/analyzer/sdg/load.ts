// Test helper: C file → Program (real front end) → PointsTo (real Andersen) → SDG.
import { fileURLToPath } from 'node:url';
import { loadProgram } from '../../../analyzer/frontend/index.js';
import type { Instr } from '../../../analyzer/ir/types.js';
import { analyzePointers } from '../../../analyzer/pointer/index.js';
import { buildSdg, type Sdg, type VertexId } from '../../../analyzer/sdg/index.js';

export const cDir = fileURLToPath(new URL('./c/', import.meta.url));

export function sdgOfFile(path: string): Sdg {
  const program = loadProgram([path]);
  return buildSdg(program, analyzePointers(program));
}

/** Line of the first line of `file` containing `needle` (tests name statements by text, not by number). */
export function lineOf(src: string, needle: string): number {
  // Skip the header comment, which quotes statements.
  const start = src.slice(0, src.indexOf('*/')).split('\n').length;
  const i = src.split('\n').findIndex((l, k) => k >= start && l.includes(needle));
  if (i < 0) throw new Error(`no line contains ${needle}`);
  return i + 1;
}

export function instrsOnLine(sdg: Sdg, line: number): Instr[] {
  return sdg.program.instrs.filter((i) => i && i.loc.line === line);
}

/** Lines of the statements that control-depend sources of `v` lie on ('entry' for the procedure entry). */
export function controllerLines(sdg: Sdg, v: VertexId): (number | 'entry')[] {
  const out = new Set<number | 'entry'>();
  for (const e of sdg.graph.inEdges(v)) {
    if (e.label !== 'control') continue;
    const x = sdg.vertices[e.from]!;
    out.add(x.kind === 'entry' ? 'entry' : sdg.program.instrs[x.instr!]!.loc.line);
  }
  return [...out].sort();
}

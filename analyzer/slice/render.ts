// Turning vertex sets into what people read: sorted unique `file:line  text`
// statements, the procedures a slice touches, and DOT with one cluster per procedure.
import { readFileSync } from 'node:fs';
import { type DotEdge, type DotNode, type DotCluster, writeDot } from '../graph/index.js';
import type { Sdg, VertexId } from '../sdg/index.js';
import type { VertexSet } from './slice.js';

export interface Statement {
  file: string;
  line: number;
  /** The source line (trimmed) when the file is readable, else the IR's statement text. */
  text: string;
}

const sourceCache = new Map<string, string[] | null>();

function sourceLine(file: string, line: number): string | undefined {
  let lines = sourceCache.get(file);
  if (lines === undefined) {
    try {
      lines = readFileSync(file, 'utf8').split(/\r?\n/);
    } catch {
      lines = null;
    }
    sourceCache.set(file, lines);
  }
  return lines?.[line - 1]?.trim();
}

/**
 * The source statements of a vertex set, sorted by file then line, one per line:
 * instruction vertices, and the call of actual-in/out vertices (a forward slice
 * reaches a call through the argument it passes, not the call vertex itself).
 */
export function statementsOf(sdg: Sdg, set: VertexSet | Iterable<VertexId>): Statement[] {
  const vs = 'vertices' in set ? set.vertices : set;
  const seen = new Map<string, Statement>();
  for (const v of vs) {
    const x = sdg.vertices[v]!;
    if (x.instr === undefined) continue;
    const i = sdg.program.instrs[x.instr!]!;
    const key = `${i.loc.file}\0${i.loc.line}`;
    if (seen.has(key)) continue;
    seen.set(key, { file: i.loc.file, line: i.loc.line, text: sourceLine(i.loc.file, i.loc.line) || i.text });
  }
  return [...seen.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
}

export function formatStatements(st: readonly Statement[]): string {
  return st.map((s) => `${s.file}:${s.line}  ${s.text}\n`).join('');
}

/** Procedures with at least one vertex in the set (StateAlyzr's pktProcs from a forward slice). */
export function functionsOf(sdg: Sdg, set: VertexSet): string[] {
  return [...new Set(set.vertices.map((v) => sdg.vertices[v]!.func))].sort();
}

const EDGE_STYLE: Record<string, Record<string, string>> = {
  control: { color: 'blue' },
  data: { color: 'darkgreen' },
  call: { color: 'black', style: 'bold' },
  'param-in': { color: 'orange', style: 'dashed' },
  'param-out': { color: 'orange', style: 'dashed' },
  summary: { color: 'gray', style: 'dotted' },
  interference: { color: 'red', style: 'dashed' },
};

/** DOT of the subgraph induced by a vertex set, clustered by procedure, edges coloured by kind. */
export function sliceToDot(sdg: Sdg, set: VertexSet, name = 'slice'): string {
  const nodes: DotNode[] = [];
  const clusters = new Map<string, string[]>();
  for (const v of set.vertices) {
    const x = sdg.vertices[v]!;
    const id = 'v' + v;
    nodes.push({ id, label: sdg.describe(v), attrs: x.kind === 'instr' ? {} : { shape: 'ellipse' } });
    let c = clusters.get(x.func);
    if (!c) clusters.set(x.func, (c = []));
    c.push(id);
  }
  const edges: DotEdge[] = [];
  for (const v of set.vertices)
    for (const e of sdg.graph.outEdges(v))
      if (set.has(e.to)) edges.push({ from: 'v' + v, to: 'v' + e.to, label: e.label, attrs: EDGE_STYLE[e.label] });
  const cl: DotCluster[] = [...clusters].map(([f, ns]) => ({ id: f, label: f, nodes: ns }));
  return writeDot(name, nodes, edges, cl);
}

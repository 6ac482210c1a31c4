// The paper's Figure 3: the forward slice from the pcap_next call must reach
// processPacket (started by pthread_create) only through data — the queue —
// never through a call or control edge (paper §4.1.2, Figure 6).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Sdg, VertexId } from '../../../analyzer/sdg/index.js';
import { criterionAt, explainPath, forwardSlice, functionsOf, type VertexSet } from '../../../analyzer/slice/index.js';
import { cDir, lineOf, sdgOfFile } from './load.js';

function entering(sdg: Sdg, s: VertexSet, func: string) {
  const kinds = new Set<string>();
  for (const v of s.vertices) {
    if (sdg.vertices[v]!.func !== func) continue;
    for (const e of sdg.graph.inEdges(v)) if (s.has(e.from) && sdg.vertices[e.from]!.func !== func) kinds.add(e.label);
  }
  return kinds;
}

function check(sdg: Sdg, pcapNext: VertexId[], dequeueLine: { file: string; line: number }, strict: boolean) {
  const s = forwardSlice(sdg, pcapNext);
  expect(functionsOf(sdg, s)).toContain('processPacket');
  // processPacket's entry (reached only by the call edge from pthread_create) is not in the slice.
  expect(s.has(sdg.entryOf('processPacket')!)).toBe(false);
  const kinds = entering(sdg, s, 'processPacket');
  expect([...kinds].some((k) => k === 'data' || k === 'interference')).toBe(true);
  if (strict) {
    expect(kinds.has('call')).toBe(false);
    expect(kinds.has('control')).toBe(false);
    expect(kinds.has('param-in')).toBe(false);
  }
  // Every processPacket vertex of the slice is reached without entering processPacket
  // by a call, control or param-in edge (in a bigger program other entries may exist,
  // e.g. through the thread's own effects on state read before it started; they add nothing).
  const inPP = (v: VertexId) => sdg.vertices[v]!.func === 'processPacket';
  const seen = new Set<VertexId>(pcapNext);
  const todo = [...pcapNext];
  while (todo.length > 0) {
    const v = todo.pop()!;
    for (const e of sdg.graph.outEdges(v)) {
      if (!s.has(e.to) || seen.has(e.to)) continue;
      if (inPP(e.to) && !inPP(v) && (e.label === 'call' || e.label === 'control' || e.label === 'param-in')) continue;
      seen.add(e.to);
      todo.push(e.to);
    }
  }
  const ppInSlice = s.vertices.filter(inPP);
  expect(ppInSlice.length).toBeGreaterThan(0);
  expect(ppInSlice.filter((v) => !seen.has(v)).map((v) => sdg.describe(v))).toEqual([]);
  // The explanation goes through the queue: written by enqueue, read in the thread (interference).
  const at = criterionAt(sdg, dequeueLine.file, dequeueLine.line);
  const calls = at.flatMap((v) => sdg.actualOuts(sdg.vertices[v]!.instr!));
  const target = [...at, ...calls].filter((v) => s.has(v));
  const path = explainPath(sdg, pcapNext, target[0]!, s)!;
  expect(path.map((p) => p.kind)).toContain('interference');
  const entries = path.filter((p) => sdg.vertices[p.to]!.func === 'processPacket' && sdg.vertices[p.from]!.func !== 'processPacket');
  expect(entries.length).toBeGreaterThan(0);
  for (const p of entries) expect(['data', 'interference']).toContain(p.kind);
  const via = path.find((p) => p.kind === 'interference')!;
  // ... from a write in enqueue (the queue slot or its head index).
  expect(sdg.vertices[via.from]!.func).toBe('enqueue');
  // Negative control: without the data edges into the thread, nothing reaches it.
  expect(explainPath(sdg, pcapNext, target[0]!, undefined, new Set(['interference']))).toBeUndefined();
}

describe('Figure 3 (paper running example)', () => {
  it('reaches processPacket from pcap_next only through the queue', () => {
    const file = join(cDir, 'fig3.c');
    const src = readFileSync(file, 'utf8');
    const sdg = sdgOfFile(file);
    check(sdg, criterionAt(sdg, file, lineOf(src, 'pcap_next(')), { file, line: lineOf(src, 'char *pkt = dequeue()') }, true);
  });

  const synblock = join(process.cwd(), 'middleboxes/synblock');
  it.skipIf(!existsSync(join(synblock, 'synblock.c')))('holds for the synblock middlebox too', () => {
    const file = join(synblock, 'synblock.c');
    const src = readFileSync(file, 'utf8');
    const sdg = sdgOfFile(synblock);
    check(sdg, criterionAt(sdg, file, lineOf(src, '= pcap_next(')), { file, line: lineOf(src, 'char *pkt = dequeue()') }, false);
  });
});

// Benchmark, not a test: SDG size and build/slice times on one program, run only when
// STATELAB_BENCH names the input (e.g. STATELAB_BENCH=middleboxes/ids). Figures go to BENCHMARKS.md.
import { it } from 'vitest';
import { loadProgram } from '../../../analyzer/frontend/index.js';
import { analyzePointers } from '../../../analyzer/pointer/index.js';
import { buildSdg } from '../../../analyzer/sdg/index.js';
import { backwardSlice, forwardSlice, statementsOf } from '../../../analyzer/slice/index.js';

const input = process.env.STATELAB_BENCH;

it.runIf(input !== undefined)('SDG benchmark', () => {
  let t = performance.now();
  const lap = () => {
    const now = performance.now();
    const d = now - t;
    t = now;
    return Math.round(d);
  };
  const p = loadProgram([input!]);
  const load = lap();
  const pts = analyzePointers(p);
  const pointer = lap();
  const sdg = buildSdg(p, pts);
  const build = lap();
  const recv = p.instrs.filter((i) => i && i.kind === 'call' && /^(pcap_next|pcap_next_ex|pcap_loop|pcap_dispatch)$/.test(i.callee));
  const f = forwardSlice(sdg, recv.map((i) => sdg.vertexOfInstr(i.id)!));
  const forward = lap();
  const outs = p.instrs.filter((i) => i && i.kind === 'call' && /^(pcap_inject|pcap_sendpacket|pcap_dump|fprintf|fputs|fwrite|printf)$/.test(i.callee));
  const b = backwardSlice(sdg, outs.map((i) => sdg.vertexOfInstr(i.id)!));
  const backward = lap();
  const s = sdg.stats;
  console.log(
    JSON.stringify({
      input,
      instrs: p.instrs.length,
      functions: s.functions,
      vertices: s.vertices,
      edges: s.edges,
      byKind: s.byKind,
      ms: { load, pointer, build, buildPhases: Object.fromEntries(Object.entries(s.phases).map(([k, v]) => [k, Math.round(v)])), forward, backward },
      forwardSlice: { criteria: recv.length, vertices: f.vertices.length, statements: statementsOf(sdg, f).length },
      backwardSlice: { criteria: outs.length, vertices: b.vertices.length, statements: statementsOf(sdg, b).length },
      rssMB: Math.round(process.memoryUsage().rss / 1e6),
    }),
  );
}, 900_000);

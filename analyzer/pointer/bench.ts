// Benchmark: a generated IR program (no C front end) with heavy pointer use — modules of
// functions passing pointers, struct fields, heap sites, function-pointer tables — analysed
// by Andersen and Steensgaard, each in its own process so peak memory is its own.
//
//   npm run -s build && node dist/analyzer/pointer/bench.js [--instrs 320000] [--seed 1]
//   node dist/analyzer/pointer/bench.js --one andersen|andersen-fs|steensgaard   (one analysis, JSON)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Program, VarId } from '../ir/types.js';
import { analyzePointers } from './index.js';
import { type FuncBuilder, ProgramBuilder } from './synth.js';

/** Small deterministic PRNG (mulberry32) so every run analyses the same program. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BenchShape { instrs: number; seed: number; moduleSize: number; bodySize: number }

export function generateProgram(shape: BenchShape): Program {
  const r = rng(shape.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const b = new ProgramBuilder('bench.c');
  const p1 = b.ptr(b.int); // int *
  const p2 = b.ptr(p1); // int **
  const fnp = b.voidPtr;
  const node = b.struct('node', [['next', b.voidPtr], ['data', p1], ['key', b.int], ['ref', p2]]);
  const nodePtr = b.ptr(node);
  const nFuncs = Math.ceil(shape.instrs / shape.bodySize);
  const nModules = Math.ceil(nFuncs / shape.moduleSize);
  const names = Array.from({ length: nFuncs }, (_, i) => `f${i}`);
  // per module: int objects, global int* and int** variables, struct objects, a function table
  const modules = Array.from({ length: nModules }, (_, m) => ({
    objs: Array.from({ length: 24 }, (_, i) => b.global(`m${m}_o${i}`, b.int)),
    g1: Array.from({ length: 8 }, (_, i) => b.global(`m${m}_p${i}`, p1)),
    g2: Array.from({ length: 4 }, (_, i) => b.global(`m${m}_pp${i}`, p2)),
    structs: Array.from({ length: 4 }, (_, i) => b.global(`m${m}_s${i}`, node)),
    records: Array.from({ length: 4 }, (_, i) => b.global(`m${m}_r${i}`, node)),
    table: b.global(`m${m}_tbl`, b.array(fnp, 8)),
  }));
  for (let m = 0; m < nModules; m++) {
    const t = b.init.local(`t${m}`, fnp);
    b.init.addr(t, modules[m]!.table);
    for (let k = 0; k < 4; k++) {
      const fp = b.init.local(`fp${m}_${k}`, fnp);
      b.init.addr(fp, names[Math.min(nFuncs - 1, m * shape.moduleSize + Math.floor(r() * shape.moduleSize))]!).store(t, fp);
    }
  }
  for (let i = 0; i < nFuncs; i++) {
    const m = Math.floor(i / shape.moduleSize);
    const mod = modules[m]!;
    const f: FuncBuilder = b.func(names[i]!);
    const a1 = f.param('a', p1);
    const a2 = f.param('b', p2);
    const l1: VarId[] = [a1, ...Array.from({ length: 6 }, (_, k) => f.local(`x${k}`, p1))];
    const l2: VarId[] = [a2, ...Array.from({ length: 3 }, (_, k) => f.local(`y${k}`, p2))];
    const sp = [f.local('s0', nodePtr), f.local('s1', nodePtr)];
    const fld = f.local('fld', p2);
    const rp = f.local('rp', nodePtr);
    const nfld = f.local('nfld', b.ptr(b.voidPtr));
    const isApi = i % shape.moduleSize < 4;
    const local = (): string => names[Math.min(nFuncs - 1, m * shape.moduleSize + 4 + Math.floor(r() * (shape.moduleSize - 4)))]!;
    // another module's API function: it hands out pointers to its module's objects (a
    // lookup table, an allocator) without taking ours, as library-like modules do
    const api = (): string => names[Math.min(nFuncs - 1, Math.floor(r() * nModules) * shape.moduleSize + Math.floor(r() * 4))]!;
    if (isApi) {
      // a provider: hands out its own objects (table entries, fresh nodes), touches nothing else
      const own = Array.from({ length: 6 }, (_, k) => b.global(`${names[i]}_entry${k}`, b.int));
      while (f.instrs.length < shape.bodySize - 1) {
        const x = r();
        if (x < 0.4) f.addr(pick(l1.slice(1)), pick(own));
        else if (x < 0.8) f.copy(pick(l1.slice(1)), pick(l1.slice(1)));
        else f.call('malloc', [null], pick(l1.slice(1)));
      }
      f.ret(pick(l1.slice(1)));
      continue;
    }
    while (f.instrs.length < shape.bodySize - 1) {
      const x = r();
      if (x < 0.10) f.addr(pick(l1), pick(mod.objs));
      else if (x < 0.15) f.addr(pick(l2), r() < 0.5 ? pick(mod.g1) : pick(l1.slice(1)));
      else if (x < 0.29) f.copy(pick(l1), pick(l1));
      else if (x < 0.33) f.copy(pick(l2), pick(l2));
      else if (x < 0.41) f.load(pick(l1), pick(l2), p1);
      else if (x < 0.48) f.store(pick(l2), pick(l1), p1);
      else if (x < 0.52) f.copy(pick(mod.g1), pick(l1));
      else if (x < 0.56) f.copy(pick(l1), pick(mod.g1));
      else if (x < 0.58) f.copy(pick(l2), pick(mod.g2));
      else if (x < 0.59) f.copy(pick(mod.g2), pick(l2));
      else if (x < 0.62) f.addr(pick(sp), pick(mod.structs));
      else if (x < 0.67) {
        // list nodes carry node pointers; records (never list nodes) carry int pointers
        if (r() < 0.6) {
          f.addr(rp, pick(mod.records)).field(fld, rp, node, 1);
          if (r() < 0.5) f.store(fld, pick(l1), p1); else f.load(pick(l1), fld, p1);
        } else { const s = pick(sp); f.field(nfld, s, node, 0); if (r() < 0.5) f.store(nfld, pick(sp), nodePtr); else f.load(pick(sp), nfld, nodePtr); }
      } else if (x < 0.69) f.call('malloc', [null], pick(l1));
      else if (x < 0.70) f.call('malloc', [null], pick(sp));
      else if (x < 0.807) f.call(local(), [pick(l1), pick(l2)], r() < 0.7 ? pick(l1) : undefined);
      else if (x < 0.81) { if (!isApi) f.call(api(), [null, null], pick(l1)); }
      else if (x < 0.835) {
        const t = f.local(`t${f.instrs.length}`, fnp);
        const e = f.local(`e${f.instrs.length}`, fnp);
        f.addr(t, mod.table).index(t, t).load(e, t).icall(e, [pick(l1), pick(l2)], pick(l1));
      } else if (x < 0.85) f.call('memcpy', [pick(l2), pick(l2), null]);
      else if (x < 0.86) f.call(r() < 0.5 ? 'strchr' : 'strlen', [pick(l1), null], pick(l1));
      else if (x < 0.862) f.call('printf', [null, pick(l1)]);
      else { const v = pick(l1); f.index(v, v); }
    }
    f.ret(pick(l1));
  }
  return b.build();
}

const ONE = ['andersen', 'andersen-fs', 'steensgaard'] as const;
type One = (typeof ONE)[number];

function runOne(kind: One, shape: BenchShape): Record<string, number | string> {
  const t0 = performance.now();
  const program = generateProgram(shape);
  const genMs = performance.now() - t0;
  const pts = analyzePointers(program, kind === 'steensgaard' ? { kind } : { kind: 'andersen', fieldSensitive: kind === 'andersen-fs' });
  return {
    kind, instrs: program.instrs.length, vars: program.vars.length, objects: pts.objects.length,
    constraints: pts.stats.constraints, iterations: pts.stats.iterations,
    genMs: Math.round(genMs), ms: Math.round(pts.stats.ms), avgPointsTo: Number(pts.stats.avgPointsTo.toFixed(2)),
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}

function main(): void {
  const shape: BenchShape = { instrs: Number(arg('--instrs', '320000')), seed: Number(arg('--seed', '1')), moduleSize: 40, bodySize: 100 };
  const one = arg('--one', '');
  if (one) {
    if (!(ONE as readonly string[]).includes(one)) throw new Error(`--one must be one of ${ONE.join(', ')}`);
    console.log(JSON.stringify(runOne(one as One, shape)));
    return;
  }
  const self = fileURLToPath(import.meta.url);
  for (const kind of ONE) {
    const res = spawnSync(process.execPath, ['--max-old-space-size=4096', self, '--one', kind, '--instrs', String(shape.instrs), '--seed', String(shape.seed)], { encoding: 'utf8' });
    if (res.status !== 0) { console.error(res.stderr); process.exitCode = 1; continue; }
    console.log(res.stdout.trim());
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();

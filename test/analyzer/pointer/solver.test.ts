// Solver unit tests on hand-built IR: each constraint kind, cycles, indirect calls, models,
// unknown externals, field sensitivity, and Steensgaard being coarser than Andersen.
import { describe, expect, it } from 'vitest';
import { analyzePointers, type PointsTo } from '../../../analyzer/pointer/index.js';
import { ProgramBuilder } from '../../../analyzer/pointer/synth.js';
import type { Program, VarId } from '../../../analyzer/ir/types.js';

const names = (pts: PointsTo, set: ReadonlySet<number>): string[] => [...set].map((o) => pts.objects[o]!.name).sort();
const ptsOf = (pts: PointsTo, v: VarId): string[] => names(pts, pts.pointsToVar(v));
const all = (p: Program): PointsTo[] => [
  analyzePointers(p, { fieldSensitive: false }), analyzePointers(p, { fieldSensitive: true }), analyzePointers(p, { kind: 'steensgaard' }),
];

describe('Andersen and Steensgaard on hand-built constraints', () => {
  it('address-of, copy, load and store through two levels', () => {
    const b = new ProgramBuilder();
    const [a, c] = [b.global('a', b.int), b.global('c', b.int)];
    const m = b.func('main');
    const p = m.local('p', b.voidPtr), q = m.local('q', b.voidPtr), pp = m.local('pp', b.voidPtr), r = m.local('r', b.voidPtr);
    m.addr(p, a).addr(q, c).addr(pp, p).store(pp, q).load(r, pp);
    const [an, fs, st] = all(b.build());
    for (const x of [an!, fs!]) {
      expect(ptsOf(x, p)).toEqual(['a', 'c']);
      expect(ptsOf(x, q)).toEqual(['c']);
      expect(ptsOf(x, r)).toEqual(['a', 'c']);
      expect(ptsOf(x, pp)).toEqual(['main::p']);
    }
    // Steensgaard unifies p's and q's pointees: q now also "points to" a
    expect(ptsOf(st!, q)).toEqual(['a', 'c']);
    expect(st!.mayAlias(q, p)).toBe(true);
    expect(an!.mayAlias(pp, q)).toBe(false);
  });

  it('collapses copy cycles and still propagates new facts into them', () => {
    const b = new ProgramBuilder();
    const objs = [0, 1, 2, 3].map((k) => b.global(`o${k}`, b.int));
    const m = b.func('main');
    const v = [0, 1, 2, 3, 4, 5].map((k) => m.local(`v${k}`, b.voidPtr));
    for (let k = 0; k < 6; k++) m.copy(v[(k + 1) % 6]!, v[k]!);
    m.addr(v[0]!, objs[0]!).addr(v[3]!, objs[1]!);
    const h = m.local('h', b.voidPtr);
    m.addr(h, v[2]!).store(h, m.local('t', b.voidPtr)).addr(m.local('t2', b.voidPtr), objs[2]!);
    const pts = analyzePointers(b.build(), { fieldSensitive: false });
    for (const x of v) expect(ptsOf(pts, x)).toEqual(['o0', 'o1']);
  });

  it('resolves indirect calls on the fly, including a function pointer read from a table', () => {
    const b = new ProgramBuilder();
    const g = b.global('g', b.int);
    const tbl = b.global('tbl', b.array(b.voidPtr, 2));
    const f1 = b.func('f1'); const x1 = f1.param('x', b.voidPtr); f1.ret(x1);
    const f2 = b.func('f2'); f2.param('y', b.voidPtr);
    const t = b.init.local('t', b.voidPtr), fp = b.init.local('fp', b.voidPtr);
    b.init.addr(t, tbl).addr(fp, 'f1').store(t, fp);
    const m = b.func('main');
    const tp = m.local('tp', b.voidPtr), e = m.local('e', b.voidPtr), arg = m.local('arg', b.voidPtr), res = m.local('res', b.voidPtr);
    m.addr(tp, tbl).index(tp, tp).load(e, tp).addr(arg, g).icall(e, [arg], res);
    const p = b.build();
    for (const pts of all(p)) {
      expect(ptsOf(pts, res)).toContain('g');
      expect(ptsOf(pts, x1)).toContain('g');
      const icall = p.instrs.find((i) => i.kind === 'icall')!;
      expect(pts.callGraph.calleesOf(icall.id)).toContain('f1');
      expect(pts.callGraph.callersOf('f1')).toContain(icall.id);
    }
    expect(ptsOf(analyzePointers(p, { fieldSensitive: false }), p.functions.get('f2')!.params[0]!)).toEqual([]);
  });

  it('models malloc sites, memcpy of pointers, and pcap_loop calling its callback', () => {
    const b = new ProgramBuilder();
    const a = b.global('a', b.int);
    const cb = b.func('handler');
    const user = cb.param('user', b.voidPtr), hdr = cb.param('hdr', b.voidPtr), pkt = cb.param('pkt', b.voidPtr);
    const m = b.func('main');
    const h1 = m.local('h1', b.voidPtr), h2 = m.local('h2', b.voidPtr), pa = m.local('pa', b.voidPtr), out = m.local('out', b.voidPtr);
    const handle = m.local('handle', b.voidPtr), fn = m.local('fn', b.voidPtr);
    m.call('malloc', [null], h1).call('malloc', [null], h2).addr(pa, a).store(h1, pa)
      .call('memcpy', [h2, h1, null]).load(out, h2)
      .call('pcap_open_offline', [null, null], handle).addr(fn, 'handler').call('pcap_loop', [handle, null, fn, h1]);
    const p = b.build();
    for (const pts of all(p)) {
      expect(ptsOf(pts, out)).toContain('a');
      expect(ptsOf(pts, user)).toEqual(expect.arrayContaining(ptsOf(pts, h1)));
      expect(ptsOf(pts, hdr).some((n) => n.startsWith('pcap-pkthdr@'))).toBe(true);
      expect(ptsOf(pts, pkt).some((n) => n.startsWith('pcap-buffer@'))).toBe(true);
      expect(pts.unknownExternals).toEqual([]);
      const loop = p.instrs.find((i) => i.kind === 'call' && i.callee === 'pcap_loop')!;
      expect(pts.callGraph.callbacksOf(loop.id)).toEqual(['handler']);
      const mc = p.instrs.find((i) => i.kind === 'call' && i.callee === 'memcpy')!;
      const eff = pts.memEffects(mc.id);
      expect(names(pts, eff.writes)).toEqual(ptsOf(pts, h2));
      expect(names(pts, eff.reads)).toEqual(ptsOf(pts, h1));
    }
    const an = analyzePointers(p, { fieldSensitive: false });
    expect(ptsOf(an, h1)).toHaveLength(1);
    expect(ptsOf(an, h1)).not.toEqual(ptsOf(an, h2));
  });

  it('an unknown external may write any reachable pointer anywhere reachable and call reachable functions', () => {
    const b = new ProgramBuilder();
    const a = b.global('a', b.int), c = b.global('c', b.int);
    const cbf = b.func('cb'); const cp = cbf.param('x', b.voidPtr);
    const m = b.func('main');
    const s1 = m.local('s1', b.voidPtr), s2 = m.local('s2', b.voidPtr), box = m.local('box', b.voidPtr), fn = m.local('fn', b.voidPtr), r = m.local('r', b.voidPtr), got = m.local('got', b.voidPtr);
    m.addr(s1, a).addr(s2, c).addr(box, s1).addr(fn, 'cb').call('mystery', [box, s2, fn], r).load(got, box);
    const p = b.build();
    for (const pts of all(p)) {
      expect(pts.unknownExternals).toEqual(['mystery']);
      expect(ptsOf(pts, s1)).toEqual(expect.arrayContaining(['a', 'c']));
      expect(ptsOf(pts, cp)).toEqual(expect.arrayContaining(['a', 'c']));
      expect(ptsOf(pts, r)).toEqual(expect.arrayContaining(['a', 'c', 'main::s1']));
      const call = p.instrs.find((i) => i.kind === 'call')!;
      const eff = pts.memEffects(call.id);
      expect(names(pts, eff.writes)).toEqual(expect.arrayContaining(['a', 'c', 'main::s1']));
      expect(pts.callGraph.callbacksOf(call.id)).toContain('cb');
    }
  });
});

describe('field sensitivity', () => {
  const setup = () => {
    const b = new ProgramBuilder();
    const pair = b.struct('pair', [['x', b.voidPtr], ['y', b.voidPtr]]);
    const a = b.global('a', b.int), c = b.global('c', b.int), s = b.global('s', pair);
    const m = b.func('main');
    const ps = m.local('ps', b.ptr(pair)), fx = m.local('fx', b.voidPtr), fy = m.local('fy', b.voidPtr);
    const pa = m.local('pa', b.voidPtr), pc = m.local('pc', b.voidPtr), rx = m.local('rx', b.voidPtr), ry = m.local('ry', b.voidPtr);
    m.addr(ps, s).field(fx, ps, pair, 0).field(fy, ps, pair, 1).addr(pa, a).addr(pc, c)
      .store(fx, pa).store(fy, pc).load(rx, fx).load(ry, fy);
    return { b, m, pair, s, ps, fx, fy, rx, ry, pa };
  };

  it('keeps struct members apart, and merges them field-insensitively', () => {
    const { b, rx, ry, fx } = setup();
    const p = b.build();
    const fs = analyzePointers(p, { fieldSensitive: true });
    expect(ptsOf(fs, rx)).toEqual(['a']);
    expect(ptsOf(fs, ry)).toEqual(['c']);
    expect(ptsOf(fs, fx)).toEqual(['s.x']);
    const fi = analyzePointers(p, { fieldSensitive: false });
    expect(ptsOf(fi, rx)).toEqual(['a', 'c']);
    expect(ptsOf(fi, fx)).toEqual(['s']);
  });

  it('collapses the object on pointer arithmetic off a scalar member (stays sound)', () => {
    const { b, m, fx, ry } = setup();
    const moved = m.local('moved', b.voidPtr), got = m.local('got', b.voidPtr);
    m.index(moved, fx).load(got, moved);
    const fs = analyzePointers(b.build(), { fieldSensitive: true });
    expect(ptsOf(fs, got)).toEqual(['a', 'c']);
    expect(ptsOf(fs, ry)).toEqual(['a', 'c']);
    expect(ptsOf(fs, moved)).toEqual(['s']);
  });

  it('a cast to another struct type collapses; a whole-struct read sees every member', () => {
    const { b, m, ps, pair, rx } = setup();
    const other = b.struct('other', [['q', b.voidPtr], ['r', b.voidPtr], ['t', b.voidPtr]]);
    const view = m.local('view', b.voidPtr), word = m.local('word', b.voidPtr);
    m.load(word, ps, b.int); // *(int *)ps reads at offset 0 of the whole struct
    const p1 = b.build();
    expect(ptsOf(analyzePointers(p1, { fieldSensitive: true }), word)).toEqual(['a', 'c']);
    m.field(view, ps, other, 2);
    const fs = analyzePointers(b.build(), { fieldSensitive: true });
    expect(ptsOf(fs, view)).toEqual(['s']);
    expect(ptsOf(fs, rx)).toEqual(['a', 'c']);
    void pair;
  });

  it('copies structs member-wise and adopts a struct layout for heap objects', () => {
    const b = new ProgramBuilder();
    const pair = b.struct('pair', [['x', b.voidPtr], ['y', b.voidPtr]]);
    const a = b.global('a', b.int), c = b.global('c', b.int), s = b.global('s', pair), t = b.global('t', pair);
    const m = b.func('main');
    const ps = m.local('ps', b.ptr(pair)), fx = m.local('fx', b.voidPtr), fy = m.local('fy', b.voidPtr), pa = m.local('pa', b.voidPtr), pc = m.local('pc', b.voidPtr);
    const h = m.local('h', b.ptr(pair)), hx = m.local('hx', b.voidPtr), hy = m.local('hy', b.voidPtr), r = m.local('r', b.voidPtr), tp = m.local('tp', b.ptr(pair)), ty = m.local('ty', b.voidPtr), r2 = m.local('r2', b.voidPtr);
    m.addr(ps, s).field(fx, ps, pair, 0).field(fy, ps, pair, 1).addr(pa, a).addr(pc, c).store(fx, pa).store(fy, pc)
      .copy(t, s, '=', pair) // t = s
      .call('malloc', [null], h).store(h, s, pair) // *h = s
      .field(hx, h, pair, 0).field(hy, h, pair, 1).load(r, hy)
      .addr(tp, t).field(ty, tp, pair, 1).load(r2, ty);
    const fs = analyzePointers(b.build(), { fieldSensitive: true });
    expect(ptsOf(fs, r)).toEqual(['c']);
    expect(ptsOf(fs, r2)).toEqual(['c']);
    expect(ptsOf(fs, hx)).toHaveLength(1);
    expect(ptsOf(fs, hx)[0]).toMatch(/^heap@synth\.c:\d+\.x$/);
  });
});

describe('memory effects', () => {
  it('loads read and stores write the targets (struct members included); calls to defined functions have none', () => {
    const b = new ProgramBuilder();
    const pair = b.struct('pair', [['x', b.voidPtr], ['y', b.voidPtr]]);
    const a = b.global('a', b.int), s = b.global('s', pair);
    const callee = b.func('callee'); callee.ret();
    const m = b.func('main');
    const pa = m.local('pa', b.voidPtr), ps = m.local('ps', b.ptr(pair)), fy = m.local('fy', b.voidPtr), t = m.local('t', b.voidPtr), w = m.local('w', pair);
    m.addr(pa, a).addr(ps, s).field(fy, ps, pair, 1).store(fy, pa).load(t, pa, b.int).load(w, ps, pair).call('callee', []).call('free', [pa]);
    const p = b.build();
    const [store, loadInt, loadWhole, callDef, callFree] = p.instrs.filter((i) => ['store', 'load', 'call'].includes(i.kind));
    const fs = analyzePointers(p, { fieldSensitive: true });
    expect(names(fs, fs.memEffects(store!.id).writes)).toEqual(['s.y']);
    expect(names(fs, fs.memEffects(store!.id).reads)).toEqual([]);
    expect(names(fs, fs.memEffects(loadInt!.id).reads)).toEqual(['a']);
    expect(names(fs, fs.memEffects(loadWhole!.id).reads)).toEqual(['s', 's.x', 's.y']);
    expect(fs.memEffects(callDef!.id).reads.size + fs.memEffects(callDef!.id).writes.size).toBe(0);
    expect(names(fs, fs.memEffects(callFree!.id).writes)).toEqual(['a']);
    expect(fs.overlaps!(s, s + 0)).toBe(true);
    const fi = analyzePointers(p, { fieldSensitive: false });
    expect(names(fi, fi.memEffects(store!.id).writes)).toEqual(['s']);
  });
});

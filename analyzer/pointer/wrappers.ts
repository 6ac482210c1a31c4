// Allocation wrappers: functions whose every return value is fresh memory from an allocator
// (or another wrapper) that escapes only by being returned; their call sites name heap objects.
import type { Func, Instr, Program, VarId } from '../ir/types.js';
import { opMayCarryPointer } from './ctype.js';
import { type LibModel, lookupModel } from './models.js';

/** Calls that may touch the fresh block inside a wrapper without letting it escape. */
const INIT_CALLS = new Set(['memset', 'bzero', 'explicit_bzero', 'free']);

function isFreshAllocator(name: string, extra?: Readonly<Record<string, LibModel>>): boolean {
  const m = lookupModel(name, extra);
  // realloc may return its argument: not fresh, so no wrapper naming through it
  return !!m && !!m.ret && m.ret.length === 1 && m.ret[0] === 'alloc';
}

export function findAllocationWrappers(program: Program, extra?: Readonly<Record<string, LibModel>>): Set<string> {
  const wrappers = new Set<string>();
  for (let changed = true; changed;) {
    changed = false;
    for (const f of program.functions.values()) {
      if (wrappers.has(f.key)) continue;
      if (isWrapper(program, f, (callee) => wrappers.has(callee) || (!program.functions.has(callee) && isFreshAllocator(callee, extra)))) {
        wrappers.add(f.key);
        changed = true;
      }
    }
  }
  return wrappers;
}

function isWrapper(program: Program, f: Func, fresh: (callee: string) => boolean): boolean {
  const instrs: Instr[] = [];
  for (const b of f.blocks) for (const i of b.instrs) instrs.push(i);
  const rets = instrs.filter((i) => i.kind === 'ret');
  if (rets.length === 0) return false;
  // the chain: variables that carry the fresh pointer to the return
  const chain = new Set<VarId>();
  for (const r of rets) {
    if (r.kind !== 'ret' || !r.value) return false;
    if (r.value.kind === 'var') chain.add(r.value.var);
  }
  if (chain.size === 0) return false;
  const local = new Set([...f.locals]);
  let sawAlloc = false;
  const work = [...chain];
  while (work.length > 0) {
    const v = work.pop()!;
    const info = program.vars[v];
    if (!info || !local.has(v) || info.addressTaken) return false;
    for (const i of instrs) {
      if (!('dst' in i) || i.dst !== v) continue;
      if (i.kind === 'call' && fresh(i.callee)) { sawAlloc = true; continue; }
      if (i.kind === 'copy' && (i.op === '=' || i.op === 'cast')) {
        for (const s of i.srcs) if (s.kind === 'var' && !chain.has(s.var)) { chain.add(s.var); work.push(s.var); }
        continue;
      }
      return false;
    }
  }
  if (!sawAlloc) return false;
  // uses: only along the chain, in tests, returned, or handed to initialisers
  for (const i of instrs) {
    switch (i.kind) {
      case 'copy':
        if (i.srcs.some((s) => s.kind === 'var' && chain.has(s.var)) && opMayCarryPointer(i.op) && !chain.has(i.dst)) return false;
        break;
      case 'call':
        if (i.args.some((a) => a.kind === 'var' && chain.has(a.var)) && !INIT_CALLS.has(i.callee)) return false;
        break;
      case 'icall':
        if (chain.has(i.target) || i.args.some((a) => a.kind === 'var' && chain.has(a.var))) return false;
        break;
      case 'store':
        if (chain.has(i.addr) || (i.src.kind === 'var' && chain.has(i.src.var))) return false;
        break;
      case 'load':
        if (chain.has(i.addr)) return false;
        break;
      case 'gep':
        if (chain.has(i.base)) return false;
        break;
      default:
        break;
    }
  }
  return true;
}

// Dynamic dependence of one run of a random program (randprog.ts): each
// executed statement instance depends on the last instances that defined what
// it read (data) and on the predicate instance or call that made it run (control).
import type { Fn, RandProgram, Stmt } from './randprog.js';

export interface DynNode {
  stmt: number;
  deps: DynNode[];
}

interface Frame {
  fn: Fn;
  defs: Map<string, DynNode>;
  inst: Map<number, DynNode>;
  fresh: Set<number>;
  callNode?: DynNode;
  /** Passed `if (c) return` predicates: everything later in this activation ran because they were false. */
  extra: DynNode[];
  /** The variable p points to now (`unsigned *p = &x;` at entry). */
  ptr: string;
  /** Control deps and node of the call statement waiting for its callee to return. */
  pending: { node: DynNode; ctl: DynNode[] }[];
}

export function dynamicDependences(p: RandProgram, trace: string): { last: Map<number, DynNode> } {
  const stmts = new Map<number, Stmt>();
  const walk = (ss: Stmt[]) =>
    ss.forEach((s) => {
      stmts.set(s.id, s);
      if (s.kind === 'if') (walk(s.then), walk(s.else));
      if (s.kind === 'while') walk(s.body);
    });
  p.fns.forEach((f) => walk(f.body));
  const globals = new Map<string, DynNode>();
  const main = p.fns[p.fns.length - 1]!;
  const newFrame = (fn: Fn, callNode?: DynNode): Frame => ({ fn, defs: new Map(), inst: new Map(), fresh: new Set(), callNode, extra: [], pending: [], ptr: 'x' });
  const stack: Frame[] = [newFrame(main)];
  const last = new Map<number, DynNode>();
  const isFrameVar = (f: Frame, v: string) => v === 'p' || f.fn.params.includes(v) || f.fn.locals.includes(v);
  const defOf = (f: Frame, v: string) => (isFrameVar(f, v) ? f.defs.get(v) : globals.get(v));
  const setDef = (f: Frame, v: string, n: DynNode) => (isFrameVar(f, v) ? f.defs.set(v, n) : globals.set(v, n));
  const ctlOf = (f: Frame, id: number): DynNode[] => {
    const info = p.info.get(id)!;
    let c: DynNode | undefined;
    if (info.kind === 'while' && !f.fresh.has(id)) c = f.inst.get(id);
    else {
      f.fresh.delete(id);
      c = info.parent !== undefined ? f.inst.get(info.parent) : f.callNode;
    }
    return [...(c ? [c] : []), ...f.extra];
  };
  const node = (f: Frame, id: number, ctl: DynNode[]): DynNode => {
    const info = p.info.get(id)!;
    const deps = [...info.uses.map((v) => defOf(f, v)).filter((x): x is DynNode => x !== undefined), ...ctl];
    const n = { stmt: id, deps };
    last.set(id, n);
    return n;
  };
  for (const line of trace.split('\n')) {
    const m = /^([SLER]) (\d+)$/.exec(line);
    if (!m) continue;
    const id = Number(m[2]);
    const f = stack[stack.length - 1]!;
    const s = stmts.get(id)!;
    switch (m[1]) {
      case 'L':
        f.fresh.add(id);
        break;
      case 'S': {
        const ctl = ctlOf(f, id);
        const n = node(f, id, ctl);
        f.inst.set(id, n);
        if (s.kind === 'assign') setDef(f, s.dst, n);
        if (s.kind === 'paddr') {
          setDef(f, 'p', n);
          f.ptr = s.target;
        }
        if (s.kind === 'pstore') setDef(f, f.ptr, n);
        if (s.kind === 'pload') {
          const t = defOf(f, f.ptr);
          if (t) n.deps.push(t);
          setDef(f, s.dst, n);
        }
        if (s.kind === 'if' && s.then.length === 1 && s.then[0]!.kind === 'ret') f.extra.push(n);
        if (s.kind === 'call') {
          // The callee runs because the call does (control); each parameter holds its own argument (data).
          const callNode: DynNode = { stmt: id, deps: ctl };
          f.pending.push({ node: callNode, ctl });
          const callee = newFrame(p.fns[s.callee]!, callNode);
          callee.fn.params.forEach((prm, k) => {
            const argDeps = s.args[k]!.vars.map((v) => defOf(f, v)).filter((x): x is DynNode => x !== undefined);
            callee.defs.set(prm, { stmt: id, deps: [...argDeps, ...ctl] });
          });
          stack.push(callee);
        }
        break;
      }
      case 'R': {
        const n = node(f, id, ctlOf(f, id));
        stack.pop();
        const caller = stack[stack.length - 1]!;
        const call = caller.pending[caller.pending.length - 1]!;
        (call as { ret?: DynNode }).ret = n;
        break;
      }
      case 'E': {
        const call = f.pending.pop()!;
        const ret = (call as { ret?: DynNode }).ret;
        const x = { stmt: id, deps: [...(ret ? [ret] : []), ...call.ctl] };
        last.set(id, x);
        if (s.kind === 'call') setDef(f, s.dst, x);
        break;
      }
    }
  }
  return { last };
}

/** Statement ids in the dynamic backward slice of a node (closure over its dependences). */
export function dynamicSlice(n: DynNode): Set<number> {
  const seen = new Set<DynNode>([n]);
  const todo = [n];
  while (todo.length > 0) for (const d of todo.pop()!.deps) if (!seen.has(d)) (seen.add(d), todo.push(d));
  return new Set([...seen].map((x) => x.stmt));
}

// `statelab build`: analyze a middlebox, write an instrumented copy of its sources
// (receive hooks, updated-bit marks, renamed main) plus generated state code, and
// compile them with the C runtime (middleboxes/runtime), libpcap and msgpack-c.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { inputError, StatelabError } from '../errors.js';
import { PACKAGE_ROOT } from '../paths.js';
import { loadProgram } from '../frontend/index.js';
import { GLOBAL_INIT, type InstrId, type Program, type VarId } from '../ir/types.js';
import { analyzePointers } from '../pointer/index.js';
import type { PointsTo } from '../pointer/types.js';
import { buildSdg } from '../sdg/index.js';
import { buildCatalogs, classify, sdgQueries, type Classification, type DependenceQueries } from '../state/index.js';
import { applyEdits, callsAt, isReadOnlyDecl, placeBefore, SourceFile, type Edit } from './locate.js';
import { planMarks } from './marks.js';
import { SerializerGen, UnmovableError } from './serialize.js';
import { planSlots, type SlotPlan } from './slots.js';

export const RUNTIME_DIR = join(PACKAGE_ROOT, 'middleboxes/runtime');
/** Receive calls the runtime wraps (the hook runs inside the wrapper, before the receive). */
export const WRAPPED_RECEIVES = ['pcap_next', 'pcap_next_ex', 'pcap_loop', 'pcap_dispatch'];
const WRAPPED_ALLOC = ['malloc', 'calloc', 'realloc', 'free', 'strdup'];
/**
 * What a receive call is renamed to. pcap_next and pcap_next_ex, called per packet,
 * go through the runtime's pointers (sa_hooks.h), which hold the library functions
 * themselves with --sa-mode off: no test and no extra call on the way. (Allocator
 * calls stay direct, to the --wrap wrappers: gcc estimates a call through a pointer
 * as dearer and stops inlining a small function around it, synblock's copy_packet.)
 */
const RENAMED: Record<string, string> = { pcap_next: 'sa_pcap_next_fn', pcap_next_ex: 'sa_pcap_next_ex_fn', pcap_loop: 'sa_pcap_loop', pcap_dispatch: 'sa_pcap_dispatch' };

export interface BuildOptions {
  outDir?: string;
  plain?: boolean;
  /** 'sdg' (default) slices over the SDG; 'conservative' answers every dependence query with every statement (sound, coarser). */
  deps?: 'sdg' | 'conservative';
  /** Also compile with ASan+UBSan. */
  sanitize?: boolean;
  /** Count executed marks (SA_STATS=1 prints marks per packet); off by default: it costs an add per mark. */
  countMarks?: boolean;
  cc?: string;
}

export interface TransferredVar {
  name: string;
  file: string;
  line: number;
  type: string;
  bit: number;
  group: number;
  flowspace: string[];
  outsideFlowspace: boolean;
  /**
   * Flowspace entry selection of a keyed variable: 'slots' (the subscripts of the
   * packet's own lookups choose the entries; `sites` rewritten) or 'whole' (static
   * fallback, with the reason). Absent for unkeyed variables (always whole).
   */
  selection?: { mode: 'slots' | 'whole'; sites: number; wholeMarks: number; pruned: number; fallback?: string; siteList: string[]; wholeMarkList: string[]; prunedList: string[] };
}

export interface BuildReport {
  middlebox: string;
  binary: string;
  plain: boolean;
  deps: 'sdg' | 'conservative';
  variables: TransferredVar[];
  /** Updateable variables not transferred, with why (library state, loop-procedure locals). */
  notTransferred: { name: string; reason: string }[];
  /** Resource handles (locks, pcap/FILE handles) each process keeps its own of. */
  keptLocal: string[];
  marks: { inserted: number; pruned: number; placed: number };
  hooks: { file: string; line: number; callee: string }[];
  sources: string[];
}

interface Manifest {
  name: string;
  sources: string[];
  cflags: string[];
  dir: string;
}

function readManifest(dir: string): Manifest {
  const file = join(dir, 'mbox.json');
  if (!existsSync(file)) throw inputError('no mbox.json in the middlebox folder', { file });
  let j: { name?: unknown; sources?: unknown; cflags?: unknown };
  try {
    j = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw inputError(`not valid JSON: ${(e as Error).message}`, { file });
  }
  if (typeof j.name !== 'string' || !Array.isArray(j.sources) || !j.sources.every((s) => typeof s === 'string'))
    throw inputError('mbox.json needs "name" and "sources" (strings)', { file });
  const cflags = Array.isArray(j.cflags) ? j.cflags.map(String) : [];
  return { name: j.name, sources: j.sources as string[], cflags, dir: resolve(dir) };
}

/** -I paths made absolute against the middlebox folder. */
function absFlags(flags: string[], dir: string): string[] {
  return flags.map((f) => (f.startsWith('-I') && f.length > 2 ? `-I${resolve(dir, f.slice(2))}` : f));
}

function compile(cc: string, args: string[], what: string): void {
  try {
    execFileSync(cc, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stderr?: Buffer };
    throw new StatelabError('E_BUILD', `compiling ${what} failed:\n${err.stderr?.toString() ?? String(e)}`);
  }
}

const BASE_CFLAGS = ['-std=c11', '-D_DEFAULT_SOURCE', '-Wall', '-Wextra', '-Werror', '-g'];

function optFlags(sanitize: boolean): string[] {
  return sanitize ? ['-O1', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer'] : ['-O2'];
}

/** Runs the analysis the instrumenter needs. */
export function analyzeForBuild(dir: string, deps: 'sdg' | 'conservative'): { program: Program; pts: PointsTo; cls: Classification } {
  const program = loadProgram([dir]);
  const pts = analyzePointers(program, {});
  let q: DependenceQueries;
  if (deps === 'sdg') q = sdgQueries(buildSdg(program, pts));
  else {
    const all = new Set(program.instrs.map((i) => i.id));
    const everyObject = new Set(pts.objects.map((o) => o.id));
    q = { forward: () => all, backward: () => all, chop: () => all, dataChop: () => all, mod: () => everyObject };
  }
  return { program, pts, cls: classify(program, pts, q, buildCatalogs()) };
}

/** Groups variables whose reachable heap objects may overlap (they must travel together). */
function sharingGroups(pts: PointsTo, vars: VarId[]): number[] {
  const parent = vars.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const heapRoot = (o: number): number | undefined => {
    for (let x: number | undefined = o, g = 0; x !== undefined && g < 64; g++) {
      const obj: { kind: string; parent?: number } = pts.objects[x];
      if (obj.kind === 'heap') return x;
      x = obj.parent;
    }
    return undefined;
  };
  const owner = new Map<number, number>();
  vars.forEach((v, i) => {
    for (const o of pts.reachableFromVar(v)) {
      const h = heapRoot(o);
      if (h === undefined) continue;
      const j = owner.get(h);
      if (j === undefined) owner.set(h, i);
      else parent[find(i)] = find(j);
    }
  });
  const ids = new Map<number, number>();
  return vars.map((_, i) => {
    const r = find(i);
    if (!ids.has(r)) ids.set(r, ids.size);
    return ids.get(r)!;
  });
}

export function buildMiddlebox(dirArg: string, opts: BuildOptions = {}): BuildReport {
  const m = readManifest(dirArg);
  const cc = opts.cc ?? process.env.CC ?? 'gcc';
  const out = resolve(opts.outDir ?? join(m.dir, 'build', 'sa'));
  mkdirSync(join(out, 'src'), { recursive: true });
  const srcAbs = m.sources.map((s) => resolve(m.dir, s));
  const incs = [...new Set(srcAbs.map((s) => `-I${dirname(s)}`))];
  const flags = [...BASE_CFLAGS, ...optFlags(!!opts.sanitize), ...absFlags(m.cflags, m.dir), ...(opts.countMarks ? ['-DSA_COUNT_MARKS'] : [])];
  const deps = opts.deps ?? 'sdg';
  if (opts.plain) {
    const binary = join(out, `${m.name}-plain`);
    compile(cc, [...flags, ...incs, '-o', binary, ...srcAbs, '-lpcap', '-lpthread'], `${m.name} (plain)`);
    return { middlebox: m.name, binary, plain: true, deps, variables: [], notTransferred: [], keptLocal: [], marks: { inserted: 0, pruned: 0, placed: 0 }, hooks: [], sources: srcAbs };
  }

  const { program, pts, cls } = analyzeForBuild(m.dir, deps);
  const absOf = (f: string) => resolve(process.cwd(), f);
  const unitOf = new Map(srcAbs.map((s, i) => [s, i]));
  const files = srcAbs.map((s) => new SourceFile(s, readFileSync(s, 'utf8')));
  const edits: Edit[][] = srcAbs.map(() => []);
  const errors: string[] = [];
  const notTransferred: { name: string; reason: string }[] = [];

  // 1. Which variables move: updateable globals and file statics defined in the sources.
  const chosen: { v: VarId; report: (typeof cls.variables)[number]; unit: number }[] = [];
  for (const r of cls.variables.filter((x) => x.updateable)) {
    const v = program.vars.find((x) => x.name === r.name && x.loc.file === r.file && x.loc.line === r.line && (x.function ?? null) === r.function);
    const unit = unitOf.get(absOf(r.file));
    if (v === undefined || unit === undefined) {
      notTransferred.push({ name: r.name, reason: 'library variable (not defined in the middlebox sources): each process keeps its own' });
      continue;
    }
    if (isReadOnlyDecl(files[unit], r.line, r.name)) {
      notTransferred.push({ name: r.function ? `${r.function}::${r.name}` : r.name, reason: 'declared const: never changes' });
      continue;
    }
    if (r.scope === 'local' || r.scope === 'param') {
      notTransferred.push({ name: `${r.function}::${r.name}`, reason: 'local of the loop procedure: lives in its stack frame, rewritten by each receive before use' });
      continue;
    }
    if (r.function !== null) {
      errors.push(`${r.file}:${r.line}: variable ${r.function}::${r.name} (${r.type}): a function static is not reachable from generated code; make it file-static to transfer it`);
      continue;
    }
    chosen.push({ v: v.id, report: r, unit });
  }
  const counts = new Map<string, number>();
  for (const c of chosen) counts.set(c.report.name, (counts.get(c.report.name) ?? 0) + 1);
  const payloadName = (c: (typeof chosen)[number]) =>
    counts.get(c.report.name)! > 1 ? `${basename(c.report.file)}::${c.report.name}` : c.report.name;
  const groups = sharingGroups(pts, chosen.map((c) => c.v));

  // 2. Serializers, per unit.
  const gens = srcAbs.map((_, i) => new SerializerGen(program, { prefix: `u${i}_` }));
  const unitCode: string[][] = srcAbs.map(() => []);
  chosen.forEach((c, k) => {
    try {
      const fns = gens[c.unit].root(c.report.name, program.vars[c.v].type);
      unitCode[c.unit].push(
        `void sa_v${k}_ser(sa_enc *e) { ${fns.ser}(e, &${c.report.name}); }`,
        `void sa_v${k}_imp(sa_dec *d, const msgpack_object *o) { ${fns.imp}(d, o, &${c.report.name}); }`,
      );
    } catch (e) {
      if (!(e instanceof UnmovableError)) throw e;
      errors.push(`${c.report.file}:${c.report.line}: variable ${c.report.name} (${c.report.type}): cannot be moved soundly: ${e.message}`);
    }
  });

  // 2b. Flowspace entry selection: subscripts into keyed containers record their slot.
  const keyed = chosen.map((c, k) => ({ c, k })).filter(({ c }) => c.report.flowspace.length > 0);
  const slotPlans = new Map<number, SlotPlan>();
  const plans = planSlots({
    program, pts, perPacket: cls.perPacket,
    vars: keyed.map(({ c, k }) => ({ v: c.v, name: c.report.name, index: k })),
    receives: [...WRAPPED_RECEIVES, ...cls.recvSites.map((r) => r.callee)],
    unitOf: (f) => {
      const u = unitOf.get(absOf(f));
      return u === undefined ? undefined : { src: files[u], edits: edits[u] };
    },
  });
  keyed.forEach(({ c, k }, j) => {
    const plan = plans[j];
    slotPlans.set(k, plan);
    if (plan.mode !== 'slots') return;
    try {
      const rows = plan.containers.map((ct, ci) => {
        const fns = gens[c.unit].element(ct.element, ct.elementType);
        return `  c[${ci}].base = ${ct.base}; c[${ci}].size = ${ct.size}; c[${ci}].elem = sizeof(${ct.element}); c[${ci}].ser = ${fns.ser}; c[${ci}].imp = ${fns.imp};`;
      });
      unitCode[c.unit].push(
        `int sa_v${k}_conts(struct sa_cont *c, int max) {\n  if (max < ${rows.length}) return 0;\n${rows.join('\n')}\n  return ${rows.length};\n}`,
      );
      if (plan.shell) {
        // the struct's other members, with the container member as nil (its slots travel instead)
        const ms = plan.shell.map((m) => ({ m, fns: m.container ? undefined : gens[c.unit].element(m.expr, m.type) }));
        unitCode[c.unit].push(
          `void sa_v${k}_shell_ser(sa_enc *e) {\n  sa_enc_array(e, ${ms.length}u);\n${ms.map(({ m, fns }) => (fns ? `  ${fns.ser}(e, (const void *)&${m.expr});` : '  sa_enc_nil(e);')).join('\n')}\n}`,
          `void sa_v${k}_shell_imp(sa_dec *d, const msgpack_object *o) {\n  const msgpack_object *el = sa_dec_array(d, o, ${ms.length}u);\n${ms.map(({ m, fns }, i) => (fns ? `  ${fns.imp}(d, &el[${i}], (void *)&${m.expr});` : `  (void)el[${i}];`)).join('\n')}\n}`,
        );
      }
    } catch (e) {
      if (!(e instanceof UnmovableError)) throw e;
      errors.push(`${c.report.file}:${c.report.line}: variable ${c.report.name} (${c.report.type}): its entries cannot be moved soundly: ${e.message}`);
    }
  });
  const hasConts = (k: number) => slotPlans.get(k)?.mode === 'slots';
  const hasShell = (k: number) => hasConts(k) && slotPlans.get(k)?.shell !== undefined;

  // 3. Globals and functions whose addresses pointers may hold.
  const addrGlobals = new Set<VarId>(chosen.map((c) => c.v));
  const addrFuncs = new Set<string>();
  for (const i of program.instrs)
    if (i.kind === 'addr') {
      if (i.target.kind === 'func') addrFuncs.add(i.target.name);
      else {
        const v = program.vars[i.target.var];
        if ((v.scope === 'global' || v.scope === 'static') && v.function === undefined) addrGlobals.add(v.id);
      }
    }
  const globalRows: string[] = [];
  [...addrGlobals].forEach((v, k) => {
    const info = program.vars[v];
    const unit = unitOf.get(absOf(info.loc.file));
    if (unit === undefined) return;
    unitCode[unit].push(`void *const sa_g${k}_addr = (void *)&${info.name};`, `const size_t sa_g${k}_size = sizeof ${info.name};`);
    globalRows.push(`extern void *const sa_g${k}_addr; extern const size_t sa_g${k}_size;`);
    globalRows.push(`#define SA_G${k} {${JSON.stringify(`${basename(info.loc.file)}::${info.name}`)}, &sa_g${k}_addr, &sa_g${k}_size}`);
  });
  const funcRows: string[] = [];
  [...addrFuncs].forEach((key, k) => {
    const f = program.functions.get(key);
    if (!f) return;
    const unit = unitOf.get(absOf(f.loc.file));
    if (unit === undefined) return;
    unitCode[unit].push(`void (*const sa_f${k})(void) = (void (*)(void))${f.name};`);
    funcRows.push(`extern void (*const sa_f${k})(void);`, `#define SA_F${k} {${JSON.stringify(key)}, &sa_f${k}}`);
  });

  // 4. Receive hooks: rename the receive call to the runtime's wrapper.
  const recvInstrs: InstrId[] = [];
  const hooks: BuildReport['hooks'] = [];
  for (const s of cls.recvSites)
    if (!WRAPPED_RECEIVES.includes(s.callee)) errors.push(`${s.file}:${s.line}: receive call ${s.callee} has no runtime hook (supported: ${WRAPPED_RECEIVES.join(', ')})`);
  for (const i of program.instrs) {
    if (i.kind !== 'call' || !WRAPPED_RECEIVES.includes(i.callee) || program.instrFunc[i.id] === GLOBAL_INIT) continue;
    const unit = unitOf.get(absOf(i.loc.file));
    if (unit === undefined) continue;
    recvInstrs.push(i.id);
    const calls = callsAt(files[unit], i.loc.line, i.loc.column, i.callee);
    if (calls.length === 0) {
      errors.push(`${i.loc.file}:${i.loc.line}: cannot find the call to ${i.callee} to hook`);
      continue;
    }
    for (const c of calls) {
      const f = c.childForFieldName('function')!;
      if (!edits[unit].some((e) => e.at === f.startIndex && e.del > 0)) {
        edits[unit].push({ at: f.startIndex, del: f.endIndex - f.startIndex, text: RENAMED[i.callee], rank: 5 });
        hooks.push({ file: i.loc.file, line: i.loc.line, callee: i.callee });
      }
    }
  }

  // 5. Updated-bit marks, pruned by the must-set analysis.
  // A variable that is wholly a per-process resource (a pthread mutex) encodes as nil: no bit to set.
  const unmarked = new Set(chosen.flatMap((c, k) => (gens[c.unit].isResource(program.vars[c.v].type) ? [k] : [])));
  const plan = planMarks(program, pts, chosen.map((c) => c.v), recvInstrs, { unmarked });
  const placed = new Map<string, { unit: number; bits: Set<number>; place: NonNullable<ReturnType<typeof placeBefore>> }>();
  for (const s of plan.kept) {
    const i = program.instrs[s.instr];
    const unit = unitOf.get(absOf(i.loc.file));
    const where = unit === undefined ? null : placeBefore(files[unit], i.loc.line, i.loc.column);
    if (unit === undefined || where === null) {
      errors.push(`${i.loc.file}:${i.loc.line}:${i.loc.column}: cannot place the updated-bit mark for ${chosen[s.bit].report.name} before \`${i.text}\``);
      continue;
    }
    const k = `${unit}:${where.key}`;
    const e = placed.get(k) ?? { unit, bits: new Set<number>(), place: where };
    e.bits.add(s.bit);
    placed.set(k, e);
  }
  for (const p of placed.values())
    edits[p.unit].push(...p.place.edits([...p.bits].sort((a, b) => a - b).map((b) => `SA_MARK(${b})`).join(', ')));

  // 6. main → sa_mbox_main.
  const mainFn = program.functions.get('main');
  const mainUnit = mainFn ? unitOf.get(absOf(mainFn.loc.file)) : undefined;
  const mainId = mainUnit !== undefined ? files[mainUnit].functionName('main') : undefined;
  if (mainUnit === undefined || mainId === undefined) errors.push(`${m.name}: no main function in the sources`);
  else edits[mainUnit].push({ at: mainId.startIndex, del: 4, text: 'sa_mbox_main', rank: 5 });

  if (errors.length > 0)
    throw new StatelabError('E_BUILD', `cannot instrument ${m.name} soundly:\n  ${errors.join('\n  ')}`);

  // 7. Write the instrumented units and the tables.
  const outSrcs: string[] = [];
  files.forEach((f, u) => {
    const body = applyEdits(f.text, edits[u]);
    const name = `u${u}_${basename(f.path)}`;
    const path = join(out, 'src', name);
    const lines = body.split('\n').length;
    const gen = gens[u].code();
    const tail = unitCode[u].length + gen.length === 0 ? '' :
      `\n#line ${lines + 3} "${path}"\n#include <string.h>\n#include "sa_runtime.h"\n${gen}\n${unitCode[u].join('\n')}\n`;
    writeFileSync(path, `#include "sa_hooks.h"\n#line 1 "${f.path}"\n${body}${tail}`);
    outSrcs.push(path);
  });
  const varRows = chosen.map((c, k) => `void sa_v${k}_ser(sa_enc *e); void sa_v${k}_imp(sa_dec *d, const msgpack_object *o);${hasConts(k) ? ` int sa_v${k}_conts(struct sa_cont *c, int max);` : ''}${hasShell(k) ? ` void sa_v${k}_shell_ser(sa_enc *e); void sa_v${k}_shell_imp(sa_dec *d, const msgpack_object *o);` : ''}`);
  const gIdx = globalRows.filter((r) => r.startsWith('#define')).map((r) => /SA_G(\d+)/.exec(r)![1]);
  const fIdx = funcRows.filter((r) => r.startsWith('#define')).map((r) => /SA_F(\d+)/.exec(r)![1]);
  const state = [
    `/* sa_state.c — generated by statelab build for ${m.name}: the variable, global and function tables. */`,
    '#include "sa_runtime.h"',
    ...varRows,
    ...globalRows,
    ...funcRows,
    'const struct sa_var_desc sa_vars[] = {',
    ...chosen.map((c, k) => `  {${JSON.stringify(payloadName(c))}, ${k}, ${groups[k]}, ${c.report.flowspace.length > 0 ? 1 : 0}, sa_v${k}_ser, sa_v${k}_imp, ${hasConts(k) ? `sa_v${k}_conts` : '0'}, ${hasShell(k) ? `sa_v${k}_shell_ser, sa_v${k}_shell_imp` : '0, 0'}},`),
    chosen.length === 0 ? '  {0, 0, 0, 0, 0, 0, 0, 0, 0}' : '',
    '};',
    `const int sa_nvars = ${chosen.length};`,
    `unsigned char sa_bits[${Math.max(1, chosen.length)}];`,
    `unsigned char sa_whole[${Math.max(1, chosen.length)}];`,
    `const struct sa_global_desc sa_globals[] = {${gIdx.map((k) => `SA_G${k}`).join(', ') || '{0, 0, 0}'}};`,
    `const int sa_nglobals = ${gIdx.length};`,
    `const struct sa_func_desc sa_funcs[] = {${fIdx.map((k) => `SA_F${k}`).join(', ') || '{0, 0}'}};`,
    `const int sa_nfuncs = ${fIdx.length};`,
    '',
  ].join('\n');
  const statePath = join(out, 'src', 'sa_state.c');
  writeFileSync(statePath, state);

  const binary = join(out, m.name);
  const runtime = ['sa_runtime.c', 'sa_objects.c'].map((f) => join(RUNTIME_DIR, f));
  compile(cc, [
    ...flags, ...incs, `-I${RUNTIME_DIR}`, '-o', binary, ...outSrcs, statePath, ...runtime,
    `-Wl,${WRAPPED_ALLOC.map((a) => `--wrap=${a}`).join(',')}`, '-lpcap', '-lmsgpackc', '-lpthread',
  ], `${m.name} (instrumented)`);

  const variables: TransferredVar[] = chosen.map((c, k) => ({
    name: payloadName(c), file: c.report.file, line: c.report.line, type: c.report.type, bit: k, group: groups[k],
    flowspace: c.report.flowspace, outsideFlowspace: c.report.outsideFlowspace,
    ...(slotPlans.has(k) ? { selection: selectionOf(slotPlans.get(k)!) } : {}),
  }));
  const keptLocal = [...new Set(gens.flatMap((g) => g.keptLocal))];
  const report: BuildReport = {
    middlebox: m.name, binary, plain: false, deps, variables, notTransferred, keptLocal,
    marks: { inserted: plan.candidates.length, pruned: plan.candidates.length - plan.kept.length, placed: placed.size },
    hooks, sources: outSrcs.map((s) => relative(process.cwd(), s)),
  };
  writeFileSync(join(out, 'build-report.json'), JSON.stringify(report, null, 2) + '\n');
  return report;
}

function selectionOf(p: SlotPlan): NonNullable<TransferredVar['selection']> {
  return {
    mode: p.mode, sites: p.sites.length, wholeMarks: p.wholeMarks.length, pruned: p.pruned.length,
    ...(p.fallback ? { fallback: p.fallback } : {}), siteList: p.sites, wholeMarkList: p.wholeMarks, prunedList: p.pruned,
  };
}

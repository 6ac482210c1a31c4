// Readable text of the IR: one line per instruction, blocks with their edges,
// variables by name (`x#12` when names repeat), types in C spelling.
import type { CType, Func, Instr, Operand, Program, TypeId, VarId } from './types.js';
import { GLOBAL_INIT } from './types.js';

export function typeToString(types: readonly CType[], t: TypeId, depth = 0): string {
  const ct = types[t];
  if (!ct || depth > 8) return '?';
  switch (ct.kind) {
    case 'void':
      return 'void';
    case 'int':
    case 'float':
    case 'typedef':
      return ct.name;
    case 'pointer':
      return `${typeToString(types, ct.to, depth + 1)}*`;
    case 'array':
      return `${typeToString(types, ct.of, depth + 1)}[${ct.length ?? ''}]`;
    case 'struct':
    case 'union':
    case 'enum':
      return `${ct.kind} ${ct.tag ?? `<anon#${t}>`}`;
    case 'function':
      return `${typeToString(types, ct.ret, depth + 1)}(${ct.params.map((p) => typeToString(types, p, depth + 1)).join(', ')}${ct.variadic ? ', ...' : ''})`;
  }
}

export function varName(p: Program, v: VarId): string {
  const x = p.vars[v];
  if (!x) return `?${v}`;
  if (x.scope === 'temp') return x.name;
  if (x.scope === 'string') return `${x.name}"${x.text ?? ''}"`.slice(0, 40);
  return x.function && x.scope !== 'param' && x.scope !== 'local' ? `${x.name}@${x.function}` : x.name;
}

function operand(p: Program, o: Operand): string {
  return o.kind === 'const' ? o.text : varName(p, o.var);
}

export function instrToString(p: Program, i: Instr): string {
  switch (i.kind) {
    case 'addr':
      return `${varName(p, i.dst)} = &${i.target.kind === 'var' ? varName(p, i.target.var) : i.target.name}`;
    case 'copy':
      if (i.op === '=') return `${varName(p, i.dst)} = ${operand(p, i.srcs[0] ?? { kind: 'const', text: '?' })}`;
      if (i.op === 'cast') return `${varName(p, i.dst)} = (${typeToString(p.types, i.type)}) ${i.srcs.map((s) => operand(p, s)).join(', ')}`;
      return `${varName(p, i.dst)} = ${i.op}(${i.srcs.map((s) => operand(p, s)).join(', ')})`;
    case 'gep':
      return i.field
        ? `${varName(p, i.dst)} = &${varName(p, i.base)}->${i.field.name}`
        : `${varName(p, i.dst)} = &${varName(p, i.base)}[${i.index ? operand(p, i.index) : '?'}]`;
    case 'load':
      return `${varName(p, i.dst)} = *${varName(p, i.addr)}`;
    case 'store':
      return `*${varName(p, i.addr)} = ${operand(p, i.src)}`;
    case 'call':
      return `${i.dst !== undefined ? `${varName(p, i.dst)} = ` : ''}call ${i.callee}(${i.args.map((a) => operand(p, a)).join(', ')})`;
    case 'icall':
      return `${i.dst !== undefined ? `${varName(p, i.dst)} = ` : ''}icall *${varName(p, i.target)}(${i.args.map((a) => operand(p, a)).join(', ')})`;
    case 'ret':
      return i.value ? `ret ${operand(p, i.value)}` : 'ret';
    case 'branch':
      return i.cases ? `switch ${i.cond.map((c) => operand(p, c)).join(', ')} [${i.cases.join(' | ')}]` : `branch ${i.cond.map((c) => operand(p, c)).join(', ')}`;
  }
}

export function printFunction(p: Program, f: Func): string {
  const lines: string[] = [];
  const params = f.params.map((v) => `${typeToString(p.types, p.vars[v].type)} ${p.vars[v].name}`).join(', ');
  lines.push(`function ${f.key}(${params})${f.variadic ? ' ...' : ''}${f.isStatic ? ' static' : ''}${f.partial ? ' PARTIAL' : ''}  @ ${f.loc.file}:${f.loc.line}`);
  for (const b of f.blocks) {
    const role = b.id === f.entry ? ' (entry)' : b.id === f.exit ? ' (exit)' : '';
    lines.push(`  bb${b.id}${b.label ? ` [${b.label}]` : ''}${role}  preds: ${b.preds.map((x) => `bb${x}`).join(' ') || '-'}`);
    for (const i of b.instrs) lines.push(`    %${i.id}: ${instrToString(p, i)}    ; ${i.loc.file.split('/').pop()}:${i.loc.line}`);
    if (b.succs.length) lines.push(`    -> ${b.succs.map((s) => `bb${s}`).join(' ')}`);
  }
  return lines.join('\n');
}

export function printProgram(p: Program): string {
  const out: string[] = [];
  const globals = p.vars.filter((v) => v.scope === 'global' || (v.scope === 'static' && v.function === undefined));
  out.push('globals:');
  for (const v of globals) out.push(`  ${v.scope} ${typeToString(p.types, v.type)} ${v.name}  @ ${v.loc.file}:${v.loc.line}${v.addressTaken ? ' &' : ''}`);
  out.push('');
  if (p.globalInit.blocks.some((b) => b.instrs.length)) {
    out.push(printFunction(p, p.globalInit).replace(`function ${GLOBAL_INIT}()`, `function ${GLOBAL_INIT}`));
    out.push('');
  }
  for (const f of p.functions.values()) {
    out.push(printFunction(p, f));
    out.push('');
  }
  if (p.externals.size) out.push(`externals: ${[...p.externals].sort().join(', ')}`);
  return out.join('\n');
}

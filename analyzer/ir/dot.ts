// Graphviz DOT of one function's CFG: a record node per block listing its instructions.
import { instrToString } from './printer.js';
import type { Func, Program } from './types.js';

function esc(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/[{}<>|]/g, (c) => `\\${c}`);
}

export function cfgToDot(func: Func, program?: Program): string {
  const lines = [`digraph "${esc(func.key)}" {`, '  node [shape=record, fontname="monospace", fontsize=10];'];
  for (const b of func.blocks) {
    const head = `bb${b.id}${b.label ? ` ${b.label}` : ''}${b.id === func.entry ? ' (entry)' : ''}${b.id === func.exit ? ' (exit)' : ''}`;
    const body = b.instrs.map((i) => `${esc(program ? instrToString(program, i) : i.kind)}  :${i.loc.line}\\l`).join('');
    lines.push(`  bb${b.id} [label="{${esc(head)}${body ? `|${body}` : ''}}"];`);
  }
  for (const b of func.blocks) {
    const last = b.instrs[b.instrs.length - 1];
    b.succs.forEach((s, k) => {
      let label = '';
      if (last?.kind === 'branch') {
        if (last.cases) label = k < last.cases.length ? last.cases[k] : 'default';
        else label = k === 0 ? 'T' : 'F';
      }
      lines.push(`  bb${b.id} -> bb${s}${label ? ` [label="${esc(label)}"]` : ''};`);
    });
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

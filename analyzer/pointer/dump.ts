// Human-readable views of a solved analysis: the points-to dump (`--dump pts [name]`)
// and the call graph in Graphviz DOT (`--dump callgraph`).
import type { Program } from '../ir/types.js';
import type { PointsTo } from './types.js';

function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * One line per variable with a non-empty points-to set, `name -> {a, b}` sorted by name;
 * with `name`, only variables whose plain or qualified name (`func::x`) equals it.
 */
export function pointsToDump(program: Program, pts: PointsTo, name?: string): string {
  const lines: string[] = [];
  for (const v of program.vars) {
    const obj = pts.objects[pts.objectOfVar(v.id)]!;
    if (name !== undefined && v.name !== name && obj.name !== name) continue;
    const set = pts.pointsToVar(v.id);
    if (set.size === 0 && name === undefined) continue;
    const names = [...set].map((o) => pts.objects[o]!.name).sort();
    lines.push(`${obj.name} -> {${names.join(', ')}}`);
  }
  lines.sort();
  const head = `# ${pts.kind}${pts.fieldSensitive ? ' field-sensitive' : ''}: ${pts.objects.length} objects, `
    + `${pts.stats.constraints} constraints, avg |pts| ${pts.stats.avgPointsTo.toFixed(2)}, ${pts.stats.ms.toFixed(0)} ms`;
  const unknown = pts.unknownExternals.length > 0 ? [`# unknown externals: ${pts.unknownExternals.join(', ')}`] : [];
  return [head, ...unknown, ...lines].join('\n') + '\n';
}

/** Functions as nodes; solid edges for direct calls, dashed for indirect, dotted for library callbacks. */
export function callGraphDot(program: Program, pts: PointsTo): string {
  const out: string[] = ['digraph callgraph {', '  node [shape=box, fontname="monospace"];'];
  const defined = new Set(program.functions.keys());
  const externals = new Set<string>();
  const edges = new Set<string>();
  for (const f of program.functions.values()) out.push(`  ${q(f.key)};`);
  for (const f of [program.globalInit, ...program.functions.values()]) {
    for (const b of f.blocks) {
      for (const i of b.instrs) {
        if (i.kind !== 'call' && i.kind !== 'icall') continue;
        const style = i.kind === 'icall' ? ' [style=dashed]' : '';
        for (const c of pts.callGraph.calleesOf(i.id)) {
          if (!defined.has(c)) externals.add(c);
          edges.add(`  ${q(f.key)} -> ${q(c)}${style};`);
        }
        for (const c of pts.callGraph.callbacksOf(i.id)) {
          if (!defined.has(c)) externals.add(c);
          edges.add(`  ${q(f.key)} -> ${q(c)} [style=dotted, label=${q('callback')}];`);
        }
      }
    }
  }
  for (const e of [...externals].sort()) out.push(`  ${q(e)} [style=dashed];`);
  out.push(...[...edges].sort(), '}');
  return out.join('\n') + '\n';
}

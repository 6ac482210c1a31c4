// Graphviz DOT writer with proper quoting, so labels holding C source
// (quotes, backslashes, newlines) always produce a file `dot` accepts.

export interface DotNode {
  id: string;
  label: string;
  attrs?: Record<string, string>;
}

export interface DotEdge {
  from: string;
  to: string;
  label?: string;
  attrs?: Record<string, string>;
}

export interface DotCluster {
  id: string;
  label: string;
  nodes: string[];
}

export function dotQuote(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n') + '"';
}

function attrList(a: Record<string, string> | undefined, label?: string): string {
  const parts: string[] = [];
  if (label !== undefined) parts.push(`label=${dotQuote(label)}`);
  for (const [k, v] of Object.entries(a ?? {})) parts.push(`${k}=${dotQuote(v)}`);
  return parts.length > 0 ? ` [${parts.join(', ')}]` : '';
}

export function writeDot(
  name: string,
  nodes: readonly DotNode[],
  edges: readonly DotEdge[],
  clusters: readonly DotCluster[] = [],
): string {
  const lines = [`digraph ${dotQuote(name)} {`, '  node [shape=box, fontname="monospace"];'];
  const clustered = new Set<string>();
  const byId = new Map(nodes.map((n) => [n.id, n]));
  clusters.forEach((c, i) => {
    lines.push(`  subgraph ${dotQuote('cluster_' + i)} {`, `    label=${dotQuote(c.label)};`);
    for (const id of c.nodes) {
      const n = byId.get(id);
      if (!n) continue;
      clustered.add(id);
      lines.push(`    ${dotQuote(n.id)}${attrList(n.attrs, n.label)};`);
    }
    lines.push('  }');
  });
  for (const n of nodes) if (!clustered.has(n.id)) lines.push(`  ${dotQuote(n.id)}${attrList(n.attrs, n.label)};`);
  for (const e of edges) lines.push(`  ${dotQuote(e.from)} -> ${dotQuote(e.to)}${attrList(e.attrs, e.label)};`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

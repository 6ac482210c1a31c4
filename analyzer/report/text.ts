// People-readable report: the paper's Table 3 row, stage timings, then one row per variable.
import type { AnalysisReport, VariableReport } from '../state/types.js';

/** Render rows as an aligned plain-text table (first row is the header). */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const line = (row: string[]) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join('\n');
}

const TABLE3_HEADER = ['variables', 'persistent', 'top-level', 'updateable', 'keyed', 'pkt-output', 'log-output'];

export function table3Row(r: AnalysisReport): string[] {
  const c = r.counts;
  return [c.variables, c.persistent, c.topLevel, c.updateable, c.keyed, c.pktOutput, c.logOutput].map(String);
}

export function formatTable3(r: AnalysisReport): string {
  return table([TABLE3_HEADER, table3Row(r)]);
}

export function formatTimings(r: AnalysisReport): string {
  const total = r.timings.reduce((s, t) => s + t.ms, 0);
  const peak = r.timings.reduce((m, t) => Math.max(m, t.peakRssMiB), 0);
  return table([
    ['stage', 'ms', 'peak RSS MiB'],
    ...r.timings.map((t) => [t.stage, t.ms.toFixed(1), t.peakRssMiB.toFixed(0)]),
    ['total', total.toFixed(1), peak.toFixed(0)],
  ]);
}

const mark = (b: boolean) => (b ? 'x' : '');

function where(v: VariableReport): string {
  return `${v.file}:${v.line}`;
}

export function formatVariables(r: AnalysisReport, opts: { all?: boolean } = {}): string {
  const vars = opts.all ? r.variables : r.variables.filter((v) => v.topLevel);
  return table([
    ['variable', 'scope', 'type', 'top', 'upd', 'flowspace', 'outside', 'pkt', 'log', 'declared'],
    ...vars.map((v) => [
      v.function ? `${v.function}::${v.name}` : v.name,
      v.scope,
      v.type,
      mark(v.topLevel),
      mark(v.updateable),
      v.flowspace.join(',') || '-',
      mark(v.outsideFlowspace),
      mark(v.pktOutput),
      mark(v.logOutput),
      where(v),
    ]),
  ]);
}

/** Every verdict with its reason, for `--explain`. */
export function formatReasons(r: AnalysisReport): string {
  const out: string[] = [];
  for (const v of r.variables) {
    if (!v.topLevel) continue;
    out.push(`${v.function ? `${v.function}::` : ''}${v.name} (${where(v)})`);
    for (const reason of v.reasons) {
      out.push(`  ${reason.verdict}: \`${reason.text}\` at ${reason.file}:${reason.line} ${reason.chain}`);
    }
  }
  return out.join('\n');
}

export function formatReport(r: AnalysisReport, opts: { all?: boolean } = {}): string {
  const parts = [
    `statelab analysis of ${r.program.files.length} file(s), ${r.program.loc} lines, ${r.program.functions} functions`,
    `loop procedure(s): ${r.loopProcs.join(', ') || '(none found)'}; packet-processing procedures: ${r.pktProcs.length}`,
    '',
    formatTable3(r),
    '',
    formatVariables(r, opts),
  ];
  if (r.unknownExternals.length) parts.push('', `unknown externals (treated soundly): ${r.unknownExternals.join(', ')}`);
  if (r.warnings.length) parts.push('', `${r.warnings.length} warning(s):`, ...r.warnings.map((w) => `  ${w.file}:${w.line}: ${w.message}`));
  parts.push('', formatTimings(r));
  return parts.join('\n');
}

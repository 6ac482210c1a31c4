// `statelab build <middlebox-dir>`: instrumented (or --plain) build of a middlebox
// with the C state runtime; prints what moves, the marks and the binary's path.
import type { Command } from 'commander';
import { buildMiddlebox, type BuildReport } from '../analyzer/index.js';

export function formatBuild(r: BuildReport): string {
  if (r.plain) return `${r.middlebox}: plain build → ${r.binary}\n`;
  const lines = [`${r.middlebox}: instrumented build → ${r.binary} (dependences: ${r.deps})`];
  lines.push(`hooks: ${r.hooks.map((h) => `${h.callee} at ${h.file}:${h.line}`).join(', ') || 'none'}`);
  lines.push(`updated-bit marks: ${r.marks.inserted} inserted, ${r.marks.pruned} pruned, ${r.marks.placed} placed in the source`);
  lines.push(`transferred variables (${r.variables.length}):`);
  for (const v of r.variables) {
    lines.push(`  ${v.name} : ${v.type}  bit ${v.bit} group ${v.group}${v.flowspace.length ? `  flowspace ${v.flowspace.join(',')}` : ''}`);
    const s = v.selection;
    if (s?.mode === 'slots') lines.push(`    entries by slot: ${s.sites} subscripts record their slot, ${s.pruned} implied by an earlier one, ${s.wholeMarks} sweep loop(s) send it whole`);
    else if (s) lines.push(`    travels whole in the flowspace models: ${s.fallback}`);
  }
  for (const n of r.notTransferred) lines.push(`  not transferred: ${n.name} — ${n.reason}`);
  if (r.keptLocal.length) lines.push(`kept per process (resource handles): ${r.keptLocal.join(', ')}`);
  return lines.join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('build')
    .description('analyze a middlebox and build it instrumented to export/import its state (or --plain)')
    .argument('<middlebox-dir>', 'folder with mbox.json')
    .option('--out <dir>', 'output folder (default <middlebox-dir>/build/sa)')
    .option('--plain', 'build the unmodified middlebox for comparison')
    .option('--conservative-deps', 'answer dependence queries with every statement instead of slicing the SDG (sound, coarser, fast)')
    .option('--sanitize', 'compile with ASan+UBSan')
    .option('--count-marks', 'count executed updated-bit marks (SA_STATS=1 prints marks per packet at exit)')
    .option('--json', 'print the build report as JSON')
    .action((dir: string, o: { out?: string; plain?: boolean; conservativeDeps?: boolean; sanitize?: boolean; countMarks?: boolean; json?: boolean }) => {
      const r = buildMiddlebox(dir, { outDir: o.out, plain: o.plain, deps: o.conservativeDeps ? 'conservative' : 'sdg', sanitize: o.sanitize, countMarks: o.countMarks });
      process.stdout.write(o.json ? JSON.stringify(r, null, 2) + '\n' : formatBuild(r));
    });
}

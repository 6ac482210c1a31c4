// `statelab demo` (the README's `npm run demo`): the paper's running example (Figure 3)
// with its verdicts and reasons, then the compact version of every registered experiment
// (Table 3, Table 4, Figures 11/12, soundness, overhead, failover) on the bundled traces,
// printing the Table 3 rows, the per-model state bytes with their ratios, the equivalence
// verdicts, and where the HTML report is. Exit 1 when a check failed.
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { analyze } from '../analyzer/analyze.js';
import { PACKAGE_ROOT } from '../analyzer/paths.js';
import { formatReasons, formatVariables, table } from '../analyzer/report/index.js';
import { EXPERIMENTS, runExperiments, type ExperimentResult } from '../experiments/index.js';
import { usageError } from '../analyzer/errors.js';

/** When an experiment has no `brief`: its one-paragraph reading and its first table. */
export function defaultBrief(r: ExperimentResult): string {
  const t = r.tables[0];
  if (!t) return r.summary;
  const rows = [t.columns.map((c) => (c.unit ? `${c.label} (${c.unit})` : c.label)), ...t.rows.map((row) => t.columns.map((c) => (row[c.key] === null || row[c.key] === undefined ? '-' : String(row[c.key]))))];
  return `${table(rows)}\n${r.summary}`;
}

const indent = (s: string): string => s.split('\n').map((l) => (l ? `  ${l}` : l)).join('\n');

export function register(program: Command): void {
  program
    .command('demo')
    .description("the paper's Figure 3 example, then every experiment in its compact version on the bundled traces, and the HTML report")
    .option('--out <dir>', 'results folder', 'results/demo')
    .option('--jobs <n>', 'parallel units of work (default: the number of cores)')
    .option('--fresh', 'discard journaled units of an earlier demo and start over')
    .action(async (o: { out: string; jobs?: string; fresh?: boolean }) => {
      if (o.jobs !== undefined && !/^[1-9]\d{0,3}$/.test(o.jobs)) throw usageError(`--jobs must be a positive integer, got "${o.jobs}"`);
      const w = (s: string): boolean => process.stdout.write(s);
      const fig3 = analyze([join(PACKAGE_ROOT, 'test/fixtures/c/fig3.c')]).report;
      w("== The paper's running example (Figure 3), completed: test/fixtures/c/fig3.c\n\n");
      w(formatVariables(fig3) + '\n\n' + formatReasons(fig3) + '\n\n');

      const t0 = performance.now();
      const out = resolve(o.out);
      const outcome = await runExperiments({ names: ['all'], out, compact: true, fresh: o.fresh ?? false, jobs: o.jobs === undefined ? undefined : Number(o.jobs) });
      for (const r of outcome.results) {
        const exp = await EXPERIMENTS[r.name]!();
        w(`\n== ${exp.title}  (${relative(process.cwd(), r.dir) || '.'}/result.json)\n\n`);
        w(indent(exp.brief ? exp.brief(r.result) : defaultBrief(r.result)) + '\n');
        if (r.result.check && !r.result.check.passed) w(`  CHECK FAILED: ${r.result.check.detail}\n`);
      }
      w(`\n${outcome.results.length} experiments (compact) in ${((performance.now() - t0) / 1000).toFixed(0)} s; results in ${relative(process.cwd(), out) || '.'}/<name>/\n`);
      w(outcome.reportPath ? `HTML report: ${outcome.reportPath}\n` : 'HTML report: not written (experiments/report is not available in this build)\n');
      if (outcome.failedChecks.length) {
        process.stderr.write(`statelab demo: check failed in ${outcome.failedChecks.join(', ')}\n`);
        process.exitCode = 1;
      }
    });
}

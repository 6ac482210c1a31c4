// `statelab experiment <name>|all`: runs experiments (DESIGN §7) in parallel and
// resumably, writing <out>/<name>/result.json, CSVs and plots, then the HTML report;
// exit 1 when a check failed (a non-equivalent soundness run), after writing everything.
import type { Command } from 'commander';
import { usageError } from '../analyzer/errors.js';
import { experimentNames, runExperiments } from '../experiments/index.js';

function int(name: string, v: string, min: number, max: number): number {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw usageError(`${name} must be an integer in ${min}..${max}, got "${v}"`);
  return Number(v);
}

const collect = (v: string, acc: string[]): string[] => [...acc, v];

export interface ExperimentCliOptions {
  trace: string[];
  middlebox: string[];
  out: string;
  jobs?: string;
  compact?: boolean;
  fresh?: boolean;
  seed: string;
  report: boolean;
}

export function register(program: Command): void {
  program
    .command('experiment')
    .description(`run experiments and write their results and the HTML report: <name>|all (${experimentNames().join(', ')})`)
    .argument('<names...>', "experiment names, or 'all'")
    .option('--trace <file>', 'a trace to use (repeatable; default: compact → traces/, full → ../shared/traces)', collect, [])
    .option('--middlebox <name>', 'restrict to a bundled middlebox (repeatable; default: all)', collect, [])
    .option('--out <dir>', 'results folder', 'results')
    .option('--jobs <n>', 'parallel units of work (default: the number of cores)')
    .option('--compact', 'the demo-sized version')
    .option('--fresh', 'discard journaled units and start over')
    .option('--seed <s>', 'root seed of every random choice', '1')
    .option('--no-report', 'do not write the HTML report')
    .action(async (names: string[], o: ExperimentCliOptions) => {
      const outcome = await runExperiments({
        names,
        out: o.out,
        traces: o.trace,
        middleboxes: o.middlebox,
        jobs: o.jobs === undefined ? undefined : int('--jobs', o.jobs, 1, 1024),
        compact: o.compact ?? false,
        fresh: o.fresh ?? false,
        seed: int('--seed', o.seed, 0, 0xffffffff),
        report: o.report,
      });
      for (const r of outcome.results) process.stdout.write(`${r.name}: ${r.result.summary}\n  → ${r.dir}/result.json\n`);
      if (outcome.reportPath) process.stdout.write(`report: ${outcome.reportPath}\n`);
      if (outcome.failedChecks.length) {
        for (const n of outcome.failedChecks) {
          const r = outcome.results.find((x) => x.name === n);
          process.stderr.write(`statelab: ${n} check failed: ${r?.result.check?.detail ?? ''}\n`);
        }
        process.exitCode = 1;
      }
    });
}

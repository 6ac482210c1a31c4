// `statelab demo` (the README's `npm run demo`): the analyzer on the paper's running
// example and on every bundled middlebox — the paper's Table 3 row for each, with
// time and peak memory, and the Figure 3 verdicts with their reasons — then
// instrumented primary/standby pairs failing over on a bundled trace, with the
// equivalence verdict and state bytes per packet of each transfer model.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { analyze } from '../analyzer/analyze.js';
import { PACKAGE_ROOT } from '../analyzer/paths.js';
import { formatReasons, formatVariables, table, table3Row } from '../analyzer/report/index.js';
import { instrumentedLauncher, loadMbox, run, MODELS } from '../harness/index.js';

const ROOT = PACKAGE_ROOT;

export function register(program: Command): void {
  program
    .command('demo')
    .description('analyze the paper\'s Figure 3 example and every bundled middlebox; print Table 3')
    .action(async () => {
      const fig3 = analyze([join(ROOT, 'test/fixtures/c/fig3.c')]).report;
      process.stdout.write('== The paper\'s running example (Figure 3), completed: test/fixtures/c/fig3.c\n\n');
      process.stdout.write(formatVariables(fig3) + '\n\n' + formatReasons(fig3) + '\n\n');

      const dir = join(ROOT, 'middleboxes');
      const boxes = readdirSync(dir).filter((d) => existsSync(join(dir, d, 'mbox.json')));
      const rows = [['middlebox', 'variables', 'persistent', 'top-level', 'updateable', 'keyed', 'pkt-output', 'log-output', 'LOC', 'seconds', 'peak MiB']];
      for (const box of boxes) {
        process.stderr.write(`analyzing middleboxes/${box} ...\n`);
        const r = analyze([join(dir, box)]).report;
        const ms = r.timings.reduce((s, t) => s + t.ms, 0);
        const peak = Math.max(...r.timings.map((t) => t.peakRssMiB));
        rows.push([box, ...table3Row(r), String(r.program.loc), (ms / 1000).toFixed(1), peak.toFixed(0)]);
      }
      process.stdout.write('== Table 3 for the bundled middleboxes (statelab analyze middleboxes/<name> for details)\n\n');
      process.stdout.write(table(rows) + '\n');

      // Failover: graceful and crash, every transfer model, on a committed trace.
      const trace = join(ROOT, 'traces/small-mixed.pcap');
      const work = mkdtempSync(join(tmpdir(), 'statelab-demo-'));
      const pairs = [['nat', 'graceful', 600], ['nat', 'crash', 900], ['assetmon', 'graceful', 600], ['assetmon', 'crash', 900]] as const;
      const runs = [['middlebox', 'failover', 'model', 'equivalent', 'state bytes/packet', 'frames']];
      let differ = 0;
      try {
        for (const [box, kind, at] of pairs) {
          const launcher = await instrumentedLauncher(loadMbox(join(dir, box)));
          for (const model of MODELS) {
            process.stderr.write(`failover: ${box} ${kind}@${at} ${model} ...\n`);
            const r = await run({ launcher, trace, model, failover: { kind, at }, workDir: join(work, `${box}-${kind}-${model}`), heartbeatMs: 50, missLimit: 10 });
            if (!r.equivalent) differ++;
            runs.push([box, `${kind}@${at}`, model, r.equivalent ? 'yes' : 'NO', r.stateBytes.perPacketMean.toFixed(0), String(r.frames.applied)]);
          }
        }
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      process.stdout.write(`\n== Failover on traces/small-mixed.pcap: primary's committed output + standby's output vs one instance\n\n`);
      process.stdout.write(table(runs) + '\n');
      if (differ) process.exitCode = 1;
    });
}

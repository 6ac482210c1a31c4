// One StateAlyzr analysis in its own child process (`statelab analyze --json`, the built
// CLI), so that its peak memory is its own and analyses run in parallel: the report plus
// the child's wall time. Used by table3 (counts, verdicts) and table4 (time, memory).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StatelabError } from '../analyzer/errors.js';
import { PACKAGE_ROOT } from '../analyzer/paths.js';
import type { AnalysisReport } from '../analyzer/state/types.js';

export const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');

export interface ChildAnalysis {
  middlebox: string;
  report: AnalysisReport;
  /** Wall time of the whole child: Node start, grammar load, every stage, JSON out. */
  wallMs: number;
  /** The child's RSS high-water mark (max over its stages' `peakRssMiB`). */
  peakRssMiB: number;
}

export function analyzeInChild(mboxDir: string, name: string, workDir: string, timeoutMs = 600_000): Promise<ChildAnalysis> {
  if (!existsSync(CLI)) throw new StatelabError('E_USAGE', `${CLI} is missing: run \`npm run build\` first (analyses run the built CLI in child processes)`);
  mkdirSync(workDir, { recursive: true });
  const out = join(workDir, `${name}.analysis.json`);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, 'analyze', mboxDir, '--json', out], { timeout: timeoutMs, maxBuffer: 64 << 20, killSignal: 'SIGKILL' }, (err, _stdout, stderr) => {
      const wallMs = performance.now() - t0;
      if (err) {
        reject(new Error(`statelab analyze ${mboxDir} failed (${err.signal ?? `exit ${String(err.code)}`}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      try {
        const report = JSON.parse(readFileSync(out, 'utf8')) as AnalysisReport;
        const peakRssMiB = Math.max(0, ...report.timings.map((t) => t.peakRssMiB));
        resolve({ middlebox: name, report, wallMs, peakRssMiB });
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

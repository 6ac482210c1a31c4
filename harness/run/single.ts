// One middlebox instance over the whole trace: the reference output the
// checker compares against, and the plain primary of `--failover none`.
import { join } from 'node:path';
import { startProcess, type RunRecord, type Subprocess } from '../process/index.js';
import { StatelabError } from '../errors.js';
import type { Model } from '../protocol/index.js';
import { replay, type TraceFacts } from './replay.js';
import type { OutputFiles } from './outputs.js';
import type { Launcher, ProcessTail, Role } from './types.js';

export function outputFiles(workDir: string, role: Role): OutputFiles {
  return { log: join(workDir, `${role}.log`), pcap: join(workDir, `${role}.pcap`) };
}

export function tail(role: Role, sp: Subprocess, r: RunRecord): ProcessTail {
  const exit = r.reason === 'exit' ? `exit ${r.exitCode}` : r.signal ? `${r.reason} (${r.signal})` : r.reason;
  return { role, command: sp.command, exit, stderrTail: r.stderr.slice(-2000) };
}

/** A run of a process that must end by itself with status 0. */
export function expectClean(role: Role, r: RunRecord): void {
  if (r.reason === 'exit' && r.exitCode === 0) return;
  const why = r.error ?? (r.reason === 'exit' ? `exit status ${r.exitCode}` : `${r.reason}${r.signal ? ` (${r.signal})` : ''}`);
  throw new StatelabError('E_PROCESS', `${role} middlebox failed: ${why}; stderr: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
}

/**
 * Run one instance. `viaStdin` streams the trace through the replayer (as the
 * pair's primary is fed); otherwise the middlebox reads the file itself.
 */
export async function runSingle(
  launcher: Launcher,
  facts: TraceFacts,
  workDir: string,
  model: Model,
  role: Role,
  viaStdin: boolean,
  timeoutMs: number,
): Promise<{ files: OutputFiles; tail: ProcessTail; ms: number }> {
  const files = outputFiles(workDir, role);
  const { argv, cwd } = launcher.command('single', viaStdin ? '-' : facts.file, files, model);
  const t0 = performance.now();
  const sp = startProcess(argv, { cwd, stdin: viaStdin ? 'pipe' : 'ignore', stdout: 'ignore', timeoutMs });
  if (viaStdin && sp.stdin) await replay(facts, sp.stdin);
  const rec = await sp.done;
  expectClean(role, rec);
  return { files, tail: tail(role, sp, rec), ms: performance.now() - t0 };
}

// `statelab run`: replay a trace through a middlebox (alone, or as a primary /
// hot-standby pair with failover), check output equivalence, write the record.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import {
  commandLauncher,
  describeDifference,
  instrumentedLauncher,
  loadMbox,
  parseFailover,
  plainLauncher,
  resolveFailover,
  runWithSpec,
  scanTrace,
  type Launcher,
  type RunResult,
} from '../harness/index.js';
import { requireLive, runLive } from '../harness/live/index.js';
import { MODELS, type Model } from '../harness/protocol/index.js';
import { inputError, usageError } from '../harness/errors.js';

interface RunCliOptions {
  trace: string;
  model: Model;
  failover: string;
  seed: string;
  live?: boolean;
  json?: string;
  keep?: string;
  heartbeatMs: string;
  missLimit: string;
  detector: 'heartbeat' | 'controller' | 'both';
  timeoutMs: string;
  instrumentedCommand?: string;
  liveWindow: string;
  quiet?: boolean;
}

function intOption(name: string, v: string, min: number, max: number): number {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw usageError(`${name} must be an integer in ${min}..${max}, got "${v}"`);
  return Number(v);
}

async function chooseLauncher(dir: string, failover: string, cmd: string | undefined): Promise<Launcher> {
  const spec = loadMbox(dir);
  if (cmd !== undefined) {
    const argv = cmd.split(/\s+/).filter(Boolean);
    if (argv.length === 0) throw usageError('--instrumented-command is empty');
    const plain = await plainLauncher(spec);
    const inst = commandLauncher(spec.name, [...argv, ...spec.args], spec.dir);
    // Reference run on the plain build; the pair on the given command.
    return { ...inst, command: (role, input, files, model) => (role === 'single' ? plain.command(role, input, files, model) : inst.command(role, input, files, model)) };
  }
  return failover === 'none' ? plainLauncher(spec) : instrumentedLauncher(spec);
}

export function register(program: Command): void {
  program
    .command('run')
    .description('replay a trace through a middlebox or a primary/standby pair with failover; exit 1 if failover changed the output')
    .argument('<middlebox-dir>', 'folder with mbox.json and a Makefile')
    .requiredOption('--trace <file>', 'pcap or pcapng trace')
    .addOption(new Option('--model <model>', 'state transfer model').choices([...MODELS]).default('all'))
    .option('--failover <spec>', 'none | graceful@K | crash@K | random', 'none')
    .option('--seed <n>', 'seed for --failover random', '1')
    .option('--live', 'replay live through veth pairs in network namespaces (needs root)')
    .option('--json <file>', 'write the run record as JSON')
    .option('--keep <dir>', 'keep every output file in this folder')
    .option('--heartbeat-ms <n>', 'primary heartbeat interval', '10')
    .option('--miss-limit <n>', 'heartbeats missed before the standby declares the primary dead', '3')
    .addOption(new Option('--detector <who>', 'who may declare a crashed primary dead').choices(['heartbeat', 'controller', 'both']).default('both'))
    .option('--timeout-ms <n>', 'limit for the whole run', '600000')
    .option('--instrumented-command <cmd>', 'use this command (taking -r/-l/-w and --sa-mode/--model) for the pair instead of building')
    .option('--live-window <n>', 'with --live: packets injected between checks that the middlebox has taken them, 1..16 (harness/live/README.md)', '8')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (dir: string, o: RunCliOptions) => {
      const failover = parseFailover(o.failover);
      const seed = intOption('--seed', o.seed, 0, 2 ** 32 - 1);
      const common = {
        trace: resolve(o.trace),
        model: o.model,
        heartbeatMs: intOption('--heartbeat-ms', o.heartbeatMs, 1, 60_000),
        missLimit: intOption('--miss-limit', o.missLimit, 1, 1000),
        detector: o.detector,
        timeoutMs: intOption('--timeout-ms', o.timeoutMs, 1000, 86_400_000),
        progress: o.quiet ? undefined : (line: string) => process.stderr.write(`statelab run: ${line}\n`),
      };
      // Live replay (harness/live): namespaces, veth pairs, cap; refused with the reason when the machine cannot.
      if (o.live) {
        await requireLive();
        if (o.instrumentedCommand !== undefined) throw usageError('--instrumented-command cannot be combined with --live (live runs start the middlebox\'s own builds inside namespaces)');
      }
      const liveWindow = intOption('--live-window', o.liveWindow, 1, 16);
      const launcher = o.live ? null : await chooseLauncher(dir, o.failover, o.instrumentedCommand);
      const workDir = o.keep !== undefined ? resolve(o.keep) : mkdtempSync(join(tmpdir(), 'statelab-run-'));
      let result: RunResult;
      try {
        if (launcher === null) {
          const resolved = resolveFailover(failover, (await scanTrace(common.trace)).packets, seed);
          const { timeoutMs, heartbeatMs, missLimit, detector, progress, model, trace } = common;
          result = await runLive({ mbox: loadMbox(dir), trace, model, failover: resolved, workDir, heartbeatMs, missLimit, detector, timeoutMs, window: liveWindow, progress });
        } else {
          result = await runWithSpec({ ...common, launcher, workDir, failover, seed });
        }
      } finally {
        if (o.keep === undefined) rmSync(workDir, { recursive: true, force: true });
      }
      if (o.json !== undefined) {
        try {
          writeFileSync(o.json, JSON.stringify(result, null, 2) + '\n');
        } catch (e) {
          throw inputError(`cannot write the run record: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: o.json });
        }
      }
      const what = `${o.live ? 'live, ' : ''}${result.middlebox} ${result.failover}${result.failoverAt !== null ? `@${result.failoverAt}` : ''} model ${result.model}, ${result.packets} packets`;
      if (result.equivalent) {
        process.stderr.write(`statelab run: equivalent (${what})\n`);
      } else {
        process.stderr.write(`statelab: outputs differ (${what})\n${describeDifference(result.firstDifference!)}\n`);
        process.exitCode = 1;
      }
    });
}

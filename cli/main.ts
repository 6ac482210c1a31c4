#!/usr/bin/env node
// statelab's one executable: builds the commander program from one module per
// subcommand and maps errors to DESIGN §8 exit codes with a one-line reason.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { StatelabError } from '../analyzer/errors.js';
import { commands } from './commands.js';

export function buildProgram(): Command {
  const program = new Command('statelab')
    .description('testbed for middlebox state in NFV: analyze, instrument, replicate, fail over, check')
    .version('0.1.0')
    .showHelpAfterError(false)
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      if (err.exitCode === 0) return 0;
      return 2;
    }
    if (err instanceof StatelabError) {
      process.stderr.write(`statelab: ${err.message}\n`);
      return err.exitCode;
    }
    const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`statelab: internal error: ${msg}\n`);
    return 70;
  }
}

function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
if (invokedDirectly()) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}

// Argument parsing shared by the benchmark scripts: node:util parseArgs with
// positionals; an unknown or malformed option prints the usage and exits 2.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export function benchArgs<O extends NonNullable<ParseArgsConfig['options']>>(options: O, usage: string) {
  try {
    return parseArgs({ allowPositionals: true, options });
  } catch (e) {
    console.error(`${(e as Error).message}\n${usage}`);
    process.exit(2);
  }
}

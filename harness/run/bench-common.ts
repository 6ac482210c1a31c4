// What the benchmark scripts share: argument parsing (node:util parseArgs with
// positionals; a bad option prints the usage and exits 2) and their summaries.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export function benchArgs<O extends NonNullable<ParseArgsConfig['options']>>(options: O, usage: string) {
  try {
    return parseArgs({ allowPositionals: true, options });
  } catch (e) {
    console.error(`${(e as Error).message}\n${usage}`);
    process.exit(2);
  }
}

/** The p-quantile (nearest rank from below) to one decimal, or – for no values. */
export const pct = (xs: number[], p: number): string =>
  xs.length === 0 ? '–' : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!.toFixed(1);

/** The upper middle value. */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

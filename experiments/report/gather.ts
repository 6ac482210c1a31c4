// Gathers `<outRoot>/<name>/result.json` files: each is read, shape-checked and kept,
// or kept as "unreadable" with the reason; expected experiments without one are "not run".
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentResult } from '../types.js';

/** The experiments, in report order (the registry may add more; they follow). */
export const EXPECTED = ['table3', 'table4', 'fig11', 'fig12', 'soundness', 'overhead', 'failover'];

export type Gathered =
  | { name: string; state: 'ok'; file: string; result: ExperimentResult }
  | { name: string; state: 'unreadable'; file: string; reason: string }
  | { name: string; state: 'not run' };

/** Why `r` is not an ExperimentResult, or null: the report must not trip over a half-written file. */
export function shapeProblem(r: unknown): string | null {
  if (r === null || typeof r !== 'object' || Array.isArray(r)) return 'not a JSON object';
  const o = r as Record<string, unknown>;
  const meta = o.meta as Record<string, unknown> | undefined;
  if (!meta || typeof meta !== 'object') return 'no "meta" object';
  if (meta.schemaVersion !== 1) return `"meta.schemaVersion" is ${JSON.stringify(meta.schemaVersion)}, this report reads 1`;
  if (typeof o.summary !== 'string') return '"summary" must be a string';
  for (const k of ['tables', 'plots', 'paper']) if (!Array.isArray(o[k])) return `"${k}" must be a list`;
  for (const [i, t] of (o.tables as unknown[]).entries()) {
    const tt = t as Record<string, unknown>;
    if (!tt || typeof tt.id !== 'string' || !Array.isArray(tt.columns) || !Array.isArray(tt.rows)) return `tables[${i}] needs id, columns and rows`;
  }
  for (const [i, p] of (o.plots as unknown[]).entries()) {
    const pp = p as Record<string, unknown>;
    if (!pp || typeof pp.id !== 'string' || typeof pp.spec !== 'object' || pp.spec === null) return `plots[${i}] needs id and spec`;
  }
  return null;
}

export function gather(outRoot: string, expected: string[] = EXPECTED): Gathered[] {
  const found = new Map<string, Gathered>();
  const dirs = existsSync(outRoot) ? readdirSync(outRoot).filter((d) => statSync(join(outRoot, d)).isDirectory()).sort() : [];
  for (const name of dirs) {
    const file = join(outRoot, name, 'result.json');
    if (!existsSync(file)) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      found.set(name, { name, state: 'unreadable', file, reason: `invalid JSON: ${(e as Error).message}` });
      continue;
    }
    const why = shapeProblem(parsed);
    found.set(name, why ? { name, state: 'unreadable', file, reason: why } : { name, state: 'ok', file, result: parsed as ExperimentResult });
  }
  const order = [...expected, ...[...found.keys()].filter((n) => !expected.includes(n))];
  return order.map((name) => found.get(name) ?? { name, state: 'not run' });
}

// The analyzer against ground truth (middleboxes/<name>/expected.json): true/false
// positives and misses per verdict, hence precision and recall (paper §7.1, Table 3).
// The same comparison as test/analyzer/state/middleboxes.test.ts `compare` (a test file,
// not importable), plus the persistent verdict over the middlebox's own variables.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inputError } from '../analyzer/errors.js';
import type { VariableReport } from '../analyzer/state/types.js';

export const VERDICTS = ['persistent', 'topLevel', 'updateable', 'pktOutput', 'logOutput', 'outsideFlowspace', 'flowspace'] as const;
export type Verdict = (typeof VERDICTS)[number];
export const BOOL_VERDICTS = ['topLevel', 'updateable', 'pktOutput', 'logOutput', 'outsideFlowspace'] as const;

export interface Truth {
  name: string;
  function: string | null;
  topLevel: boolean;
  updateable: boolean;
  pktOutput: boolean;
  logOutput: boolean;
  outsideFlowspace: boolean;
  flowspace: string[];
}

export interface Score {
  tp: number;
  fp: number;
  fn: number;
}

export interface Comparison {
  counts: Record<Verdict, Score>;
  /** Recall misses, e.g. "tbl: updateable missed" (soundness bugs of the analysis). */
  misses: string[];
  /** False positives, e.g. "stats: pktOutput" (imprecision). */
  falsePositives: string[];
}

const key = (v: { name: string; function: string | null }): string => (v.function ? `${v.function}::${v.name}` : v.name);

/** Globals the system headers declare (stdout, optarg...): persistent, but outside what expected.json argues about. */
const systemFile = (file: string): boolean => file.startsWith('/usr/') || file.startsWith('<');

export function loadTruth(mboxDir: string): Truth[] {
  const file = join(mboxDir, 'expected.json');
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw inputError(`ground truth unreadable: ${(e as Error).message}`, { file });
  }
  const vars = (j as { variables?: unknown }).variables;
  if (!Array.isArray(vars)) throw inputError('"variables" must be a list', { file });
  vars.forEach((v: Record<string, unknown>, i) => {
    if (typeof v?.name !== 'string') throw inputError(`variables[${i}]: "name" must be a string`, { file });
    for (const b of BOOL_VERDICTS) if (typeof v[b] !== 'boolean') throw inputError(`variables[${i}] (${v.name}): "${b}" must be a boolean`, { file });
    if (!Array.isArray(v.flowspace)) throw inputError(`variables[${i}] (${v.name}): "flowspace" must be a list`, { file });
  });
  return vars as Truth[];
}

export function compareToTruth(got: VariableReport[], truth: Truth[]): Comparison {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, { tp: 0, fp: 0, fn: 0 }])) as Record<Verdict, Score>;
  const misses: string[] = [];
  const falsePositives: string[] = [];
  const none: Truth = { name: '', function: null, topLevel: false, updateable: false, pktOutput: false, logOutput: false, outsideFlowspace: false, flowspace: [] };
  const truthBy = new Map(truth.map((t) => [key(t), t]));
  const gotKeys = new Set(got.map(key));
  for (const t of truth) {
    if (gotKeys.has(key(t))) continue;
    counts.persistent.fn++;
    misses.push(`${key(t)}: not reported as persistent`);
    // A variable the analysis never reports misses every verdict the truth gives it.
    for (const k of BOOL_VERDICTS) if (t[k]) (counts[k].fn++, misses.push(`${key(t)}: ${k} missed`));
    counts.flowspace.fn += t.flowspace.length;
  }
  for (const g of got) {
    const t = truthBy.get(key(g));
    if (t) counts.persistent.tp++;
    else if (!systemFile(g.file)) (counts.persistent.fp++, falsePositives.push(`${key(g)}: persistent`));
    const tt = t ?? none;
    for (const k of BOOL_VERDICTS) {
      if (g[k] && tt[k]) counts[k].tp++;
      else if (g[k]) (counts[k].fp++, falsePositives.push(`${key(g)}: ${k}`));
      else if (tt[k]) (counts[k].fn++, misses.push(`${key(g)}: ${k} missed`));
    }
    const fs = g.flowspace as string[];
    const missing = tt.flowspace.filter((f) => !fs.includes(f));
    const extra = fs.filter((f) => !tt.flowspace.includes(f));
    counts.flowspace.tp += fs.length - extra.length;
    counts.flowspace.fn += missing.length;
    counts.flowspace.fp += extra.length;
    if (missing.length) misses.push(`${key(g)}: flowspace misses ${missing.join(', ')}`);
    if (extra.length) falsePositives.push(`${key(g)}: flowspace ${extra.join(', ')}`);
  }
  return { counts, misses, falsePositives };
}

/** Precision and recall in [0, 1]; null when undefined (nothing reported / nothing to find). */
export function precision(s: Score): number | null {
  return s.tp + s.fp ? s.tp / (s.tp + s.fp) : null;
}
export function recall(s: Score): number | null {
  return s.tp + s.fn ? s.tp / (s.tp + s.fn) : null;
}

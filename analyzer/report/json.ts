// The machine-readable report: the JSON Schema it follows and a validator for it.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { AnalysisReport } from '../state/types.js';
import schema from './report.schema.json' with { type: 'json' };

export const reportSchema: object = schema;

let validator: ReturnType<Ajv2020['compile']> | undefined;

/** Schema violations of a report as readable lines ([] when valid). */
export function validateReport(report: unknown): string[] {
  validator ??= new Ajv2020({ allErrors: true, strict: true }).compile(reportSchema);
  if (validator(report)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`);
}

export function reportToJson(report: AnalysisReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}

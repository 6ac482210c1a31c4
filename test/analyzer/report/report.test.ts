import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { formatReport, formatTable3, toSarif, validateReport } from '../../../analyzer/report/index.js';
import { SCHEMA_VERSION, type AnalysisReport } from '../../../analyzer/state/types.js';

const require = createRequire(import.meta.url);
// CommonJS class export; require() gives the constructor under NodeNext typing.
type Validator = ((data: unknown) => boolean) & { errors?: unknown[] | null };
const Ajv4 = require('ajv-draft-04') as new (opts: Record<string, unknown>) => { compile(schema: object): Validator };
const sarifSchema = JSON.parse(
  readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
);

function sample(): AnalysisReport {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'statelab', version: '0.1.0' },
    program: { files: ['/src/fig3.c'], loc: 70, functions: 6 },
    options: { pointer: 'andersen', fieldSensitive: false },
    loopProcs: ['loopProcedure'],
    recvSites: [{ function: 'loopProcedure', callee: 'pcap_next', file: '/src/fig3.c', line: 24, text: 'pcap_next(extPcap, &pcapHdr)' }],
    counts: { variables: 20, persistent: 9, topLevel: 6, updateable: 4, keyed: 1, pktOutput: 1, logOutput: 0 },
    variables: [
      {
        name: 'tail', scope: 'global', function: null, file: '/src/fig3.c', line: 10, type: 'int',
        persistent: true, topLevel: true, updateable: true, flowspace: [], outsideFlowspace: false,
        pktOutput: false, logOutput: false,
        reasons: [{ verdict: 'updateable', file: '/src/fig3.c', line: 38, text: '*index = (*index + 1)%100', chain: 'writes tail via index → &tail' }],
      },
      {
        name: 'hosts', scope: 'global', function: null, file: '/src/fig3.c', line: 11, type: 'struct host *',
        persistent: true, topLevel: true, updateable: true, flowspace: ['ip.src'], outsideFlowspace: false,
        pktOutput: true, logOutput: false, reasons: [],
      },
    ],
    pktProcs: ['loopProcedure', 'processPacket'],
    unknownExternals: [],
    warnings: [],
    timings: [{ stage: 'frontend', ms: 12.5, peakRssMiB: 80 }],
  };
}

describe('analysis report JSON', () => {
  it('accepts a well-formed report', () => {
    expect(validateReport(sample())).toEqual([]);
  });

  it('rejects reports that break the schema, naming the place', () => {
    const missing = sample() as Partial<AnalysisReport>;
    delete missing.counts;
    expect(validateReport(missing).join('\n')).toMatch(/counts/);

    const badField = sample();
    badField.variables[1].flowspace = ['source-ip'];
    expect(validateReport(badField).join('\n')).toMatch(/\/variables\/1\/flowspace\/0/);

    const badScope = sample() as unknown as { variables: { scope: string }[] };
    badScope.variables[0].scope = 'register';
    expect(validateReport(badScope).length).toBeGreaterThan(0);
  });
});

describe('text report', () => {
  it('prints the Table 3 row in the paper column order', () => {
    const t = formatTable3(sample()).split('\n');
    expect(t[0].split(/\s{2,}/)).toEqual(['variables', 'persistent', 'top-level', 'updateable', 'keyed', 'pkt-output', 'log-output']);
    expect(t[2].split(/\s+/)).toEqual(['20', '9', '6', '4', '1', '1', '0']);
  });

  it('lists each top-level variable with its flowspace', () => {
    const text = formatReport(sample());
    expect(text).toMatch(/^hosts\s+global\s+struct host \*\s+x\s+x\s+ip\.src/m);
  });
});

describe('SARIF 2.1.0', () => {
  // The official schema has one regex that is invalid in unicode mode.
  const ajv = new Ajv4({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats.default(ajv as never);
  const validate = ajv.compile(sarifSchema);

  it('validates against the official schema', () => {
    const log = toSarif(sample(), { baseDir: '/src' });
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    const results = (log as { runs: { results: { ruleId: string; relatedLocations: unknown[] }[] }[] }).runs[0].results;
    expect(results.map((r) => r.ruleId)).toEqual(['SA001', 'SA001']);
    expect(results[0].relatedLocations).toHaveLength(1);
  });

  it('the schema check catches a broken log', () => {
    const log = toSarif(sample()) as { version: string };
    log.version = '2.0.0';
    expect(validate(log)).toBe(false);
  });
});

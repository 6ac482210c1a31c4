// `statelab analyze` end to end: the JSON report validates against its schema, SARIF
// and slice DOT are written, catalogs extend from the command line and a config file,
// and bad input exits 2 naming the file.
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { validateReport } from '../../analyzer/report/index.js';
import type { AnalysisReport } from '../../analyzer/state/types.js';

const dir = mkdtempSync(join(tmpdir(), 'statelab-analyze-'));
const FIG3 = new URL('../fixtures/c/fig3.c', import.meta.url).pathname;

// A middlebox whose packets come from a receive function of its own framework.
const CUSTOM = join(dir, 'custom.c');
writeFileSync(
  CUSTOM,
  `#include <stdio.h>
extern unsigned char *fw_next_packet(void *ctx);
static unsigned long seen[256];
int main(void) {
  unsigned char *p;
  while ((p = fw_next_packet(0)) != 0) {
    seen[p[9]]++;
    printf("%lu\\n", seen[p[9]]);
  }
  return 0;
}
`,
);

async function run(args: string[]): Promise<number> {
  return main(args);
}

describe('statelab analyze', () => {
  it('writes a schema-valid JSON report, SARIF and slice DOT for Figure 3', async () => {
    const json = join(dir, 'fig3.json');
    const sarif = join(dir, 'fig3.sarif');
    const dot = join(dir, 'dot');
    expect(await run(['analyze', FIG3, '--json', json, '--sarif', sarif, '--dot', dot])).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as AnalysisReport;
    expect(validateReport(report)).toEqual([]);
    expect(report.counts.updateable).toBeGreaterThanOrEqual(4);
    expect(report.timings.map((t) => t.stage)).toEqual(
      expect.arrayContaining(['preprocess', 'pointer', 'sdg', 'pktProcs', 'updateable', 'flowspace', 'output']),
    );
    const log = JSON.parse(readFileSync(sarif, 'utf8'));
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0].results.length).toBe(report.counts.topLevel);
    for (const f of ['packet-forward.dot', 'pkt-output-backward.dot', 'log-output-backward.dot']) {
      expect(readFileSync(join(dot, f), 'utf8')).toMatch(/^digraph/);
    }
  });

  it('finds no packet processing without the receive function, and state once --recv or a catalog names it', async () => {
    const without = join(dir, 'without.json');
    expect(await run(['analyze', CUSTOM, '--json', without])).toBe(0);
    expect((JSON.parse(readFileSync(without, 'utf8')) as AnalysisReport).counts.updateable).toBe(0);

    const withRecv = join(dir, 'with.json');
    expect(await run(['analyze', CUSTOM, '--recv', 'fw_next_packet', '--json', withRecv])).toBe(0);
    const r = JSON.parse(readFileSync(withRecv, 'utf8')) as AnalysisReport;
    const seen = r.variables.find((v) => v.name === 'seen')!;
    expect(seen.updateable).toBe(true);
    expect(seen.logOutput).toBe(true);

    const catalog = join(dir, 'catalog.json');
    writeFileSync(catalog, JSON.stringify({ recv: ['fw_next_packet'] }));
    const viaFile = join(dir, 'file.json');
    expect(await run(['analyze', CUSTOM, '--catalog', catalog, '--json', viaFile])).toBe(0);
    expect((JSON.parse(readFileSync(viaFile, 'utf8')) as AnalysisReport).counts).toEqual(r.counts);
  });

  it('exits 2 naming the file on a bad catalog, a missing input or an unknown pointer analysis', async () => {
    const bad = join(dir, 'bad-catalog.json');
    writeFileSync(bad, JSON.stringify({ recv: ['not a name'] }));
    expect(await run(['analyze', CUSTOM, '--catalog', bad])).toBe(2);
    expect(await run(['analyze', join(dir, 'missing.c')])).toBe(2);
    expect(await run(['analyze', CUSTOM, '--pointer', 'magic'])).toBe(2);
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  });

  it('dumps points-to sets and the call graph', async () => {
    const pts = join(dir, 'pts.txt');
    expect(await run(['analyze', FIG3, '--dump', 'pts', '--function', 'index', '-o', pts])).toBe(0);
    expect(readFileSync(pts, 'utf8')).toMatch(/tail/);
    const cg = join(dir, 'cg.dot');
    expect(await run(['analyze', FIG3, '--dump', 'callgraph', '-o', cg])).toBe(0);
    expect(readFileSync(cg, 'utf8')).toMatch(/processPacket/);
  });
});

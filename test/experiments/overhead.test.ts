// experiments/overhead: callgrind instruction totals, and a real measurement of one
// middlebox through the runner (plain vs --sa-mode off, start-up removed, marks per packet).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiments } from '../../experiments/index.js';
import { callgrindIr } from '../../experiments/overhead.js';
import type { ExperimentResult } from '../../experiments/types.js';
import { headOf, TRACES } from './fixtures/traces.js';

const root = mkdtempSync(join(tmpdir(), 'h16-overhead-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('callgrindIr', () => {
  it('reads the instruction total, which grows with the work done', async () => {
    const small = await callgrindIr('/bin/sh', ['-c', 'i=0; while [ $i -lt 10 ]; do i=$((i+1)); done'], root, join(root, 'a.cg'));
    const big = await callgrindIr('/bin/sh', ['-c', 'i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done'], root, join(root, 'b.cg'));
    expect(small).toBeGreaterThan(10_000);
    expect(big).toBeGreaterThan(small);
    // the same number callgrind_annotate reports
    const annotated = execFileSync('callgrind_annotate', [join(root, 'b.cg')], { encoding: 'utf8' });
    const total = /([\d,]+)\s+\(100\.0%\)\s+PROGRAM TOTALS/.exec(annotated) ?? /([\d,]+)\s+PROGRAM TOTALS/.exec(annotated);
    expect(Number(total![1]!.replace(/,/g, ''))).toBe(big);
  });

  it('names the binary when the run fails', async () => {
    await expect(callgrindIr('/bin/false', [], root, join(root, 'c.cg'))).rejects.toThrow(/callgrind run of \/bin\/false failed/);
  });
});

describe('overhead through the runner', () => {
  it('measures nat: instrumented --sa-mode off costs more instructions per packet than plain, and executes marks', async () => {
    const trace = await headOf(join(TRACES, 'small-mixed.pcap'), 200, join(root, 'head200.pcap'));
    const out = join(root, 'out');
    await runExperiments({ names: ['overhead'], out, traces: [trace], middleboxes: ['nat'], compact: true, jobs: 1, report: false, log: () => {} });
    const r = JSON.parse(readFileSync(join(out, 'overhead', 'result.json'), 'utf8')) as ExperimentResult;
    const row = r.tables[0]!.rows[0]!;
    expect(row.error).toBeNull();
    expect(row.packets).toBe(200);
    expect(row.plain as number).toBeGreaterThan(100);
    expect(row.off as number).toBeGreaterThan(row.plain as number);
    expect(row.marks as number).toBeGreaterThan(0);
    expect(row.pct as number).toBeCloseTo(((row.off as number) / (row.plain as number) - 1) * 100, 1);
    // nat is single-threaded: two runs of the plain build count the same, so each build runs once
    expect(row.runs).toBe(1);
    expect(row.range).toBeNull();
    expect(r.paper[0]!.paper).toBe('+0.04 µs per packet, 0.14%');
    // three builds (two analyses) and five callgrind runs: ~20 s alone, more on a loaded machine
  }, 180_000);
});

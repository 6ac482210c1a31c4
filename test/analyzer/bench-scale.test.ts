// The scale benchmark's generated middlebox: valid C11, and analyzed as a middlebox (keyed per-flow
// tables, counters, log and packet output), with the sanity check catching degenerate variants.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../../analyzer/analyze.js';
import { sanityProblems, writeScaleMiddlebox, type AllocShape } from '../../analyzer/bench-scale.js';

const dirs: string[] = [];
const fresh = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'statelab-scale-test-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('bench-scale generator', () => {
  it('writes C11 that gcc accepts with -Wall -Wextra -Werror', () => {
    const dir = fresh();
    for (const f of writeScaleMiddlebox(dir, 12, 'site')) execFileSync('cc', ['-std=gnu11', '-Wall', '-Wextra', '-Werror', '-c', f, '-o', f + '.o']);
  });

  for (const alloc of ['table', 'site'] as AllocShape[]) {
    it(`is analyzed as a middlebox (alloc ${alloc})`, () => {
      const files = writeScaleMiddlebox(fresh(), 12, alloc);
      const r = analyze(files).report;
      expect(sanityProblems(r, 12)).toEqual([]);
      const t = r.variables.find((v) => v.name === 'table0')!;
      expect(t.flowspace).toEqual(expect.arrayContaining(['ip.src', 'ip.dst']));
    }, 60_000);
  }

  it('the sanity check rejects a program with no packet loop and one whose counter is never updated', () => {
    const noLoop = writeScaleMiddlebox(fresh(), 12);
    const main = noLoop.find((f) => f.endsWith('main.c'))!;
    writeFileSync(main, readFileSync(main, 'utf8').replace('while (pcap_next_ex(p, &hdr, &pkt) == 1)', 'if (p)'));
    expect(sanityProblems(analyze(noLoop).report, 12).join('\n')).toMatch(/lack main/);

    const idle = writeScaleMiddlebox(fresh(), 12);
    const unit = idle.find((f) => f.endsWith('unit0.c'))!;
    writeFileSync(unit, readFileSync(unit, 'utf8').replaceAll('hits0 += ', '(void)'));
    expect(sanityProblems(analyze(idle).report, 12).join('\n')).toMatch(/hits0: not a top-level updateable counter/);
  }, 120_000);
});

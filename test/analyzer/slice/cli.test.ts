// `statelab slice` end to end through the CLI entry: output format, options,
// and exit code 2 with a reason naming the place on bad input.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/helpers.js';
import { cDir, lineOf } from '../sdg/load.js';

afterEach(() => {
  process.exitCode = undefined;
});

const file = relative(process.cwd(), join(cDir, 'sumprod.c'));
const src = readFileSync(file, 'utf8');
const L = (s: string) => lineOf(src, s);

describe('statelab slice', () => {
  it('prints the backward slice as sorted file:line  text', async () => {
    const r = await runCli(['slice', file, '--at', `${file}:${L('printf("%d\\n", product)')}`]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const want = ['int n = atoi(argv[1]);', 'int i = 1;', 'int product = 1;', 'while (i <= n) {', 'product = product * i;', 'i = i + 1;', 'printf("%d\\n", product);'];
    expect(r.out).toBe(want.map((t) => `${file}:${L(t)}  ${t}\n`).join(''));
  });

  it('slices forward, restricted to a variable, and writes DOT', async () => {
    const dot = join(mkdtempSync(join(tmpdir(), 'h3-slice-')), 'out.dot');
    const r = await runCli(['slice', file, '--at', `sumprod.c:${L('sum = sum + i')}`, '--var', 'sum', '--forward', '--dot', dot]);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').map((l) => parseInt(l.split(':')[1]!, 10))).toEqual([L('sum = sum + i'), L('printf("%d\\n", sum)')]);
    expect(existsSync(dot)).toBe(true);
    expect(readFileSync(dot, 'utf8')).toMatch(/^digraph "forward slice from sumprod.c:\d+" \{/);
  });

  it('rejects bad usage and bad places with exit 2 and a reason', async () => {
    const bad = [
      [['slice', file, '--at', 'sumprod.c'], /--at must be file.c:LINE/],
      [['slice', file, '--at', `${file}:5`, '--forward', '--backward'], /exclude each other/],
      [['slice', file, '--at', `${file}:1000`], /sumprod.c:1000: no statement on this line/],
      [['slice', file, '--at', `other.c:3`], /other.c:3: no such file among the inputs/],
      [['slice', file, '--at', `${file}:${L('sum = sum + i')}`, '--var', 'product'], /reads or writes 'product'/],
      [['slice', 'missing-dir/none.c', '--at', 'none.c:1'], /none.c/],
    ] as const;
    for (const [args, msg] of bad) {
      const r = await runCli([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.out).toBe('');
    }
  });
});

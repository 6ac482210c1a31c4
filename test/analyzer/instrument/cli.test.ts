// `statelab build` on the command line: JSON report, plain build, bad input.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { register } from '../../../cli/build.js';
import { StatelabError } from '../../../analyzer/errors.js';

async function run(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  register(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  try {
    await program.parseAsync(['node', 'statelab', 'build', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('statelab build', () => {
  it('prints the build report as JSON and leaves a runnable binary', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sa-cli-'));
    const r = JSON.parse(await run(['test/middleboxes/runtime/fixture', '--out', out, '--conservative-deps', '--json']));
    expect(r.binary).toBe(join(out, 'shapes'));
    expect(r.hooks).toEqual([expect.objectContaining({ callee: 'pcap_next' })]);
    expect(r.variables.map((v: { name: string }) => v.name)).toContain('ring');
    const text = await run(['test/middleboxes/runtime/fixture', '--out', out, '--plain']);
    expect(text).toMatch(/shapes: plain build → .*shapes-plain/);
  }, 120_000);

  it('reports, per keyed variable, its slot sites, sweep marks or whole-transfer reason (JSON and text)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sa-cli-'));
    const r = JSON.parse(await run(['test/middleboxes/runtime/fixture-slots', '--out', out, '--json']));
    const bySrc = r.variables.find((v: { name: string }) => v.name === 'by_src');
    // the count at exit walks every bucket by index: one whole mark before that loop, not a recording per bucket
    expect(bySrc.selection).toMatchObject({ mode: 'slots', wholeMarks: 1, wholeMarkList: ['test/middleboxes/runtime/fixture-slots/twotab.c:118:3'] });
    expect(bySrc.selection.sites).toBe(bySrc.selection.siteList.length);
    expect(bySrc.selection.siteList).toContainEqual(expect.stringMatching(/twotab\.c:38:/)); // find(): by_src[hash(src)]
    expect(bySrc.selection.siteList).not.toContainEqual(expect.stringMatching(/twotab\.c:120:/)); // inside the swept loop
    const text = await run(['test/middleboxes/runtime/fixture-slots', '--out', out]);
    expect(text).toMatch(/by_dst : .*\n {4}entries by slot: \d+ subscripts record their slot/);
  }, 120_000);

  it('a folder without mbox.json is an input error naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-empty-'));
    const err = await run([dir]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatelabError);
    expect((err as StatelabError).exitCode).toBe(2);
    expect(String((err as Error).message)).toContain(join(dir, 'mbox.json'));
  });
});

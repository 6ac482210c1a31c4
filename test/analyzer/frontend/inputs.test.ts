// Input resolution: folders (recursive *.c), manifests, flags kept for cc -E, command splitting.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatelabError } from '../../../analyzer/errors.js';
import { resolveInputs, splitCommand } from '../../../analyzer/frontend/inputs.js';
import { preprocessorFlags } from '../../../analyzer/frontend/preprocess.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'statelab-in-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'b.c'), 'int b;');
  writeFileSync(join(dir, 'a.c'), 'int a;');
  writeFileSync(join(dir, 'sub', 'c.c'), 'int c;');
  writeFileSync(join(dir, 'notes.txt'), '');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('front end: inputs', () => {
  it('a folder without manifest means every .c under it, sorted', () => {
    const units = resolveInputs([dir], []);
    expect(units.map((u) => u.file.slice(dir.length + 1))).toEqual(['a.c', 'b.c', 'sub/c.c']);
  });

  it('keeps preprocessing flags, drops optimisation, output and warning flags', () => {
    expect(preprocessorFlags(['-O2', '-g', '-Wall', '-I', 'inc', '-Iinc2', '-DX=1', '-D', 'Y', '-UZ', '-std=c11', '-o', 'x.o', '-c', '-include', 'cfg.h', '-pthread'])).toEqual([
      '-I', 'inc', '-Iinc2', '-DX=1', '-D', 'Y', '-UZ', '-std=c11', '-include', 'cfg.h', '-pthread',
    ]);
  });

  it('splits compile commands with quotes and escapes', () => {
    expect(splitCommand(`cc -DNAME="a b" -I'x y' a\\ b.c`)).toEqual(['cc', '-DNAME=a b', '-Ix y', 'a b.c']);
  });

  it('a missing input is E_INPUT naming the path', () => {
    let err: unknown;
    try {
      resolveInputs([join(dir, 'nope.c')], []);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatelabError);
    expect((err as StatelabError).code).toBe('E_INPUT');
    expect((err as StatelabError).message).toContain('nope.c');
    expect((err as StatelabError).exitCode).toBe(2);
  });

  it('a manifest naming a missing source is E_INPUT naming it', () => {
    const m = join(dir, 'mb');
    mkdirSync(m, { recursive: true });
    writeFileSync(join(m, 'mbox.json'), JSON.stringify({ sources: ['gone.c'] }));
    expect(() => resolveInputs([m], [])).toThrow(/gone\.c/);
    writeFileSync(join(m, 'mbox.json'), '{ not json');
    expect(() => resolveInputs([m], [])).toThrow(/mbox\.json.*invalid JSON/);
  });
});

// The resumable journal: a sweep killed halfway (a unit that throws, or SIGKILL of the
// process) continues where it stopped; --fresh and a changed code stamp start over;
// a line torn by the kill is ignored and does not swallow the next entry.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../analyzer/paths.js';
import { Journal } from '../../experiments/journal.js';

const root = mkdtempSync(join(tmpdir(), 'h15-journal-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `j${n++}.jsonl`);

/** Run units 0..9 through the journal; `failAt` throws at that unit (the run dies there). */
async function sweep(file: string, stamp: string, failAt = -1, opts: { fresh?: boolean } = {}) {
  const j = new Journal(file, stamp, opts.fresh);
  const worked: number[] = [];
  try {
    for (let i = 0; i < 10; i++) {
      await j.unit(`u${i}`, async () => {
        if (i === failAt) throw new Error(`unit ${i} failed`);
        worked.push(i);
        return { i, value: i * 10 };
      });
    }
  } finally {
    j.close();
  }
  return { worked, reused: j.reused };
}

describe('journal', () => {
  it('a run that dies at unit 6 is resumed: the rerun works only units 6..9', async () => {
    const file = fresh();
    await expect(sweep(file, 'abc', 6)).rejects.toThrow('unit 6 failed');
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(6);
    const again = await sweep(file, 'abc');
    expect(again.worked).toEqual([6, 7, 8, 9]);
    expect(again.reused).toBe(6);
    // A third run has nothing left to do.
    expect((await sweep(file, 'abc')).worked).toEqual([]);
  });

  it('returns the journaled value on reuse', async () => {
    const file = fresh();
    const j1 = new Journal(file, 's');
    await j1.unit('x', async () => ({ a: [1, 2], b: 'three' }));
    j1.close();
    const j2 = new Journal(file, 's');
    expect(await j2.unit('x', async () => ({ a: [], b: 'recomputed' }))).toEqual({ a: [1, 2], b: 'three' });
  });

  it('fresh starts over', async () => {
    const file = fresh();
    await sweep(file, 'abc');
    const r = await sweep(file, 'abc', -1, { fresh: true });
    expect(r.worked).toHaveLength(10);
    expect(r.reused).toBe(0);
  });

  it('a changed code stamp (new commit of the analyzer/harness) reuses nothing', async () => {
    const file = fresh();
    await sweep(file, 'commit-a');
    expect((await sweep(file, 'commit-b')).worked).toHaveLength(10);
    // ...and both stamps' entries now coexist: back on commit-a everything is reused.
    expect((await sweep(file, 'commit-a')).worked).toEqual([]);
  });

  it('ignores a torn last line and keeps the next entry intact', async () => {
    const file = fresh();
    await expect(sweep(file, 's', 3)).rejects.toThrow();
    appendFileSync(file, '{"unit":"u3","stamp":"s","ms":1,"val'); // killed mid-write
    const r = await sweep(file, 's');
    expect(r.worked).toEqual([3, 4, 5, 6, 7, 8, 9]);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(lines.filter((l) => l.startsWith('{"unit":"u3","stamp":"s","ms":') && l.endsWith('}'))).toHaveLength(1);
    expect((await sweep(file, 's')).worked).toEqual([]);
  });

  const DIST = join(PACKAGE_ROOT, 'dist/experiments/journal.js');
  it.skipIf(!existsSync(DIST))('a process SIGKILLed halfway is resumed by the next run', async () => {
    const file = fresh();
    const child = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/journal-child.mjs', import.meta.url)), DIST, file, 'k', '12', '150'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if ((out.match(/done/g) ?? []).length >= 4 && child.exitCode === null && !child.killed) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((r) => child.once('close', r));
    expect(child.signalCode).toBe('SIGKILL');
    const j = new Journal(file, 'k');
    const worked: number[] = [];
    for (let i = 0; i < 12; i++) await j.unit(`unit-${i}`, async () => (worked.push(i), { i, square: i * i }));
    j.close();
    // At least the 4 units it reported are reused; the unit in flight at the kill may or may not have been journaled.
    expect(j.reused).toBeGreaterThanOrEqual(4);
    expect(j.reused).toBeLessThan(12);
    expect(worked).toEqual(Array.from({ length: 12 - j.reused }, (_, k) => j.reused + k));
  }, 30_000);
});

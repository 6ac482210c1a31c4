// The instrumented-build cache of the run controller: one analysis and compile
// per middlebox, dependence mode and inputs; a changed source is a new build.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildInstrumented, buildKey, loadMbox } from '../../../harness/run/index.js';

const MBOXES = fileURLToPath(new URL('../../../middleboxes/', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'statelab-build-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('instrumented build cache', () => {
  it('builds synblock once with SDG dependences, reuses it, and keys the build on every input', async () => {
    // A private copy (with ../common) so the test never races a build in the shared tree.
    for (const d of ['synblock', 'common']) cpSync(join(MBOXES, d), join(root, d), { recursive: true, filter: (s) => !s.includes('/build') });
    const spec = loadMbox(join(root, 'synblock'));
    const first = await buildInstrumented(spec);
    expect(first.deps).toBe('sdg');
    expect(first.cached).toBe(false);
    expect(existsSync(first.binary)).toBe(true);
    expect(dirname(first.binary)).toMatch(/build\/sa-sdg-[0-9a-f]{16}$/);
    // The SDG analysis leaves the I/O handles (mbox_io) per process; the conservative one moved them.
    expect(first.transferred).toContain('hosts');
    expect(first.transferred).not.toContain('mbox_io');

    const again = await buildInstrumented(loadMbox(join(root, 'synblock')));
    expect(again.binary).toBe(first.binary);

    // Any input changes the key (and so the folder): a source, a header in an -I folder, the mode.
    const key = buildKey(spec, 'sdg');
    expect(dirname(first.binary).endsWith(key)).toBe(true);
    expect(buildKey(spec, 'conservative')).not.toBe(key);
    for (const f of [join(root, 'synblock', 'synblock.c'), join(root, 'common', 'pkt.h')]) {
      const text = readFileSync(f, 'utf8');
      writeFileSync(f, `${text}\n/* changed */\n`);
      expect(buildKey(spec, 'sdg')).not.toBe(key);
      writeFileSync(f, text);
      expect(buildKey(spec, 'sdg')).toBe(key);
    }
  }, 60_000);
});

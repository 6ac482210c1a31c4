// The built CLI (dist/, what `npm run demo` and users run) finds the package's own
// files — the C runtime, the middleboxes — from its compiled location.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../analyzer/paths.js';

const CLI = join(PACKAGE_ROOT, 'dist/cli/main.js');

describe.skipIf(!existsSync(CLI))('built CLI', () => {
  it('builds an instrumented middlebox with the runtime from dist/', () => {
    const out = mkdtempSync(join(tmpdir(), 'statelab-dist-'));
    execFileSync('node', [CLI, 'build', join(PACKAGE_ROOT, 'middleboxes/synblock'), '--out', out], { stdio: 'pipe' });
    expect(existsSync(join(out, 'synblock'))).toBe(true);
  }, 120_000);

  it('finds the package root from sources too', () => {
    expect(existsSync(join(PACKAGE_ROOT, 'middleboxes/runtime/sa_runtime.c'))).toBe(true);
  });
});

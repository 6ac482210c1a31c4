// `statelab run` end to end through the CLI entry: exit 0 and a JSON record
// when equivalent, exit 1 with the first difference on stderr when outputs
// differ, exit 2 with a reason on bad input.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../cli/main.js';

const SYNBLOCK = fileURLToPath(new URL('../../../middleboxes/synblock', import.meta.url));
const TRACE = fileURLToPath(new URL('../../../traces/small-mixed.pcap', import.meta.url));
const FAKE = fileURLToPath(new URL('./fixtures/fake-nf.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'h10-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  process.exitCode = undefined;
  try {
    const code = await main(args);
    return { code, stderr };
  } finally {
    spy.mockRestore();
    process.exitCode = undefined;
  }
}

describe('statelab run', () => {
  it('exit 0 and the JSON record for an equivalent run', async () => {
    const json = join(root, 'ok.json');
    const r = await cli(['run', SYNBLOCK, '--trace', TRACE, '--json', json, '-q']);
    expect(r.code).toBe(0);
    const rec = JSON.parse(readFileSync(json, 'utf8'));
    expect(rec).toMatchObject({ equivalent: true, firstDifference: null, packets: 1707, failoverAt: null, model: 'all' });
    for (const k of ['stateBytes', 'frames', 'timings', 'skipped', 'processes']) expect(rec).toHaveProperty(k);
  }, 60_000);

  it('exit 1 with the first difference when the pair computes something else', async () => {
    // The pair runs a different program (the fake counter) than the reference synblock: outputs differ.
    const r = await cli(['run', SYNBLOCK, '--trace', TRACE, '--failover', 'graceful@100', '--instrumented-command', `node ${FAKE}`, '--heartbeat-ms', '50', '--miss-limit', '10', '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/outputs differ/);
    expect(r.stderr).toMatch(/first difference: log line 1 \(primary side\)/);
  }, 60_000);

  it('exit 2 on bad input, naming the problem', async () => {
    expect((await cli(['run', SYNBLOCK, '--trace', join(root, 'missing.pcap')])).code).toBe(2);
    const bad = await cli(['run', SYNBLOCK, '--trace', TRACE, '--failover', 'sideways@3']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--failover must be/);
    const far = await cli(['run', SYNBLOCK, '--trace', TRACE, '--failover', 'crash@99999']);
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/only 1707 packets/);
    const notbox = await cli(['run', root, '--trace', TRACE]);
    expect(notbox.code).toBe(2);
    expect(notbox.stderr).toMatch(/mbox\.json/);
  }, 60_000);
});

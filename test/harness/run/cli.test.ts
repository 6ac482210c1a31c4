// `statelab run` end to end through the CLI entry: exit 0 and a JSON record
// when equivalent, exit 1 with the first difference on stderr when outputs
// differ, exit 2 with a reason on bad input.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/helpers.js';

const SYNBLOCK = fileURLToPath(new URL('../../../middleboxes/synblock', import.meta.url));
const TRACE = fileURLToPath(new URL('../../../traces/small-mixed.pcap', import.meta.url));
const FAKE = fileURLToPath(new URL('./fixtures/fake-nf.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'h10-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('statelab run', () => {
  it('exit 0 and the JSON record for an equivalent run', async () => {
    const json = join(root, 'ok.json');
    const r = await runCli(['run', SYNBLOCK, '--trace', TRACE, '--json', json, '-q']);
    expect(r.code).toBe(0);
    const rec = JSON.parse(readFileSync(json, 'utf8'));
    expect(rec).toMatchObject({ equivalent: true, firstDifference: null, packets: 1707, failoverAt: null, model: 'all' });
    for (const k of ['stateBytes', 'frames', 'timings', 'skipped', 'processes']) expect(rec).toHaveProperty(k);
  }, 60_000);

  it('exit 1 with the first difference when the pair computes something else', async () => {
    // The pair runs a different program (the fake counter) than the reference synblock: outputs differ.
    const r = await runCli(['run', SYNBLOCK, '--trace', TRACE, '--failover', 'graceful@100', '--instrumented-command', `node ${FAKE}`, '--heartbeat-ms', '50', '--miss-limit', '10', '-q']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/outputs differ/);
    expect(r.err).toMatch(/first difference: log line 1 \(primary side\)/);
  }, 60_000);

  it('exit 2 on bad input, naming the problem', async () => {
    expect((await runCli(['run', SYNBLOCK, '--trace', join(root, 'missing.pcap')])).code).toBe(2);
    const bad = await runCli(['run', SYNBLOCK, '--trace', TRACE, '--failover', 'sideways@3']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--failover must be/);
    const far = await runCli(['run', SYNBLOCK, '--trace', TRACE, '--failover', 'crash@99999']);
    expect(far.code).toBe(2);
    expect(far.err).toMatch(/only 1707 packets/);
    const notbox = await runCli(['run', root, '--trace', TRACE]);
    expect(notbox.code).toBe(2);
    expect(notbox.err).toMatch(/mbox\.json/);
  }, 60_000);
});

// Failover of a primary/standby pair over a real WebSocket, with the fake
// instrumented middlebox (fixtures/fake-nf.mjs: a per-flow packet counter whose
// log and packet output depend on its state): graceful and crash failover at
// several points are equivalent; crash kills with SIGKILL and output commit
// cuts the primary's output at the marks of the last frame the standby
// applied; a transfer that loses one frame's state is reported not equivalent.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { commandLauncher, run, type Launcher, type RunResult } from '../../../harness/run/index.js';
import type { Model } from '../../../harness/protocol/index.js';

const FAKE = fileURLToPath(new URL('./fixtures/fake-nf.mjs', import.meta.url));
const TRACE = fileURLToPath(new URL('../../../traces/small-mixed.pcap', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'h10-failover-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const fake = (extra: (role: string) => string[] = () => []): Launcher => commandLauncher('fake-nf', ['node', FAKE], root, extra);
let n = 0;
// Generous heartbeat: the CI machine is shared; the tests check correctness, the benchmark times it.
const go = (launcher: Launcher, failover: RunResult['failover'] extends infer _ ? Parameters<typeof run>[0]['failover'] : never, model: Model = 'flowspace') =>
  run({ launcher, trace: TRACE, model, failover, workDir: join(root, `run${n++}`), heartbeatMs: 50, missLimit: 10, timeoutMs: 60_000 });

describe('graceful failover (fake middlebox)', () => {
  it.each([1, 613, 1706])('is equivalent at packet %i', async (at) => {
    const r = await go(fake(), { kind: 'graceful', at });
    expect(r.firstDifference).toBeNull();
    expect(r.equivalent).toBe(true);
    // The standby really took over from packet K: primary committed K lines, standby the rest plus its summary.
    expect(r.commit).toMatchObject({ pkt: at - 1, resumedAt: at });
    expect(r.output.primaryLines).toBe(at);
    expect(r.output.standbyLines).toBe(r.packets - at + 1);
    expect(r.output.singleLines).toBe(r.packets + 1);
  }, 60_000);

  it('is equivalent under the all model too', async () => {
    const r = await go(fake(), { kind: 'graceful', at: 900 }, 'all');
    expect(r.equivalent).toBe(true);
    expect(r.stateBytes.perPacketMean).toBeGreaterThan(100); // whole state per packet
  }, 60_000);
});

describe('crash failover (fake middlebox)', () => {
  it.each([5, 800, 1500])('kill -9 at packet %i: output commit and replay from the last applied frame are equivalent', async (at) => {
    const r = await go(fake(), { kind: 'crash', at });
    expect(r.firstDifference).toBeNull();
    expect(r.equivalent).toBe(true);
    const p = r.processes.find((x) => x.role === 'primary')!;
    expect(p.exit).toMatch(/SIGKILL/);
    const c = r.commit!;
    expect(c.resumedAt).toBe(c.pkt + 1);
    expect(c.pkt).toBeLessThanOrEqual(at);
    // The commit mark is the byte size of exactly the first pkt+1 log lines the primary wrote.
    const log = readFileSync(join(root, `run${n - 1}`, 'primary.log'), 'utf8').split('\n');
    expect(log.length - 1).toBeGreaterThanOrEqual(c.pkt + 1);
    const committed = log.slice(0, c.pkt + 1);
    expect(c.marks[0]).toBe(committed.length === 0 ? 0 : Buffer.byteLength(committed.join('\n') + '\n'));
    expect(r.output.primaryLines).toBe(c.pkt + 1);
    expect(r.timings.detectionMs).not.toBeNull();
  }, 60_000);

  it('detection by the standby heartbeats alone also fails over', async () => {
    const r = await run({ launcher: fake(), trace: TRACE, model: 'flowspace', failover: { kind: 'crash', at: 300 }, workDir: join(root, `run${n++}`), heartbeatMs: 20, missLimit: 10, detector: 'heartbeat' });
    expect(r.equivalent).toBe(true);
    expect(r.timings.detectedBy).toBe('heartbeat');
    expect(r.timings.detectionMs).not.toBeNull();
  }, 60_000);
});

describe('an inexact output-commit mark is caught', () => {
  // The negative control of output commit: the same crash run with the primary's log mark one
  // byte past (or short of) the packet's last line cuts the committed log inside a line.
  it.each([1, -1])('log mark off by %i byte: the crash run fails its check', async (skew) => {
    const r = go(fake((role) => (role === 'primary' ? ['--mark-skew', String(skew)] : [])), { kind: 'crash', at: 800 });
    await expect(r).rejects.toMatchObject({ code: 'E_CHECK_FAILED', message: expect.stringMatching(/falls inside a line/) });
  }, 60_000);
});

describe('a broken transfer is caught', () => {
  it('a standby that leaves out one updateable variable is not equivalent, and the first difference is reported', async () => {
    // The negative control: the standby acknowledges every frame but never imports the packet counter.
    const r = await go(fake((role) => (role === 'standby' ? ['--drop-var', 'total'] : [])), { kind: 'graceful', at: 1000 });
    expect(r.equivalent).toBe(false);
    const d = r.firstDifference!;
    expect(d.kind).toBe('log');
    if (d.kind !== 'log') return;
    expect(d.side).toBe('standby');
    expect(d.line).toBe(1001); // the standby's first packet: the primary's own output was right
    expect(d.expected).toMatch(/^pkt 1001 /);
    expect(d.actual).toMatch(/^pkt 1 /);
  }, 60_000);
});

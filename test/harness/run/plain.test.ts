// `--failover none` on every bundled middlebox (plain builds): the trace
// streamed through the replayer into `-r -` gives the same log and packet
// output as the middlebox reading the file itself; and the checker catches a
// deliberately broken copy of those real outputs (a dropped log line, a flipped
// packet byte) at the right place.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compareLogs, comparePackets, loadMbox, plainLauncher, readOutputs, run, type RunResult } from '../../../harness/run/index.js';

const MBOXES = fileURLToPath(new URL('../../../middleboxes/', import.meta.url));
const TRACE = fileURLToPath(new URL('../../../traces/small-mixed.pcap', import.meta.url));
const names = readdirSync(MBOXES).filter((n) => existsSync(join(MBOXES, n, 'mbox.json')));
const root = mkdtempSync(join(tmpdir(), 'h10-plain-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const results = new Map<string, RunResult>();

describe('failover none on plain builds', () => {
  it('finds the bundled middleboxes', () => {
    expect(names.length).toBeGreaterThanOrEqual(6);
  });

  it.each(names)('%s: replayed output equals the single instance', async (name) => {
    const launcher = await plainLauncher(loadMbox(join(MBOXES, name)));
    const r = await run({ launcher, trace: TRACE, model: 'all', failover: { kind: 'none' }, workDir: join(root, name) });
    results.set(name, r);
    expect(r.firstDifference).toBeNull();
    expect(r.equivalent).toBe(true);
    expect(r.packets).toBe(1707);
    // Not vacuous: the middlebox produced output to compare.
    expect(r.output.singleLines + r.output.singlePackets).toBeGreaterThan(0);
    expect(r.output.primaryLines).toBe(r.output.singleLines);
    expect(r.output.primaryPackets).toBe(r.output.singlePackets);
  }, 60_000);
});

describe('the checker on real middlebox output', () => {
  it('catches a dropped log line and a flipped packet byte', () => {
    // An on-path box (packet output) and the one with the most log lines.
    const withPackets = names.find((n) => (results.get(n)?.output.singlePackets ?? 0) > 10)!;
    const withLog = names.reduce((a, b) => ((results.get(a)?.output.singleLines ?? 0) >= (results.get(b)?.output.singleLines ?? 0) ? a : b));
    expect(results.get(withLog)!.output.singleLines).toBeGreaterThan(2);

    const dir = join(root, withLog);
    const single = readOutputs({ log: join(dir, 'single.log'), pcap: join(dir, 'single.pcap') });
    const lines = readFileSync(join(dir, 'primary.log'), 'utf8').split('\n');
    const drop = Math.floor((lines.length - 1) / 2);
    writeFileSync(join(dir, 'broken.log'), lines.filter((_, i) => i !== drop).join('\n'));
    const broken = readOutputs({ log: join(dir, 'broken.log'), pcap: join(dir, 'primary.pcap') });
    const d = compareLogs(single.lines, broken.lines.slice(0, 1), broken.lines.slice(1))!;
    expect(d).toMatchObject({ line: drop + 1, expected: lines[drop] });

    const pdir = join(root, withPackets);
    const pcap = readFileSync(join(pdir, 'primary.pcap'));
    const at = 24 + 16 + 20; // first record's 21st byte
    pcap[at] ^= 0x01;
    writeFileSync(join(pdir, 'broken.pcap'), pcap);
    copyFileSync(join(pdir, 'primary.log'), join(pdir, 'copy.log'));
    const ref = readOutputs({ log: join(pdir, 'single.log'), pcap: join(pdir, 'single.pcap') });
    const bad = readOutputs({ log: join(pdir, 'copy.log'), pcap: join(pdir, 'broken.pcap') });
    expect(comparePackets(ref.packets, bad.packets.slice(0, 3), bad.packets.slice(3))).toMatchObject({ index: 0, side: 'primary', what: 'bytes', offset: 20 });
  });
});

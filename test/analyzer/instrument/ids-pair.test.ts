// ids (the paper's Snort case) primary → standby under all three transfer models: the
// standby's state digest equals the primary's after every packet, dropping one variable
// is caught, and the 413-rule automaton (built before the first packet) never travels.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import msgpack from 'msgpack-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMiddlebox, type BuildReport } from '../../../analyzer/instrument/index.js';
import { dropVariable, runMbox, runPair, SHARED_TRACES } from './pair.js';

const MODELS = ['all', 'flowspace', 'flowspace+updated'];
// 259 packets, TCP/UDP/ICMP over IPv4 and IPv6: every per-flow table gets entries
const TRACE = join(SHARED_TRACES, 'tcpreplay-test-mixed.pcap');
const DIR = join('middleboxes', 'ids');
// the automaton alone is ~15 MiB serialized; per-flow state on this trace is ~150 KB
const MAX_FRAME = 1 << 20;

describe.skipIf(!existsSync(TRACE))('ids primary → standby', () => {
  let report: BuildReport;
  let work: string;
  const args = ['-c', join(DIR, 'ids.rules')];

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sa-pair-ids-'));
    report = buildMiddlebox(DIR, { outDir: work, deps: 'sdg' });
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('transfers the per-flow, per-source and filter tables but not the rule set', () => {
    const moved = report.variables.map((v) => v.name);
    for (const v of ['flow_table', 'scan_table', 'dfilter_table', 'stats', 'packet_clock']) expect(moved).toContain(v);
    expect(moved).not.toContain('ruleset');
    expect(moved).not.toContain('ids_fold');
  });

  it.each(MODELS)('model %s: digests equal after every packet, frames small', async (model) => {
    const r = await runPair(report.binary, args, TRACE, model, { work });
    expect(r.primary.code, r.primary.stderr).toBe(0);
    expect(r.standby.code, r.standby.stderr).toBe(0);
    expect(r.frames.length).toBeGreaterThan(100);
    expect(r.frames.map((f) => f.seq)).toEqual(r.frames.map((_, i) => i + 1));
    expect(r.frames.every((f) => f.t === 'state' && f.model === model)).toBe(true);
    expect(r.applied.map((f) => f.seq)).toEqual(r.frames.map((f) => f.seq));
    expect(r.primaryDigests.length).toBe(r.frames.length);
    expect(r.standbyDigests).toEqual(r.primaryDigests);
    const biggest = Math.max(...r.frames.map((f) => f.payload?.length ?? 0));
    expect(biggest).toBeLessThan(MAX_FRAME);
    // the state really changes along the trace (the digest check is not comparing constants)
    expect(new Set(r.primaryDigests).size).toBeGreaterThan(r.frames.length / 2);
  }, 60_000);

  it('dropping the flow table from the frames is detected', async () => {
    const probe = await runPair(report.binary, args, TRACE, 'all', { work });
    const last = msgpack.decode(probe.frames[probe.frames.length - 1].payload!) as Record<string, unknown>;
    expect(Object.keys(last)).toContain('flow_table');
    const r = await runPair(report.binary, args, TRACE, 'all', { work, relay: (f) => dropVariable(f, 'flow_table') });
    const differ = r.standbyDigests.length === 0 || r.standbyDigests.some((d, i) => d !== r.primaryDigests[i]);
    expect(differ).toBe(true);
  }, 60_000);

  it('--sa-mode primary raises the plain build\'s alerts', async () => {
    const plain = buildMiddlebox(DIR, { outDir: work, plain: true });
    const logs: string[] = [];
    for (const [bin, extra] of [[plain.binary, []], [report.binary, ['--sa-mode', 'primary']]] as const) {
      const log = join(work, `alerts${logs.length}.txt`);
      const r = await runMbox(bin, [...extra, '-r', TRACE, '-l', log, ...args], {});
      expect(r.code, r.stderr).toBe(0);
      logs.push(readFileSync(log, 'utf8'));
    }
    expect(logs[0].split('\n').length).toBeGreaterThan(10); // the trace raises alerts
    expect(logs[1]).toBe(logs[0]);
  }, 60_000);
});

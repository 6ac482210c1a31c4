// The equivalence checker on hand-made outputs: equal runs pass; a dropped or
// changed log line, a flipped packet byte, a shifted timestamp, a missing or
// extra packet are each caught at the right place with context.
import { describe, expect, it } from 'vitest';
import { compareLogs, comparePackets, describeDifference, logLines, type OutPacket } from '../../../harness/run/index.js';

const lines = Array.from({ length: 10 }, (_, i) => `line ${i}`);
const pkt = (i: number, len = 20): OutPacket => ({ tsSec: 1000 + i, tsUsec: i * 7, origLen: len, data: Buffer.from(Array.from({ length: len }, (_, k) => (i * 13 + k) & 0xff)) });
const pkts = Array.from({ length: 6 }, (_, i) => pkt(i));

describe('logs', () => {
  it('splits without a phantom last line', () => {
    expect(logLines('a\nb\n')).toEqual(['a', 'b']);
    expect(logLines('a\nb')).toEqual(['a', 'b']);
    expect(logLines('')).toEqual([]);
  });

  it('accepts the single log split anywhere between primary and standby', () => {
    for (let cut = 0; cut <= lines.length; cut++) expect(compareLogs(lines, lines.slice(0, cut), lines.slice(cut))).toBeNull();
  });

  it('catches a dropped line in the standby part, with the line number and context', () => {
    const standby = lines.slice(4);
    standby.splice(2, 1); // drop "line 6"
    const d = compareLogs(lines, lines.slice(0, 4), standby)!;
    expect(d).not.toBeNull();
    expect(d.line).toBe(7);
    expect(d.expected).toBe('line 6');
    expect(d.actual).toBe('line 7');
    expect(d.side).toBe('standby');
    expect(d.context).toContain(' line 5');
    expect(d.context).toContain('-line 6');
    expect(d.context).toContain('+line 7');
    expect(describeDifference(d)).toMatch(/log line 7 \(standby side\)/);
  });

  it('catches a changed line in the primary part and a missing tail', () => {
    const primary = lines.slice(0, 5);
    primary[1] = 'line 1 changed';
    expect(compareLogs(lines, primary, lines.slice(5))).toMatchObject({ line: 2, side: 'primary', actual: 'line 1 changed' });
    expect(compareLogs(lines, lines.slice(0, 5), lines.slice(5, 9))).toMatchObject({ line: 10, side: 'end', expected: 'line 9', actual: null });
    expect(compareLogs(lines, lines.slice(0, 5), [...lines.slice(5), 'extra'])).toMatchObject({ line: 11, expected: null, actual: 'extra' });
  });
});

describe('packets', () => {
  it('accepts the same packets split anywhere', () => {
    for (let cut = 0; cut <= pkts.length; cut++) expect(comparePackets(pkts, pkts.slice(0, cut), pkts.slice(cut))).toBeNull();
  });

  it('catches a flipped byte with its index, offset and a hex diff', () => {
    const standby = pkts.slice(2).map((p) => ({ ...p, data: Buffer.from(p.data) }));
    standby[1]!.data[15] ^= 0x40; // packet 3, byte 15
    const d = comparePackets(pkts, pkts.slice(0, 2), standby)!;
    expect(d).toMatchObject({ index: 3, side: 'standby', what: 'bytes', offset: 15 });
    expect(d.hex!.from).toBe(7);
    expect(d.hex!.expected.slice(16, 18)).toBe(pkts[3]!.data.subarray(15, 16).toString('hex'));
    expect(d.hex!.actual.slice(16, 18)).toBe((pkts[3]!.data[15]! ^ 0x40).toString(16).padStart(2, '0'));
    expect(describeDifference(d)).toMatch(/output packet 3 \(standby side\): bytes/);
  });

  it('catches timestamp, length, missing and extra packets', () => {
    const ts = pkts.map((p, i) => (i === 4 ? { ...p, tsUsec: p.tsUsec + 1 } : p));
    expect(comparePackets(pkts, ts.slice(0, 3), ts.slice(3))).toMatchObject({ index: 4, what: 'timestamp' });
    const short = pkts.map((p, i) => (i === 1 ? { ...p, data: p.data.subarray(0, 10), origLen: 10 } : p));
    expect(comparePackets(pkts, short, [])).toMatchObject({ index: 1, what: 'length', offset: 10 });
    expect(comparePackets(pkts, pkts.slice(0, 2), pkts.slice(3))).toMatchObject({ index: 2, what: 'bytes' });
    expect(comparePackets(pkts, pkts.slice(0, 3), pkts.slice(3, 5))).toMatchObject({ index: 5, what: 'missing', side: 'end' });
    expect(comparePackets(pkts.slice(0, 5), pkts.slice(0, 3), pkts.slice(3))).toMatchObject({ index: 5, what: 'extra' });
  });
});

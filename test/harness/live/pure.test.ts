// The two pure pieces of live replay: masking wall-clock times in log lines
// (and nothing else), and removing one variable from a state payload.
import msgpack from 'msgpack-lite';
import { describe, expect, it } from 'vitest';
import { dropFromFrame, dropFromPayload, maskWallClock } from '../../../harness/live/index.js';

describe('maskWallClock', () => {
  const from = 1_795_000_000;
  const to = from + 60;
  it('masks times of the run in any position, with or without a fraction', () => {
    expect(maskWallClock(`${from + 3}.902513 deny udp 10.0.0.1:53 -> 10.0.0.2:53 policy`, from, to)).toEqual({ line: '<time> deny udp 10.0.0.1:53 -> 10.0.0.2:53 policy', masked: 1 });
    expect(maskWallClock(`192.0.2.53,0,53,17,SERVER,[dns],0,${from + 1}`, from, to).line).toBe('192.0.2.53,0,53,17,SERVER,[dns],0,<time>');
  });
  it('leaves counters, addresses, trace-time stamps and times outside the run alone', () => {
    const line = `1700000000.410390 summary packets=1795000 bytes=123456789012 ip 10.1.1.41 t=${to + 1}`;
    expect(maskWallClock(line, from, to)).toEqual({ line, masked: 0 });
  });
});

describe('dropFromPayload', () => {
  const payload = msgpack.encode({ '': [[1, 2], 'x'], state_tab: [1, 2, 3], fw_stats: { n: 7 }, clock: 2 ** 40 });
  it('removes exactly the named variable and keeps the others byte for byte', () => {
    const out = msgpack.decode(dropFromPayload(payload, 'state_tab'));
    expect(out).toEqual({ '': [[1, 2], 'x'], fw_stats: { n: 7 }, clock: 2 ** 40 });
  });
  it('returns the payload unchanged when the variable is absent', () => {
    expect(dropFromPayload(payload, 'nope').equals(payload)).toBe(true);
  });
  it('rewrites a whole state frame', () => {
    const frame = msgpack.encode({ t: 'state', seq: 5, pkt: 5, model: 'all', payload, out: [10, 0] });
    const f = msgpack.decode(dropFromFrame(frame, 'fw_stats')) as { seq: number; payload: Buffer; out: number[] };
    expect(f).toMatchObject({ seq: 5, out: [10, 0] });
    expect(Object.keys(msgpack.decode(f.payload) as object)).toEqual(['', 'state_tab', 'clock']);
  });
  it('rejects a payload cut short instead of reading past it', () => {
    expect(() => dropFromPayload(payload.subarray(0, payload.length - 3), 'clock')).toThrow(/truncated/);
  });
});

// The optional `out` output marks on state/snapshot frames (output commit): accepted
// where and as specified, rejected in every other shape.
import msgpack from 'msgpack-lite';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, decodeLocal, encodeEnvelope, encodeLocal } from '../../../harness/protocol/index.js';

const LIMITS = { maxPayloadBytes: 1024 };
const base = { seq: 3, pkt: 7, model: 'all' as const, payload: Buffer.from([1, 2, 3]) };
const raw = (o: object) => msgpack.encode(o);

describe('out marks', () => {
  it('round-trip on state and snapshot envelopes and local frames, and stay optional', () => {
    for (const t of ['state', 'snapshot'] as const) {
      const env = { t, ...base, out: [0, 255, 70_000, 2 ** 40] };
      expect(decodeEnvelope(encodeEnvelope(env), LIMITS)).toEqual(env);
      expect(decodeLocal(encodeLocal(env).subarray(4))).toEqual(env);
      expect(decodeEnvelope(encodeEnvelope({ t, ...base }), LIMITS)).toEqual({ t, ...base });
    }
  });

  it('are rejected on other frames, as non-integers, negatives, or more than 16', () => {
    expect(() => decodeEnvelope(raw({ t: 'ack', seq: 1, out: [1] }), LIMITS)).toThrow(/unknown field "out"|out/);
    expect(() => decodeEnvelope(raw({ t: 'state', ...base, out: [1.5] }), LIMITS)).toThrow(/state\.out must be an array of at most 16 integers/);
    expect(() => decodeEnvelope(raw({ t: 'state', ...base, out: [-1] }), LIMITS)).toThrow(/only unsigned integers/);
    expect(() => decodeEnvelope(raw({ t: 'state', ...base, out: Array(17).fill(1) }), LIMITS)).toThrow(/at most 16/);
    expect(() => decodeEnvelope(raw({ t: 'state', ...base, out: ['x'] }), LIMITS)).toThrow(/only unsigned integers/);
    expect(() => decodeLocal(raw({ t: 'applied', seq: 1, out: [1] }))).toThrow(/unknown field out/);
    // Arrays stay illegal under every other key.
    expect(() => decodeEnvelope(raw({ t: 'state', ...base, payload: [1] }), LIMITS)).toThrow(/only nil, bool, numbers, str and bin/);
  });
});

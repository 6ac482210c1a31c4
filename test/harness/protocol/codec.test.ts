// Codec and validation: round trips, every field of every envelope rejected
// by name when wrong, the byte scanner's refusals, and bounded fuzzing.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import msgpack from 'msgpack-lite';
import {
  decodeEnvelope,
  encodeEnvelope,
  ENVELOPE_FIELDS,
  FRAME_TYPES,
  ProtocolError,
  type Envelope,
} from '../../../harness/protocol/index.js';

const LIMITS = { maxPayloadBytes: 1024 };

/** One valid instance of every envelope kind. */
const SAMPLES: Record<Envelope['t'], Envelope> = {
  challenge: { t: 'challenge', v: 1, nonce: Buffer.alloc(32, 1) },
  hello: { t: 'hello', v: 1, role: 'primary', model: 'flowspace+updated', auth: Buffer.alloc(32, 2) },
  state: { t: 'state', seq: 2 ** 40, pkt: 7, model: 'all', payload: Buffer.from('abc') },
  snapshot: { t: 'snapshot', seq: 0, pkt: 0, model: 'flowspace', payload: Buffer.alloc(1024) },
  ack: { t: 'ack', seq: 12 },
  heartbeat: { t: 'heartbeat', n: 0 },
  resync: { t: 'resync', reason: 'gap', last: -1 },
  takeover: { t: 'takeover', seq: 99 },
  bye: { t: 'bye', reason: 'done' },
  error: { t: 'error', code: 'E_AUTH', reason: 'x' },
};

/** Values that break each field's rule. */
const BAD: Record<string, unknown[]> = {
  v: [0, 1.5, '1', 70000],
  nonce: [Buffer.alloc(31), 'n', 5],
  auth: [Buffer.alloc(33), null],
  role: ['boss', 1],
  model: ['some', null],
  seq: [-1, 0.5, 2 ** 60, '3', null],
  pkt: [-2, 1e300],
  payload: ['str', 5, Buffer.alloc(1025)],
  n: [-1, true],
  reason: [7, 'r'.repeat(124)],
  last: [-2, 1.1],
  code: ['E_NOPE', 3],
};

function raw(obj: object): Buffer {
  return msgpack.encode(obj);
}

describe('envelope codec', () => {
  it.each(FRAME_TYPES)('round-trips a %s envelope', (t) => {
    const env = SAMPLES[t];
    expect(decodeEnvelope(encodeEnvelope(env), LIMITS)).toEqual(env);
  });

  const fieldCases = FRAME_TYPES.flatMap((t) =>
    Object.keys(ENVELOPE_FIELDS[t]).flatMap((field) => (BAD[field] ?? []).map((bad) => ({ t, field, bad }))),
  );
  it.each(fieldCases)('rejects $t.$field = $bad by name', ({ t, field, bad }) => {
    const obj = { ...SAMPLES[t], [field]: bad } as Record<string, unknown>;
    if (field === 'reason' && t === 'resync') return; // resync.reason is an enum, covered below
    let err: unknown;
    try {
      decodeEnvelope(raw(obj), LIMITS);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProtocolError);
    const pe = err as ProtocolError;
    // The byte scanner passes scalars of any type; the validator names the field and its rule.
    expect(pe.reason).toBe('E_INVALID_FIELD');
    expect(pe.detail).toContain(`${t}.${field} `);
  });

  it('rejects missing and unknown fields', () => {
    expect(() => decodeEnvelope(raw({ t: 'ack' }), LIMITS)).toThrow('ack frame lacks field seq');
    expect(() => decodeEnvelope(raw({ t: 'ack', seq: 1, nonce: Buffer.alloc(32) }), LIMITS)).toThrow('ack frame has unknown field "nonce"');
    expect(() => decodeEnvelope(raw({ t: 'resync', reason: 'whim', last: 1 }), LIMITS)).toThrow('resync.reason must be one of connect|reconnect|gap');
    expect(() => decodeEnvelope(raw({ t: 'nope', seq: 1 }), LIMITS)).toThrow('unknown frame type "nope"');
  });

  it('refuses structure msgpack-lite would happily decode', () => {
    const cases: Array<[Buffer, RegExp]> = [
      [raw([1, 2]), /must be a MessagePack map, found type byte 0x92 at byte 0/],
      [raw({ t: 'ack', seq: [1] }), /value at byte 11 has type byte 0x91/],
      [raw({ t: 'ack', seq: { a: 1 } }), /type byte 0x81/],
      [Buffer.concat([raw({ t: 'ack', seq: 1 }), Buffer.from([0])]), /1 trailing bytes after the envelope at byte 12/],
      [Buffer.from([0x82, 0xa1, 0x74, 0xa3, 0x61, 0x63, 0x6b, 0xa1, 0x74, 0x01]), /duplicate key "t" at byte 7/],
      // ext type 0x0d: msgpack-lite's preset codec would build a Date from it.
      [Buffer.from([0x82, 0xa1, 0x74, 0xa3, 0x61, 0x63, 0x6b, 0xa3, 0x73, 0x65, 0x71, 0xd7, 0x0d, 0, 0, 0, 0, 0, 0, 0, 0]), /type byte 0xd7/],
      [Buffer.from([0xdf, 0xff, 0xff, 0xff, 0xff]), /4294967295 entries, at most 8 allowed/],
      [Buffer.from([0x81, 0xa1, 0x74, 0xdb, 0x7f, 0xff, 0xff, 0xff]), /truncated MessagePack: str\/bin body needs 2147483647 bytes/],
      [Buffer.alloc(0), /truncated MessagePack: type byte needs 1 bytes at byte 0/],
      [raw({ 'tê': 1 }), /unknown key "tê" at byte 1/],
      [raw({ t: 'ack', ['s'.repeat(20)]: 1 }), new RegExp(`unknown key "${'s'.repeat(20)}" at byte 7`)],
    ];
    for (const [bytes, msg] of cases) {
      expect(() => decodeEnvelope(bytes, LIMITS)).toThrow(msg);
    }
  });

  it('refuses a frame over the size limit before scanning it', () => {
    const e = (() => {
      try {
        decodeEnvelope(Buffer.alloc(1024 + 257), LIMITS);
      } catch (err) {
        return err as ProtocolError;
      }
    })();
    expect(e?.reason).toBe('E_TOO_LARGE');
    expect(e?.closeCode).toBe(1009);
  });
});

/** Only ProtocolError may escape the decoder, whatever the bytes. */
function decodesOrRejectsCleanly(bytes: Uint8Array): boolean {
  try {
    decodeEnvelope(Buffer.from(bytes), LIMITS);
    return true;
  } catch (e) {
    return e instanceof ProtocolError;
  }
}

describe('decoder fuzzing (bounded)', () => {
  it('random bytes never crash it', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), decodesOrRejectsCleanly), { numRuns: 3_000, seed: 42 });
  });

  it('mutations of valid envelopes never crash it, and what it accepts re-encodes to a valid envelope', () => {
    const valid = Object.values(SAMPLES).map((e) => encodeEnvelope(e));
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }), fc.nat(40), (i, flips, cut) => {
        const b = Buffer.from(valid[i]!);
        for (const [pos, val] of flips) b[pos % b.length] = val;
        const bytes = cut > 30 ? b.subarray(0, b.length - (cut - 30)) : b;
        if (!decodesOrRejectsCleanly(bytes)) return false;
        try {
          const env = decodeEnvelope(bytes, LIMITS);
          return decodeEnvelope(encodeEnvelope(env), LIMITS).t === env.t;
        } catch {
          return true;
        }
      }),
      { numRuns: 3_000, seed: 7 },
    );
  });

  it('arbitrary MessagePack values never crash it', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 3 }), (v) => {
        let bytes: Buffer;
        try {
          bytes = msgpack.encode(v);
        } catch {
          return true; // not encodable: nothing to feed
        }
        return decodesOrRejectsCleanly(bytes);
      }),
      { numRuns: 1_000, seed: 3 },
    );
  });
});

describe('persistent encoder', () => {
  it('returns buffers that later encodes never overwrite', () => {
    const envs: Envelope[] = [];
    const bytes: Buffer[] = [];
    for (let i = 0; i < 5_000; i++) {
      const env: Envelope = i % 3 === 0 ? { t: 'ack', seq: i } : { t: 'state', seq: i, pkt: i, model: 'all', payload: Buffer.alloc(i % 3000, i & 0xff) };
      envs.push(env);
      bytes.push(encodeEnvelope(env));
    }
    // Compare re-encodings byte for byte (deep-equal over thousands of Buffers is slow in vitest).
    let mismatches = 0;
    bytes.forEach((b, i) => {
      const back = decodeEnvelope(b, { maxPayloadBytes: 4096 });
      if (back.t !== envs[i]!.t || !encodeEnvelope(back).equals(encodeEnvelope(envs[i]!))) mismatches++;
    });
    expect(mismatches).toBe(0);
  });
});

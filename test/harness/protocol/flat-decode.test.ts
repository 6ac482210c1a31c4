// The single-pass flat-map decoder against msgpack-lite, the reference: for
// random flat maps of every scalar kind (all integer widths, floats, str, bin,
// uint arrays) both give the same values; payloads come back as views of the
// frame, not copies; and whatever msgpack-lite rejects, the decoder rejects too.
import fc from 'fast-check';
import msgpack from 'msgpack-lite';
import { describe, expect, it } from 'vitest';
import { codec } from '../../../harness/protocol/msgpack.js';
import { decodeFlatMap } from '../../../harness/protocol/scan.js';
import { ProtocolError } from '../../../harness/protocol/index.js';

const KEYS = ['t', 'seq', 'pkt', 'model', 'payload', 'out', 'reason', 'n'];
const opts = { keys: new Set(KEYS), maxEntries: 8, uintArrays: new Set(['out']) };

const scalar = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.maxSafeNat(),
  fc.double({ noNaN: true }),
  // Each integer width msgpack-lite picks, at both ends (random integers almost never land in the narrow ones).
  fc.constantFrom(0, -1, -32, -33, -128, -129, -32768, -32769, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53) + 1),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.boolean(),
  fc.constant(null),
);
const flatMap = fc
  .uniqueArray(fc.constantFrom(...KEYS), { maxLength: 8 })
  .chain((keys) => fc.tuple(...keys.map((k) => (k === 'out' ? fc.array(fc.maxSafeNat(), { maxLength: 16 }) : scalar))).map((vs) => Object.fromEntries(keys.map((k, i) => [k, vs[i]]))));

describe('decodeFlatMap', () => {
  it('decodes every flat map as msgpack-lite does', () => {
    fc.assert(
      fc.property(flatMap, (m) => {
        const bytes = msgpack.encode(m, { codec });
        expect(decodeFlatMap(bytes, opts)).toEqual(msgpack.decode(bytes, { codec }));
      }),
      { numRuns: 2_000, seed: 7 },
    );
  });

  it('hands bin values out as views of the frame (a forwarded payload is never copied)', () => {
    const bytes = msgpack.encode({ t: 'state', payload: Buffer.alloc(1000, 9) }, { codec });
    const v = decodeFlatMap(bytes, opts).payload as Buffer;
    expect(v.buffer).toBe(bytes.buffer);
    expect(v.length).toBe(1000);
  });

  it('truncations and bit flips of valid maps: rejected with a ProtocolError or decoded as msgpack-lite does', () => {
    fc.assert(
      fc.property(flatMap, fc.nat(), fc.nat(255), fc.boolean(), (m, at, byte, cut) => {
        const good = msgpack.encode(m, { codec });
        if (good.length === 0) return;
        const bad = Buffer.from(good);
        if (cut) return void expectSameOrRejected(bad.subarray(0, at % good.length));
        bad[at % bad.length] = byte;
        expectSameOrRejected(bad);
      }),
      { numRuns: 2_000, seed: 11 },
    );
  });
});

function expectSameOrRejected(bytes: Buffer): void {
  let ours: unknown;
  try {
    ours = decodeFlatMap(bytes, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return;
  }
  // Accepted: msgpack-lite must read the same map from the same bytes.
  expect(ours).toEqual(msgpack.decode(bytes, { codec }));
}

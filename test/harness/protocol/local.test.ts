// Local frames between agent and middlebox: encoding, validation, and the
// streaming reader under any chunking, oversized claims and cut streams.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeLocal, encodeLocal, LocalFrameReader, ProtocolError, type LocalFrame } from '../../../harness/protocol/index.js';

const FRAMES: LocalFrame[] = [
  { t: 'state', seq: 1, pkt: 0, model: 'all', payload: Buffer.from('hello') },
  { t: 'snapshot', seq: 0, pkt: 0, model: 'flowspace', payload: Buffer.alloc(300, 3) },
  { t: 'applied', seq: 9 },
  { t: 'live', seq: 9 },
  { t: 'snapshot-request' },
  { t: 'takeover', seq: 4 },
];

describe('local frames', () => {
  it('round-trip through encode, reader and decode', () => {
    const r = new LocalFrameReader(1024);
    const bodies = r.push(Buffer.concat(FRAMES.map(encodeLocal)));
    expect(bodies.map((b) => decodeLocal(b))).toEqual(FRAMES);
    r.end();
  });

  it('prefix a u32 big-endian length', () => {
    const b = encodeLocal({ t: 'applied', seq: 1 });
    expect(b.readUInt32BE(0)).toBe(b.length - 4);
  });

  it('reassemble frames split at any byte boundary', () => {
    const stream = Buffer.concat(FRAMES.map(encodeLocal));
    fc.assert(
      fc.property(fc.array(fc.nat(stream.length), { maxLength: 12 }), (cuts) => {
        const points = [...new Set([0, ...cuts, stream.length])].sort((a, b) => a - b);
        const r = new LocalFrameReader(1024);
        const out: Buffer[] = [];
        for (let i = 1; i < points.length; i++) out.push(...r.push(stream.subarray(points[i - 1], points[i])));
        r.end();
        return JSON.stringify(out.map((b) => decodeLocal(b))) === JSON.stringify(FRAMES);
      }),
      { numRuns: 500, seed: 11 },
    );
  });

  it('refuses a 1 GiB length claim at once, naming the stream offset', () => {
    const r = new LocalFrameReader(1024);
    const first = encodeLocal({ t: 'applied', seq: 1 });
    expect(r.push(first)).toHaveLength(1);
    expect(() => r.push(Buffer.from([0x40, 0, 0, 0]))).toThrow(`local frame at stream byte ${first.length} claims 1073741824 bytes, limit 1024`);
  });

  it('reports a stream cut mid-frame', () => {
    const r = new LocalFrameReader(1024);
    const f = encodeLocal({ t: 'applied', seq: 1 });
    r.push(f.subarray(0, 6));
    expect(() => r.end()).toThrow(`stream ended mid-frame at stream byte 0: got 2 of ${f.length - 4} body bytes`);
  });

  it('validate fields and kinds', () => {
    const bad = (o: object) => {
      const b = encodeLocal(o as LocalFrame).subarray(4);
      return () => decodeLocal(b, 100);
    };
    expect(bad({ t: 'applied' })).toThrow('local applied.seq is missing');
    expect(bad({ t: 'applied', seq: -1 })).toThrow('local applied.seq must be an integer');
    expect(bad({ t: 'state', seq: 1, pkt: 1, model: 'all', payload: Buffer.alloc(101) })).toThrow('local state.payload is 101 bytes, limit 100');
    expect(bad({ t: 'state', seq: 1, pkt: 1, model: 'x', payload: Buffer.alloc(1) })).toThrow('local state.model must be one of');
    expect(bad({ t: 'dance' })).toThrow('unknown local frame type "dance"');
    expect(bad({ t: 'live', seq: 1, pkt: 2 })).toThrow('local live frame has unknown field pkt');
  });

  it('never crash on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = new LocalFrameReader(64);
        try {
          for (const b of r.push(Buffer.from(bytes))) decodeLocal(b);
          r.end();
          return true;
        } catch (e) {
          return e instanceof ProtocolError;
        }
      }),
      { numRuns: 2_000, seed: 5 },
    );
  });
});

describe('state and snapshot bodies are envelopes', () => {
  it('a local state/snapshot body decodes as the envelope of the same name, and back', async () => {
    const { decodeEnvelope, encodeEnvelope } = await import('../../../harness/protocol/index.js');
    for (const f of FRAMES.filter((x) => x.t === 'state' || x.t === 'snapshot')) {
      const body = encodeLocal(f).subarray(4);
      expect(decodeEnvelope(body)).toEqual(f);
      expect(decodeLocal(encodeEnvelope(decodeEnvelope(body)))).toEqual(f);
    }
  });
});

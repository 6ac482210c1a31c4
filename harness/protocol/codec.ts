// Encode and decode envelopes with msgpack-lite. Decoding is the trust
// boundary: size limit, byte-level scan, decode, then strict validation.
import msgpack from 'msgpack-lite';
import { DEFAULT_MAX_PAYLOAD_BYTES, ENVELOPE_OVERHEAD_BYTES } from './constants.js';
import type { Envelope } from './envelope.js';
import { ProtocolError } from './errors.js';
import { scanFlatMap } from './scan.js';
// A codec without msgpack-lite's preset extensions: no Date/Error/RegExp objects from the wire.
import { codec, encodeMsgpack } from './msgpack.js';
import { ARRAY_KEYS, ENVELOPE_KEYS, validateEnvelope } from './validate.js';


export interface CodecLimits {
  maxPayloadBytes: number;
}

export const DEFAULT_CODEC_LIMITS: CodecLimits = { maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES };

/** Largest encoded envelope under these limits (use as ws maxPayload). */
export function maxFrameBytes(limits: CodecLimits): number {
  return limits.maxPayloadBytes + ENVELOPE_OVERHEAD_BYTES;
}

export function encodeEnvelope(env: Envelope): Buffer {
  return encodeMsgpack(env);
}

/** Decode one untrusted frame; throws ProtocolError with a stable code on any problem. */
export function decodeEnvelope(bytes: Uint8Array, limits: CodecLimits = DEFAULT_CODEC_LIMITS): Envelope {
  if (bytes.length > maxFrameBytes(limits)) {
    throw new ProtocolError('E_TOO_LARGE', `frame of ${bytes.length} bytes exceeds ${maxFrameBytes(limits)}`);
  }
  scanFlatMap(bytes, { keys: ENVELOPE_KEYS, maxEntries: 8, uintArrays: ARRAY_KEYS });
  let value: unknown;
  try {
    value = msgpack.decode(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), { codec });
  } catch (cause) {
    // The scan accepted the structure, so this is msgpack-lite disagreeing; still the peer's fault.
    throw new ProtocolError('E_MALFORMED', `undecodable MessagePack: ${(cause as Error).message}`, { cause });
  }
  return validateEnvelope(value, limits);
}

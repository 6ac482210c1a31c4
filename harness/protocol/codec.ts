// Encode envelopes with msgpack-lite; decode them with the flat-map decoder.
// Decoding is the trust boundary: size limit, checked decode, strict validation.
import { DEFAULT_MAX_PAYLOAD_BYTES, ENVELOPE_OVERHEAD_BYTES } from './constants.js';
import type { Envelope } from './envelope.js';
import { ProtocolError } from './errors.js';
import { decodeFlatMap } from './scan.js';
import { encodeMsgpack } from './msgpack.js';
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
  return validateEnvelope(decodeFlatMap(bytes, { keys: ENVELOPE_KEYS, maxEntries: 8, uintArrays: ARRAY_KEYS }), limits);
}

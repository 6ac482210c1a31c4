// Strict field validation of decoded envelopes: every field's type, range and
// size, and no unknown field — the only way an object becomes an Envelope.
import {
  FRAME_TYPES,
  MAC_BYTES,
  MAX_REASON_BYTES,
  MAX_SEQ,
  MODELS,
  NONCE_BYTES,
  RESYNC_REASONS,
  ROLES,
  type FrameType,
} from './constants.js';
import { isProtocolErrorCode } from './codes.js';
import type { Envelope } from './envelope.js';
import { ProtocolError } from './errors.js';
import { MAX_ARRAY_ENTRIES } from './scan.js';

type FieldCheck = (value: unknown, limits: ValidateLimits) => string | null;

export interface ValidateLimits {
  maxPayloadBytes: number;
}

const uint: FieldCheck = (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_SEQ ? null : 'must be an integer in [0, 2^53-1]';
const seqOrNone: FieldCheck = (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= -1 ? null : 'must be an integer >= -1';
const version: FieldCheck = (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= 0xffff ? null : 'must be an integer in [1, 65535]';
const bytesExactly =
  (n: number): FieldCheck =>
  (v) =>
    Buffer.isBuffer(v) && v.length === n ? null : `must be ${n} bytes of binary`;
const payload: FieldCheck = (v, limits) => {
  if (!Buffer.isBuffer(v)) return 'must be binary';
  return v.length <= limits.maxPayloadBytes ? null : `is ${v.length} bytes, limit ${limits.maxPayloadBytes}`;
};
const oneOf =
  (allowed: readonly string[]): FieldCheck =>
  (v) =>
    typeof v === 'string' && allowed.includes(v) ? null : `must be one of ${allowed.join('|')}`;
const reasonText: FieldCheck = (v) =>
  typeof v === 'string' && Buffer.byteLength(v, 'utf8') <= MAX_REASON_BYTES
    ? null
    : `must be a string of at most ${MAX_REASON_BYTES} bytes`;
const outMarks: FieldCheck = (v) =>
  Array.isArray(v) && v.length <= MAX_ARRAY_ENTRIES && v.every((x) => uint(x, { maxPayloadBytes: 0 }) === null)
    ? null
    : `must be an array of at most ${MAX_ARRAY_ENTRIES} integers in [0, 2^53-1]`;
const errorCode: FieldCheck = (v) => (isProtocolErrorCode(v) ? null : 'must be a known protocol error code');

/** Per frame kind, its fields (besides `t`) and their checks. */
export const ENVELOPE_FIELDS: { readonly [K in FrameType]: Readonly<Record<string, FieldCheck>> } = {
  challenge: { v: version, nonce: bytesExactly(NONCE_BYTES) },
  hello: { v: version, role: oneOf(ROLES), model: oneOf(MODELS), auth: bytesExactly(MAC_BYTES) },
  state: { seq: uint, pkt: uint, model: oneOf(MODELS), payload },
  snapshot: { seq: uint, pkt: uint, model: oneOf(MODELS), payload },
  ack: { seq: uint },
  heartbeat: { n: uint },
  resync: { reason: oneOf(RESYNC_REASONS), last: seqOrNone },
  takeover: { seq: uint },
  bye: { reason: reasonText },
  error: { code: errorCode, reason: reasonText },
};

/**
 * Optional fields: `out` on state/snapshot carries the primary middlebox's
 * cumulative output sizes after the packet (output commit, harness/run).
 */
export const OPTIONAL_FIELDS: { readonly [K in FrameType]?: Readonly<Record<string, FieldCheck>> } = {
  state: { out: outMarks },
  snapshot: { out: outMarks },
};

/** Keys whose values are arrays (all others are scalars, str or bin). */
export const ARRAY_KEYS: ReadonlySet<string> = new Set(['out']);

/** Every key any envelope may carry (the byte scanner rejects others before decoding). */
export const ENVELOPE_KEYS: ReadonlySet<string> = new Set([
  't',
  ...Object.values(ENVELOPE_FIELDS).flatMap((f) => Object.keys(f)),
  ...ARRAY_KEYS,
]);

export function isFrameType(s: unknown): s is FrameType {
  return typeof s === 'string' && (FRAME_TYPES as readonly string[]).includes(s);
}

/** Check a decoded value is exactly one well-formed envelope; throws ProtocolError naming the field. */
export function validateEnvelope(value: unknown, limits: ValidateLimits): Envelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Buffer.isBuffer(value)) {
    throw new ProtocolError('E_MALFORMED', 'envelope is not a map');
  }
  const obj = value as Record<string, unknown>;
  const t = obj.t;
  if (!isFrameType(t)) {
    throw new ProtocolError('E_MALFORMED', `unknown frame type ${JSON.stringify(typeof t === 'string' ? t.slice(0, 32) : typeof t)}`);
  }
  const fields = ENVELOPE_FIELDS[t];
  const optional = OPTIONAL_FIELDS[t] ?? {};
  const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  for (const key of Object.keys(obj)) {
    if (key !== 't' && !has(fields, key) && !has(optional, key)) {
      throw new ProtocolError('E_INVALID_FIELD', `${t} frame has unknown field ${JSON.stringify(key.slice(0, 32))}`);
    }
  }
  for (const [key, check] of Object.entries(optional)) {
    if (!has(obj, key)) continue;
    const problem = check(obj[key], limits);
    if (problem !== null) throw new ProtocolError('E_INVALID_FIELD', `${t}.${key} ${problem}`);
  }
  for (const [key, check] of Object.entries(fields)) {
    if (!Object.prototype.hasOwnProperty.call(obj, key)) {
      throw new ProtocolError('E_INVALID_FIELD', `${t} frame lacks field ${key}`);
    }
    const problem = check(obj[key], limits);
    if (problem !== null) throw new ProtocolError('E_INVALID_FIELD', `${t}.${key} ${problem}`);
  }
  return obj as unknown as Envelope;
}

// Local frames: the byte stream between an agent and its middlebox process on
// two file descriptors (fd 3: middlebox → agent, fd 4: agent → middlebox).
// Each frame is a u32 big-endian length and a MessagePack map; see README.md.
import { DEFAULT_MAX_PAYLOAD_BYTES, ENVELOPE_OVERHEAD_BYTES, LOCAL_LENGTH_BYTES, MAX_SEQ, MODELS, type Model } from './constants.js';
import { ProtocolError } from './errors.js';
import { decodeFlatMap, MAX_ARRAY_ENTRIES } from './scan.js';
import { ARRAY_KEYS } from './validate.js';
import { encodeMsgpack } from './msgpack.js';


/** Primary middlebox → agent: one packet's state, or a full snapshot on request. */
export interface LocalState {
  t: 'state' | 'snapshot';
  seq: number;
  pkt: number;
  model: Model;
  payload: Buffer;
  /** Cumulative byte sizes of the files named in SA_OUTPUTS after this packet (output commit). */
  out?: number[];
}
/** Standby middlebox → agent: frame `seq` has been imported (ack may now be sent). */
export interface LocalApplied {
  t: 'applied';
  seq: number;
}
/** Standby middlebox → agent: it has gone live after applying `seq`. */
export interface LocalLive {
  t: 'live';
  seq: number;
}
/** Agent → primary middlebox: export a full snapshot now. */
export interface LocalSnapshotRequest {
  t: 'snapshot-request';
}
/** Agent → standby middlebox: stop importing and go live once `seq` is applied. */
export interface LocalTakeover {
  t: 'takeover';
  seq: number;
}

export type LocalFrame = LocalState | LocalApplied | LocalLive | LocalSnapshotRequest | LocalTakeover;
export type LocalType = LocalFrame['t'];

const LOCAL_FIELDS: Record<LocalType, readonly string[]> = {
  state: ['seq', 'pkt', 'model', 'payload'],
  snapshot: ['seq', 'pkt', 'model', 'payload'],
  applied: ['seq'],
  live: ['seq'],
  'snapshot-request': [],
  takeover: ['seq'],
};
const LOCAL_KEYS = new Set(['t', 'seq', 'pkt', 'model', 'payload', 'out']);

export function encodeLocal(frame: LocalFrame): Buffer {
  return frameLocalBody(encodeMsgpack(frame));
}

/**
 * Prefix an encoded body with its length. A `state` or `snapshot` local frame
 * body has exactly the keys and rules of the envelope of the same name, so the
 * agents forward validated bytes both ways without re-encoding them.
 */
export function frameLocalBody(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(LOCAL_LENGTH_BYTES + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, LOCAL_LENGTH_BYTES);
  return out;
}

/** Decode and validate one local frame body (without its length prefix). */
export function decodeLocal(body: Buffer, maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES): LocalFrame {
  const v = decodeFlatMap(body, { keys: LOCAL_KEYS, maxEntries: 6, what: 'local frame', uintArrays: ARRAY_KEYS });
  const t = v.t;
  if (typeof t !== 'string' || !Object.prototype.hasOwnProperty.call(LOCAL_FIELDS, t)) {
    throw new ProtocolError('E_MALFORMED', `unknown local frame type ${JSON.stringify(String(t).slice(0, 32))}`);
  }
  const fields = LOCAL_FIELDS[t as LocalType];
  const outAllowed = t === 'state' || t === 'snapshot';
  for (const k of Object.keys(v)) {
    if (k === 'out' && outAllowed) continue;
    if (k !== 't' && !fields.includes(k)) throw new ProtocolError('E_INVALID_FIELD', `local ${t} frame has unknown field ${k}`);
  }
  if (v.out !== undefined) {
    const out = v.out;
    if (!Array.isArray(out) || out.length > MAX_ARRAY_ENTRIES || !out.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) {
      throw new ProtocolError('E_INVALID_FIELD', `local ${t}.out must be an array of at most ${MAX_ARRAY_ENTRIES} integers in [0, 2^53-1]`);
    }
  }
  for (const k of fields) {
    const x = v[k];
    const bad = (why: string): never => {
      throw new ProtocolError('E_INVALID_FIELD', `local ${t}.${k} ${why}`);
    };
    if (x === undefined) bad('is missing');
    if (k === 'seq' || k === 'pkt') {
      if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0 || x > MAX_SEQ) bad('must be an integer in [0, 2^53-1]');
    } else if (k === 'model') {
      if (typeof x !== 'string' || !(MODELS as readonly string[]).includes(x)) bad(`must be one of ${MODELS.join('|')}`);
    } else if (k === 'payload') {
      if (!Buffer.isBuffer(x)) bad('must be binary');
      else if (x.length > maxPayloadBytes) bad(`is ${x.length} bytes, limit ${maxPayloadBytes}`);
    }
  }
  return v as unknown as LocalFrame;
}

/**
 * Splits a byte stream into local frame bodies. An explicit two-state parser
 * (header, body) that copes with any chunking, as ws's receiver does; a length
 * above the limit is refused before a byte of it is buffered.
 */
export class LocalFrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private want = -1; // -1: reading the length prefix
  /** Stream offset of the current frame's first byte, for error messages. */
  private frameStart = 0;
  private consumed = 0;

  constructor(private readonly maxBodyBytes = DEFAULT_MAX_PAYLOAD_BYTES + ENVELOPE_OVERHEAD_BYTES) {}

  /** Feed bytes; returns the complete frame bodies they finish. Throws on an oversized length. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.want < 0) {
        if (this.buffered < LOCAL_LENGTH_BYTES) break;
        const len = this.take(LOCAL_LENGTH_BYTES).readUInt32BE(0);
        if (len > this.maxBodyBytes) {
          throw new ProtocolError('E_TOO_LARGE', `local frame at stream byte ${this.frameStart} claims ${len} bytes, limit ${this.maxBodyBytes}`, {
            offset: this.frameStart,
          });
        }
        this.want = len;
      }
      if (this.buffered < this.want) break;
      out.push(this.take(this.want));
      this.want = -1;
      this.frameStart = this.consumed;
    }
    return out;
  }

  /** At end of stream: throws if a frame was cut short. */
  end(): void {
    if (this.buffered > 0 || this.want >= 0) {
      const what = this.want < 0 ? `${this.buffered} of ${LOCAL_LENGTH_BYTES} length bytes` : `${this.buffered} of ${this.want} body bytes`;
      throw new ProtocolError('E_MALFORMED', `stream ended mid-frame at stream byte ${this.frameStart}: got ${what}`, { offset: this.frameStart });
    }
  }

  private take(n: number): Buffer {
    let out: Buffer;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let pos = 0;
      while (pos < n) {
        const c = this.chunks[0]!;
        const k = Math.min(c.length, n - pos);
        c.copy(out, pos, 0, k);
        pos += k;
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      }
    }
    this.buffered -= n;
    this.consumed += n;
    return out;
  }
}

// The decoder of untrusted MessagePack frames: one flat map of scalar/str/bin
// values with known, distinct string keys, every length checked against the
// bytes present, nothing trailing; checked and decoded in one pass.
import { ProtocolError } from './errors.js';

export interface ScanOptions {
  /** Keys allowed at the top level. */
  keys: ReadonlySet<string>;
  /** Most entries the top-level map may have. */
  maxEntries: number;
  /** What the bytes are, for messages ("envelope", "local frame"). */
  what?: string;
  /** Keys whose value may instead be a short array of unsigned integers (output marks). */
  uintArrays?: ReadonlySet<string>;
}

/** Most elements an array value may have. */
export const MAX_ARRAY_ENTRIES = 16;

/** Throws ProtocolError(E_MALFORMED) with the byte offset of the first problem. */
export function scanFlatMap(buf: Uint8Array, opts: ScanOptions): void {
  decodeFlatMap(buf, opts);
}

/**
 * Check and decode one flat map in a single pass: the same structural rules
 * as before any decoding (known distinct short-string keys, scalar, str or
 * bin values, short uint arrays where allowed, every length checked, nothing
 * trailing). Values are what msgpack-lite gives: numbers, strings, null,
 * booleans, Buffers for bin — here views of `buf`, not copies (a forwarded
 * state payload is never copied). The agents' hot path: one walk instead of a
 * scan plus a general decoder.
 */
export function decodeFlatMap(buf: Uint8Array, opts: ScanOptions): Record<string, unknown> {
  const what = opts.what ?? 'envelope';
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  let off = 0;
  const need = (n: number, what: string): void => {
    if (n > b.length - off) {
      throw new ProtocolError('E_MALFORMED', `truncated MessagePack: ${what} needs ${n} bytes at byte ${off}, ${b.length - off} left`, { offset: off });
    }
  };
  const u8 = (): number => {
    need(1, 'type byte');
    return b[off++]!;
  };
  const be = (n: number, what: string): number => {
    need(n, what);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + b[off + i]!;
    off += n;
    return v;
  };
  const bytes = (n: number, what: string): Buffer => {
    need(n, what);
    const v = b.subarray(off, off + n);
    off += n;
    return v;
  };

  const at = off;
  const head = u8();
  let entries: number;
  if (head >= 0x80 && head <= 0x8f) entries = head & 0x0f;
  else if (head === 0xde) entries = be(2, 'map16 length');
  else if (head === 0xdf) entries = be(4, 'map32 length');
  else throw new ProtocolError('E_MALFORMED', `${what} must be a MessagePack map, found type byte 0x${head.toString(16)} at byte ${at}`, { offset: at });
  if (entries > opts.maxEntries) {
    throw new ProtocolError('E_MALFORMED', `${what} map has ${entries} entries, at most ${opts.maxEntries} allowed`, { offset: at });
  }

  const out: Record<string, unknown> = {};
  for (let i = 0; i < entries; i++) {
    const keyAt = off;
    const kb = u8();
    let klen: number;
    if (kb >= 0xa0 && kb <= 0xbf) klen = kb & 0x1f;
    else if (kb === 0xd9) klen = be(1, 'str8 length');
    else throw new ProtocolError('E_MALFORMED', `map key at byte ${keyAt} is not a short string`, { offset: keyAt });
    need(klen, 'map key');
    const key = shortKey(b, off, klen);
    off += klen;
    if (!opts.keys.has(key)) {
      throw new ProtocolError('E_MALFORMED', `unknown key ${JSON.stringify(key.slice(0, 32))} at byte ${keyAt}`, { offset: keyAt });
    }
    if (Object.prototype.hasOwnProperty.call(out, key)) throw new ProtocolError('E_MALFORMED', `duplicate key ${JSON.stringify(key)} at byte ${keyAt}`, { offset: keyAt });
    out[key] = opts.uintArrays?.has(key) && isArrayHead(b[off]) ? uintArray() : scalar();
  }
  if (off !== b.length) {
    throw new ProtocolError('E_MALFORMED', `${b.length - off} trailing bytes after the ${what} at byte ${off}`, { offset: off });
  }
  return out;

  function uintArray(): number[] {
    const aAt = off;
    const h = u8();
    const n = h === 0xdc ? be(2, 'array16 length') : h & 0x0f;
    if (n > MAX_ARRAY_ENTRIES) {
      throw new ProtocolError('E_MALFORMED', `array at byte ${aAt} has ${n} elements, at most ${MAX_ARRAY_ENTRIES} allowed`, { offset: aAt });
    }
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const eAt = off;
      const t = u8();
      if (t <= 0x7f) xs.push(t);
      else if (t === 0xcc) xs.push(be(1, 'uint8'));
      else if (t === 0xcd) xs.push(be(2, 'uint16'));
      else if (t === 0xce) xs.push(be(4, 'uint32'));
      else if (t === 0xcf) xs.push(be(8, 'uint64'));
      // msgpack-lite writes integers above 2^32 as float64; validation checks they are integral.
      else if (t === 0xcb) xs.push(float(8, 'float64'));
      else throw new ProtocolError('E_MALFORMED', `array element at byte ${eAt} has type byte 0x${t.toString(16)}: only unsigned integers are allowed`, { offset: eAt });
    }
    return xs;
  }

  function float(n: 4 | 8, what: string): number {
    need(n, what);
    const v = n === 4 ? b.readFloatBE(off) : b.readDoubleBE(off);
    off += n;
    return v;
  }

  function signed(n: 1 | 2 | 4 | 8, what: string): number {
    need(n, what);
    let v: number;
    if (n === 1) v = b.readInt8(off);
    else if (n === 2) v = b.readInt16BE(off);
    else if (n === 4) v = b.readInt32BE(off);
    else v = b.readInt32BE(off) * 0x100000000 + b.readUInt32BE(off + 4);
    off += n;
    return v;
  }

  function text(n: number, what: string): string {
    const v = bytes(n, what);
    return n <= 16 ? shortKey(v, 0, n) : v.toString('utf8');
  }

  function scalar(): unknown {
    const vAt = off;
    const t = u8();
    if (t <= 0x7f) return t; // positive fixint
    if (t >= 0xe0) return t - 0x100; // negative fixint
    if (t >= 0xa0 && t <= 0xbf) return text(t & 0x1f, 'fixstr');
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xcc: return be(1, 'int8');
      case 0xcd: return be(2, 'int16');
      case 0xce: return be(4, 'int32/float32');
      case 0xcf: return be(8, 'int64/float64');
      case 0xd0: return signed(1, 'int8');
      case 0xd1: return signed(2, 'int16');
      case 0xd2: return signed(4, 'int32/float32');
      case 0xd3: return signed(8, 'int64/float64');
      case 0xca: return float(4, 'int32/float32');
      case 0xcb: return float(8, 'int64/float64');
      case 0xd9: return text(be(1, 'str8/bin8 length'), 'str/bin body');
      case 0xda: return text(be(2, 'str16/bin16 length'), 'str/bin body');
      case 0xdb: return text(be(4, 'str32/bin32 length'), 'str/bin body');
      case 0xc4: return bytes(be(1, 'str8/bin8 length'), 'str/bin body');
      case 0xc5: return bytes(be(2, 'str16/bin16 length'), 'str/bin body');
      case 0xc6: return bytes(be(4, 'str32/bin32 length'), 'str/bin body');
      default:
        throw new ProtocolError('E_MALFORMED', `value at byte ${vAt} has type byte 0x${t.toString(16)}: only nil, bool, numbers, str and bin values are allowed in a flat ${what} map`, { offset: vAt });
    }
  }
}

function isArrayHead(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x90 && b <= 0x9f) || b === 0xdc);
}

/** Keys are short ASCII: build them without a Buffer view and a UTF-8 decode (hot path, every frame). */
function shortKey(buf: Uint8Array, off: number, len: number): string {
  if (len <= 16) {
    let s = '';
    for (let i = 0; i < len; i++) {
      const c = buf[off + i]!;
      if (c >= 0x80) return Buffer.from(buf.buffer, buf.byteOffset + off, len).toString('utf8');
      s += String.fromCharCode(c);
    }
    return s;
  }
  return Buffer.from(buf.buffer, buf.byteOffset + off, len).toString('utf8');
}
